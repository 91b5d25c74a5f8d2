"""The indicator tables of chapters 2 and 3, as plain rows for the templates.

One shape for the strategic objectives (2.2), the unit scorecards (2.4) and the individual ones (3):
a perspective heading, the strategic objective with its realization, then one row per indicator with
the operational objective spanning its consecutive rows, as the seed prints them. A row the engine
flagged gets a mark (†1, †2 …) and a numbered note under its table naming the problem.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from performance.models import Assignment, Indicator, Level, OperationalObjective, Perspective, StrategicObjective

from .data import PlanData, flag_codes, flag_text
from .formatting import measurement_text, pct, realization_text

MARK = "†"


@dataclass
class Row:
    indicator: Indicator
    operational: OperationalObjective
    op_rowspan: int  # 0: the cell is spanned by a row above
    name: str
    algorithm: str
    value: str
    target: str
    realization: str
    mark: str = ""


@dataclass
class Block:
    """Rows under one heading (a strategic objective, or an operational objective for 2.3)."""

    perspective: Perspective | None  # set when a new perspective starts with this block
    heading: str
    realization: str
    rows: list[Row] = field(default_factory=list)


@dataclass
class Note:
    mark: str
    text: str


@dataclass
class IndicatorTable:
    blocks: list[Block]
    notes: list[Note]

    @property
    def empty(self) -> bool:
        return not any(b.rows for b in self.blocks)


class _Notes:
    """Numbers the flagged rows of one table."""

    def __init__(self) -> None:
        self.notes: list[Note] = []

    def mark(self, indicator: Indicator, assignment: Assignment | None) -> str:
        codes = flag_codes(indicator, assignment)
        if not codes:
            return ""
        mark = f"{MARK}{len(self.notes) + 1}"
        text = _("%(code)s – %(name)s: %(problem)s.") % {
            "code": indicator.code, "name": indicator.name, "problem": flag_text(codes)}
        if assignment is not None and "printed_differs" in codes and assignment.printed_realization_raw:
            text += " " + _("Nel documento di origine: %(printed)s; calcolato: %(computed)s.") % {
                "printed": assignment.printed_realization_raw, "computed": realization_text(indicator)}
        self.notes.append(Note(mark, text))
        return mark


def _row(plan: PlanData, indicator: Indicator, assignment: Assignment | None, notes: _Notes) -> Row:
    return Row(
        indicator=indicator, operational=plan.operationals[indicator.operational_objective_id], op_rowspan=1,
        name=indicator.name, algorithm=indicator.algorithm,
        value=measurement_text(plan.measurements.get(indicator.pk)), target=indicator.target_raw or "–",
        realization=realization_text(indicator), mark=notes.mark(indicator, assignment))


def _span(rows: list[Row]) -> None:
    """The operational objective cell spans its consecutive rows (rowspan), like the seed's tables."""
    start = 0
    for i in range(1, len(rows) + 1):
        if i == len(rows) or rows[i].operational.pk != rows[start].operational.pk:
            rows[start].op_rowspan = i - start
            for r in rows[start + 1:i]:
                r.op_rowspan = 0
            start = i


def objective_heading(objective: StrategicObjective) -> str:
    return f"{objective.code} {objective.title}"


def scorecard_table(plan: PlanData, entries: list[tuple[Indicator, Assignment | None]]) -> IndicatorTable:
    """Rows grouped by perspective and strategic objective, in plan order; within an objective the
    scorecard's own order. Indicators of no strategic objective (common ones) come last."""
    notes = _Notes()
    by_objective = {o.pk: o for o in plan.objectives}
    order = {o.pk: i for i, o in enumerate(plan.objectives)}
    groups: dict[int | None, list[tuple[Indicator, Assignment | None]]] = {}
    for indicator, assignment in entries:
        so_id = plan.operationals[indicator.operational_objective_id].strategic_objective_id
        groups.setdefault(so_id, []).append((indicator, assignment))
    blocks: list[Block] = []
    last_perspective = None
    for so_id in sorted(groups, key=lambda k: order.get(k, len(order))):
        objective = by_objective.get(so_id)
        perspective = plan.perspective_of(objective) if objective else None
        new_perspective = perspective if perspective is not None and perspective != last_perspective else None
        last_perspective = perspective or last_perspective
        if objective is not None:
            heading, realization = objective_heading(objective), pct(plan.rollup(Level.STRATEGIC, objective.pk))
        else:
            heading, realization = _("Obiettivi comuni di sistema"), ""
        rows = [_row(plan, i, a, notes) for i, a in groups[so_id]]
        _span(rows)
        blocks.append(Block(new_perspective, heading, realization, rows))
    return IndicatorTable(blocks, notes.notes)


def objective_entries(plan: PlanData, objective: StrategicObjective) -> list[tuple[Indicator, Assignment | None]]:
    """The strategic objective's indicators as the strategic scorecard lists them (with its printed-row
    flags); without a strategic scorecard, every indicator of the objective in plan order."""
    strategic = next((s for s in plan.scorecards if s.kind == "strategic"), None)
    mine = {pk for pk, o in plan.operationals.items() if o.strategic_objective_id == objective.pk}
    if strategic is not None:
        rows = [(plan.indicators[a.indicator_id], a) for a in plan.assignments.get(strategic.pk, [])
                if plan.indicators[a.indicator_id].operational_objective_id in mine]
        if rows:
            return rows
    op_order = {pk: i for i, pk in enumerate(plan.operationals)}
    indicators = [i for i in plan.indicators.values() if i.operational_objective_id in mine]
    indicators.sort(key=lambda i: op_order[i.operational_objective_id])  # stable: keeps indicator order
    return [(i, None) for i in indicators]


def scorecard_entries(plan: PlanData, scorecard_id: int) -> list[tuple[Indicator, Assignment]]:
    return [(plan.indicators[a.indicator_id], a) for a in plan.assignments.get(scorecard_id, [])]


def common_table(plan: PlanData) -> IndicatorTable:
    """2.3: the common system objectives, one block per (common) operational objective."""
    notes = _Notes()
    common = next((s for s in plan.scorecards if s.kind == "common"), None)
    if common is not None and plan.assignments.get(common.pk):
        entries = scorecard_entries(plan, common.pk)
    else:
        entries = [(i, None) for i in plan.indicators.values()
                   if i.is_common or plan.operationals[i.operational_objective_id].is_common]
    blocks: dict[int, Block] = {}
    for indicator, assignment in entries:
        op = plan.operationals[indicator.operational_objective_id]
        if op.pk not in blocks:
            blocks[op.pk] = Block(None, op.title, pct(plan.rollup(Level.OPERATIONAL, op.pk)))
        blocks[op.pk].rows.append(_row(plan, indicator, assignment, notes))
    return IndicatorTable(list(blocks.values()), notes.notes)
