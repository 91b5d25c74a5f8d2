"""Recompute every realization figure of a cycle with the engine, reading and writing in bulk.

A fixed number of queries whatever the size of the cycle: the inputs are read as plain tuples, the
pure engine computes, and only the rows whose result changed are written back (COPY + UPDATE … FROM
on PostgreSQL). Roll-ups are replaced as a whole.
"""
from __future__ import annotations

import gc
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.db.models import FilteredRelation, Q
from django.utils import timezone

from . import bulk
from .engine import (
    AssignmentRef,
    IndicatorInput,
    IndicatorRef,
    IndicatorResult,
    OperationalRef,
    PerspectiveRef,
    PlanInput,
    RuleSet,
    ScorecardRef,
    StrategicRef,
    compute_indicator,
    make_input,
    printed_flags,
    rollup,
)
from .models import (
    Assignment,
    Cycle,
    Indicator,
    IndicatorScore,
    Level,
    OperationalObjective,
    Override,
    Period,
    Perspective,
    RollupResult,
    Scorecard,
    StrategicObjective,
)

OVERRIDE_FLAG = "override"
_TWO = Decimal("0.01")

_INDICATOR_FIELDS = ("id", "operational_objective_id", "weight", "code", "name", "kind", "direction", "target_raw",
                     "target_number", "target_date", "target_bool", "target_operator")
_STORED_FIELDS = ("score__realization", "score__status", "score__flags")
_MEASUREMENT_FIELDS = ("raw_value", "value_number", "value_date", "value_bool", "is_nv", "nv_reason", "numerator",
                       "denominator", "shortfall_reason")


@dataclass
class CycleData:
    """Everything the engine needs about a cycle, as plain data."""

    rules: RuleSet
    plan: PlanInput
    inputs: dict[int, IndicatorInput]
    assignments: list[tuple]  # (id, scorecard_id, indicator_id, printed_realization, printed_raw, flags)
    overrides: dict[int, Decimal] = field(default_factory=dict)
    stored: dict[int, tuple] = field(default_factory=dict)  # indicator id → (realization, status, flags)


@dataclass
class RecomputeReport:
    indicators: int
    changed_indicators: int
    changed_assignments: int
    rollups: int
    seconds: dict[str, float] = field(default_factory=dict)


def final_period(cycle: Cycle) -> Period | None:
    periods = list(Period.objects.filter(cycle=cycle).order_by("-is_final", "-reference_date")[:1])
    return periods[0] if periods else None


def indicator_inputs(cycle: Cycle, indicator_ids: Iterable[int] | None = None
                     ) -> tuple[list[tuple], dict[int, IndicatorInput]]:
    """The indicators' rows (with their stored results) and engine inputs for the final period: one query."""
    period = final_period(cycle)
    indicators = Indicator.objects.filter(cycle=cycle).annotate(
        m=FilteredRelation("measurements", condition=Q(measurements__period_id=period.pk if period else -1)))
    if indicator_ids is not None:
        indicators = indicators.filter(pk__in=list(indicator_ids))
    rows = bulk.fetch_rows(indicators.values_list(*_INDICATOR_FIELDS, *_STORED_FIELDS,
                                                  *(f"m__{name}" for name in _MEASUREMENT_FIELDS)))
    inputs: dict[int, IndicatorInput] = {}
    for (pk, _oo, _w, _code, _name, kind, direction, target_raw, target_number, target_date, target_bool,
         target_operator, _real, _status, _flags, raw, number, date, boolean, is_nv, nv_reason, numerator,
         denominator, shortfall) in rows:
        if is_nv is None:  # no measurement for the period
            inputs[pk] = make_input(kind, direction, target_raw, target_number, target_date, target_bool,
                                    target_operator, "", None, None, None, False, "", None, None, False, None, False,
                                    "")
            continue
        has_value = bool(raw) or bool(is_nv) or number is not None or date is not None or boolean is not None \
            or numerator is not None
        inputs[pk] = make_input(kind, direction, target_raw, target_number, target_date, target_bool,
                                target_operator, raw, number, date, boolean, bool(is_nv), nv_reason, numerator,
                                denominator, has_value, None, False, shortfall)
    return rows, inputs


def load(cycle: Cycle) -> CycleData:
    rules = RuleSet.from_dict(cycle.rules or {})
    indicator_rows, inputs = indicator_inputs(cycle)
    assignments = bulk.fetch_rows(Assignment.objects.filter(scorecard__cycle=cycle).values_list(
        "id", "scorecard_id", "indicator_id", "printed_realization", "printed_realization_raw", "flags", "weight"))
    plan = PlanInput(
        perspectives=[PerspectiveRef(pk, code) for pk, code in
                      Perspective.objects.filter(cycle=cycle).values_list("id", "code")],
        strategic=[StrategicRef(pk, persp, None, code) for pk, persp, code in
                   StrategicObjective.objects.filter(cycle=cycle).values_list("id", "perspective_id", "code")],
        operational=[OperationalRef(pk, so, _float(w), code) for pk, so, w, code in
                     OperationalObjective.objects.filter(cycle=cycle).values_list(
                         "id", "strategic_objective_id", "weight", "code")],
        indicators=[IndicatorRef(row[0], row[1], _float(row[2]), row[3], row[4]) for row in indicator_rows],
        scorecards=[ScorecardRef(pk, kind, code) for pk, kind, code in
                    Scorecard.objects.filter(cycle=cycle).values_list("id", "kind", "code")],
        assignments=[AssignmentRef(sc, ind, _float(w)) for _id, sc, ind, _p, _r, _f, w in assignments],
    )
    overrides = dict(Override.objects.approved().filter(cycle=cycle, level=Level.INDICATOR)
                     .values_list("object_id", "value"))
    # A missing score reads as (None, None, None) and always differs, so it gets written.
    stored = {row[0]: (_stored_decimal(row[12]), row[13], row[14]) for row in indicator_rows}
    return CycleData(rules, plan, inputs, [a[:6] for a in assignments], overrides, stored)


