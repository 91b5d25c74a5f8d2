"""Everything the Relazione shows, read in a fixed number of queries whatever the size of the plan.

The plan, the engine's stored results (IndicatorScore, RollupResult, the per-row flags on Assignment)
and the final measurements are read once into dictionaries; the section builders only look things up.
No figure is recomputed here and none is taken from a printed (imported) value.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from organization.models import OrgUnit
from organization.orgchart import UNIT_FIELDS, UnitInput, units_from_queryset
from performance.engine.explain import flag_message
from performance.models import (
    Assignment, Cycle, Indicator, Level, Measurement, OperationalObjective, Perspective, RollupResult, Scorecard,
    StrategicObjective,
)
from performance.snapshot import frozen_units


@dataclass
class PlanData:
    """The cycle's plan and results, indexed for look-ups."""

    perspectives: list[Perspective]
    objectives: list[StrategicObjective]
    operationals: dict[int, OperationalObjective]
    indicators: dict[int, Indicator]
    scorecards: list[Scorecard]
    assignments: dict[int, list[Assignment]]  # scorecard id -> rows in position order
    measurements: dict[int, Measurement]  # indicator id -> final-period value
    rollups: dict[tuple[str, int], Decimal | None]
    cycle_id: int

    def rollup(self, level: str, object_id: int) -> Decimal | None:
        return self.rollups.get((level, object_id))

    @property
    def entity_realization(self) -> Decimal | None:
        return self.rollup(Level.ENTITY, self.cycle_id)

    def perspective_of(self, objective: StrategicObjective) -> Perspective | None:
        return next((p for p in self.perspectives if p.pk == objective.perspective_id), None)

    def scorecard(self, code: str) -> Scorecard | None:
        return next((s for s in self.scorecards if s.code == code), None)

    def objective(self, code: str) -> StrategicObjective | None:
        return next((o for o in self.objectives if o.code == code), None)


@dataclass
class ContextData:
    """Chapter 1 (and 2.5): the same selectors the context pages use."""

    resources: object | None = None
    staff: object | None = None
    organs: list = field(default_factory=list)
    tables: list = field(default_factory=list)
    units: list[UnitInput] = field(default_factory=list)


def load_plan(cycle: Cycle) -> PlanData:
    """Eight queries."""
    perspectives = list(Perspective.objects.filter(cycle=cycle).order_by("position", "code"))
    objectives = list(StrategicObjective.objects.filter(cycle=cycle)
                      .order_by("perspective__position", "perspective__code", "position", "code"))
    operationals = {o.pk: o for o in OperationalObjective.objects.filter(cycle=cycle).order_by("position", "code")}
    indicators = {i.pk: i for i in Indicator.objects.filter(cycle=cycle).select_related("score")
                  .order_by("position", "code")}
    scorecards = list(Scorecard.objects.filter(cycle=cycle).order_by("position", "code"))
    assignments: dict[int, list[Assignment]] = {s.pk: [] for s in scorecards}
    for a in Assignment.objects.filter(scorecard__cycle=cycle).order_by("scorecard_id", "position", "id"):
        assignments.setdefault(a.scorecard_id, []).append(a)
    measurements = {m.indicator_id: m for m in Measurement.objects.filter(
        period__cycle=cycle, period__is_final=True, indicator__cycle=cycle)}
    rollups = {(level, pk): value for level, pk, value in
               RollupResult.objects.filter(cycle=cycle).values_list("level", "object_id", "realization")}
    return PlanData(perspectives, objectives, operationals, indicators, scorecards, assignments, measurements,
                    rollups, cycle.pk)


def load_context(cycle: Cycle, kinds: set[str]) -> ContextData:
    """The chapter 1 figures, only those some section shows (a constant number of queries each)."""
    from budget import selectors

    entity = cycle.entity
    data = ContextData()
    if kinds & {"resources", "indices", "special_agency", "results_summary"}:
        data.resources = selectors.resources_for(entity, cycle.year)
    if kinds & {"staff", "gender"}:
        data.staff = selectors.staff_for(entity, cycle.year)
    if "organs" in kinds:
        data.organs = selectors.organs_for(entity, cycle.year)
    if "context_economy" in kinds:
        data.tables = selectors.context_tables_for(entity, cycle.year)
    if "org_chart" in kinds:
        # A frozen cycle's Relazione draws the chart its snapshot froze: units stay editable for next year.
        frozen = frozen_units(cycle)
        data.units = units_from_queryset(OrgUnit.objects.filter(entity=entity)) if frozen is None else [
            UnitInput(*(u[f] for f in UNIT_FIELDS)) for u in frozen]
    return data


def flag_codes(indicator: Indicator, assignment: Assignment | None) -> list[str]:
    """The engine's findings on a table row: the indicator's own and those of this scorecard row."""
    codes: list[str] = []
    for text in (indicator.flags, assignment.flags if assignment is not None else ""):
        for code in (text or "").split(";"):
            if code and code not in codes:
                codes.append(code)
    return codes


def flag_text(codes: list[str]) -> str:
    return "; ".join(flag_message(code) for code in codes)
