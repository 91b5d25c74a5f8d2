"""Reads of chapter 1's data for one entity and report year: the rows, turned into the plain inputs of
the pure figure modules (budget/figures.py, organization/staff_figures.py, organization/context_figures.py).

A fixed number of queries per page whatever the size of the tables; the Relazione (issue 7) reads the same.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from organization.context_figures import RowInput, TableInput, TableView, table_view
from organization.models import (
    Absence, ContextRow, ContextTable, Entity, Organ, OrgUnit, ParentalLeave, StaffBreakdown, StaffCount, StaffPlan,
    StaffYear,
)
from organization import staff_figures as sf

from . import figures as bf
from .models import ActionLine, BalanceComponent, BalanceIndex, BudgetLine, DeclaredTotal, Participation

INTERVENTIONS_LABEL = "interventi economici"


@dataclass
class BudgetData:
    year: int
    subject: OrgUnit | None
    statement: bf.IncomeStatement
    actions: bf.ActionsFigure | None


@dataclass
class ResourcesData:
    year: int
    entity_budget: BudgetData | None
    agencies: list[BudgetData] = field(default_factory=list)
    indices: list = field(default_factory=list)
    index_years: list[int] = field(default_factory=list)
    participations: list = field(default_factory=list)

    @property
    def warnings(self) -> int:
        count = sum(len(b.statement.mismatches) + (len(b.actions.mismatches) if b.actions else 0)
                    for b in [self.entity_budget, *self.agencies] if b)
        count += sum(1 for p in self.participations if p.mismatch)
        count += sum(len(i.errors) for i in self.indices)
        return count


def _budget(year: int, subject: OrgUnit | None, lines: list[BudgetLine], declared: list[DeclaredTotal],
            actions: list[ActionLine]) -> BudgetData:
    codes = {line.pk: line.code for line in lines}
    statement = bf.income_statement(
        [bf.LineInput(l.section, l.code, l.label, codes.get(l.parent_id), l.forecast, l.actual, l.position)
         for l in lines],
        [bf.DeclaredInput(d.key, d.forecast, d.actual) for d in declared if d.key != DeclaredTotal.Key.ACTIONS],
    )
    action_figure = None
    if actions:
        line = next((f.amounts for s in statement.sections for f in s.lines
                     if f.level == 0 and INTERVENTIONS_LABEL in f.label.casefold()), None)
        declared_actions = next((bf.DeclaredInput(d.key, d.forecast, d.actual) for d in declared
                                 if d.key == DeclaredTotal.Key.ACTIONS), None)
        action_figure = bf.actions([bf.ActionInput(a.label, a.forecast, a.actual, a.position) for a in actions],
                                   declared_actions, line)
    return BudgetData(year, subject, statement, action_figure)


def resources_for(entity: Entity, year: int) -> ResourcesData:
    """Conto economico and interventi of the entity and of each azienda speciale, indices for the year and
    the one before, participations."""
    lines = list(BudgetLine.objects.filter(entity=entity, year=year).select_related("subject"))
    declared = list(DeclaredTotal.objects.filter(entity=entity, year=year))
    actions = list(ActionLine.objects.filter(entity=entity, year=year))
    subjects: dict[int | None, OrgUnit | None] = {None: None}
    for row in [*lines, *actions]:
        if row.subject_id:
            subjects[row.subject_id] = row.subject
    budgets = {}
    for subject_id, subject in subjects.items():
        mine = [l for l in lines if l.subject_id == subject_id]
        my_actions = [a for a in actions if a.subject_id == subject_id]
        if mine or my_actions:
            budgets[subject_id] = _budget(year, subject, mine, [d for d in declared if d.subject_id == subject_id],
                                          my_actions)
    definitions = list(BalanceIndex.objects.filter(entity=entity, year=year))
    years = [year, year - 1]
    components: dict[int, dict] = {y: {} for y in years}
    labels: dict[str, str] = {}
    for c in BalanceComponent.objects.filter(entity=entity, year__in=years).order_by("-year"):
        components[c.year][c.code] = c.value
        labels.setdefault(c.code, c.label)
    indices = bf.indices([bf.IndexInput(d.code, d.group, d.label, d.formula, d.format, d.decimals, d.position)
                          for d in definitions], components, labels, years) if definitions else []
    participations = bf.participations([
        bf.ParticipationInput(p.company, p.share_capital, p.nominal_value, p.declared_percent, p.position)
        for p in Participation.objects.filter(entity=entity, year=year)])
    agencies = [b for key, b in budgets.items() if key is not None]
    agencies.sort(key=lambda b: (b.subject.position, b.subject.code))
    return ResourcesData(year, budgets.get(None), agencies, indices, years, participations)


@dataclass
class StaffData:
    year: int
    table: sf.StaffTable | None
    previous: sf.StaffTable | None
    comparison: object | None
    declared_fte: object | None
    absences: object | None
    parental: object | None
    breakdowns: dict[str, list[StaffBreakdown]]

    @property
    def empty(self) -> bool:
        return self.table is None


def _staff_table(counts: list[StaffCount], plans: list[StaffPlan]) -> sf.StaffTable | None:
    if not counts:
        return None
    return sf.staff_table(
        [sf.StaffInput(c.category, c.gender, c.contract, c.part_time_percent, c.headcount) for c in counts],
        [sf.PlanInput(p.category, p.planned_posts, p.note, p.position) for p in plans])


def staff_for(entity: Entity, year: int) -> StaffData:
    years = [year, year - 1]
    counts = list(StaffCount.objects.filter(entity=entity, year__in=years))
    plans = list(StaffPlan.objects.filter(entity=entity, year__in=years))
    current = _staff_table([c for c in counts if c.year == year], [p for p in plans if p.year == year])
    previous = _staff_table([c for c in counts if c.year == year - 1], [p for p in plans if p.year == year - 1])
    summary = StaffYear.objects.filter(entity=entity, year=year).first()
    absences = [a for a in Absence.objects.filter(entity=entity, year=year)]
    leave = [p for p in ParentalLeave.objects.filter(entity=entity, year=year)]
    breakdowns: dict[str, list[StaffBreakdown]] = {}
    for b in StaffBreakdown.objects.filter(entity=entity, year=year):
        breakdowns.setdefault(b.get_dimension_display(), []).append(b)
    return StaffData(
        year, current, previous,
        sf.gender_comparison(current, previous) if current else None,
        summary.declared_fte if summary else None,
        sf.absences([sf.AbsenceInput(a.cause, a.days) for a in absences]) if absences else None,
        sf.parental_leave([sf.ParentalInput(p.gender, p.pay, p.days) for p in leave],
                          next((a.days for a in absences if a.cause == Absence.Cause.PARENTAL), None))
        if leave else None,
        breakdowns,
    )


def organs_for(entity: Entity, year: int) -> list[Organ]:
    return list(Organ.objects.filter(entity=entity, year=year))


def context_tables_for(entity: Entity, year: int) -> list[TableView]:
    tables = list(ContextTable.objects.filter(entity=entity, year=year))
    rows: dict[int, list[RowInput]] = {t.pk: [] for t in tables}
    for row in ContextRow.objects.filter(table__in=tables):
        rows[row.table_id].append(RowInput(row.label, row.style, list(row.values)))
    return [table_view(TableInput(t.code, t.title, t.source, t.period, t.note, t.label_heading, list(t.columns),
                                  list(t.summable_columns)), rows[t.pk]) for t in tables]