def _stored_decimal(value) -> Decimal | None:
    # Raw rows bring numerics as Decimal on PostgreSQL but as float on SQLite: compare like with like.
    return None if value is None else Decimal(str(value)).quantize(_TWO)


def _float(value) -> float | None:
    return None if value is None else float(value)


def as_stored(value: float | None) -> Decimal | None:
    return None if value is None else Decimal(repr(value)).quantize(_TWO)


def compute(data: CycleData) -> dict[int, IndicatorResult]:
    rules = data.rules
    return {pk: compute_indicator(inp, rules) for pk, inp in data.inputs.items()}


def effective(data: CycleData, results: dict[int, IndicatorResult]) -> dict[int, float | None]:
    """Realizations after approved overrides: what the roll-ups and the report use."""
    values = {pk: r.realization for pk, r in results.items()}
    for pk, value in data.overrides.items():
        if pk in values:
            values[pk] = float(value)
    return values


def indicator_flags(data: CycleData, results: dict[int, IndicatorResult]) -> dict[int, str]:
    flags = {}
    for pk, result in results.items():
        codes = list(result.flags)
        if pk in data.overrides:
            codes.append(OVERRIDE_FLAG)
        flags[pk] = ";".join(codes)
    return flags


def assignment_flags(data: CycleData, results: dict[int, IndicatorResult]) -> Iterable[tuple[int, str, str]]:
    """(assignment id, new flags, current flags) for rows carrying a printed % to compare with."""
    for pk, _sc, indicator_id, printed, printed_raw, current in data.assignments:
        is_nv = printed_raw.strip().upper() == "NV"
        if printed is None and not is_nv:
            yield pk, "", current
            continue
        yield pk, ";".join(printed_flags(results[indicator_id], printed, is_nv)), current


def recompute_cycle(cycle_id: int) -> RecomputeReport:
    # Hundreds of thousands of small objects, none of them cyclic: the cycle collector would scan the
    # growing heap again and again (measured: more than a second of 100,000 indicators).
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _recompute_cycle(cycle_id)
    finally:
        if enabled:
            gc.enable()


@transaction.atomic
def _recompute_cycle(cycle_id: int) -> RecomputeReport:
    clock = _Clock()
    cycle = Cycle.objects.select_for_update().get(pk=cycle_id)
    data = load(cycle)
    clock.lap("read")
    results = compute(data)
    clock.lap("compute")
    values = effective(data, results)
    flags = indicator_flags(data, results)
    stored = data.stored
    changed = []
    for pk, result in results.items():
        row = (as_stored(values[pk]), result.status, flags[pk])
        if stored.get(pk) != row:
            changed.append((pk, *row))
    _write_scores(cycle, changed, len(results))
    changed_assignments = [(pk, new) for pk, new, current in assignment_flags(data, results) if new != current]
    bulk.update_rows(Assignment, ["flags"], changed_assignments)
    clock.lap("write_indicators")
    tree = rollup(data.plan, values, data.rules)
    clock.lap("rollup")
    rows = [(cycle.pk, level, pk, realization, counted) for level, pk, realization, counted in rollup_rows(cycle, tree)]
    RollupResult.objects.filter(cycle=cycle).delete()
    bulk.insert_rows(RollupResult, ["cycle", "level", "object_id", "realization", "counted"], rows)
    Cycle.objects.filter(pk=cycle.pk).update(computed_at=timezone.now())
    clock.lap("write_rollups")
    return RecomputeReport(len(results), len(changed), len(changed_assignments), len(rows), clock.laps)


class _Clock:
    """Seconds spent in each phase, reported with the result (and by make bench)."""

    def __init__(self) -> None:
        self.laps: dict[str, float] = {}
        self._last = time.perf_counter()

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.laps[name] = round(now - self._last, 3)
        self._last = now


def rollup_rows(cycle: Cycle, tree) -> list[tuple[str, int, Decimal | None, int]]:
    """(level, object id, realization as stored, items counted) for every aggregated figure."""
    rows = [(Level.ENTITY, cycle.pk, as_stored(tree.entity.value), _counted(tree.entity))]
    for level, aggregates in ((Level.OPERATIONAL, tree.operational), (Level.STRATEGIC, tree.strategic),
                              (Level.PERSPECTIVE, tree.perspectives), (Level.SCORECARD, tree.scorecards)):
        rows.extend((level, pk, as_stored(a.value), _counted(a)) for pk, a in aggregates.items())
    return rows


def _write_scores(cycle: Cycle, changed: list[tuple], total: int) -> None:
    """Replace the changed indicators' scores: delete then COPY, the cheapest write of narrow rows."""
    if not changed:
        return
    if len(changed) == total:
        IndicatorScore.objects.filter(cycle=cycle).delete()
    else:
        bulk.delete_rows(IndicatorScore, [row[0] for row in changed])
    bulk.insert_rows(IndicatorScore, ["indicator", "cycle", "realization", "status", "flags"],
                     ((pk, cycle.pk, realization, status, flags) for pk, realization, status, flags in changed))


def _counted(aggregate) -> int:
    return sum(1 for _key, value, _weight in aggregate.members if value is not None)
