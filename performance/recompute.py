"""Recompute every realization figure of a cycle with the engine, reading and writing in bulk.

A fixed number of queries whatever the size of the cycle: the inputs are read as plain tuples, the
pure engine computes, and only the rows whose result changed are written back (COPY + UPDATE … FROM
on PostgreSQL). Roll-ups are replaced as a whole.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
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
    printed_flags,
    rollup,
)
from .models import (
    Assignment,
    Cycle,
    Indicator,
    Level,
    Measurement,
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
_MEASUREMENT_FIELDS = ("indicator_id", "raw_value", "value_number", "value_date", "value_bool", "is_nv", "nv_reason",
                       "numerator", "denominator", "shortfall_reason")


@dataclass
class CycleData:
    """Everything the engine needs about a cycle, as plain data."""

    rules: RuleSet
    plan: PlanInput
    inputs: dict[int, IndicatorInput]
    assignments: list[tuple]  # (id, scorecard_id, indicator_id, printed_realization, printed_raw, flags)
    overrides: dict[int, Decimal] = field(default_factory=dict)


@dataclass
class RecomputeReport:
    indicators: int
    changed_indicators: int
    changed_assignments: int
    rollups: int


def final_period(cycle: Cycle) -> Period | None:
    periods = list(Period.objects.filter(cycle=cycle).order_by("-is_final", "-reference_date")[:1])
    return periods[0] if periods else None


def indicator_inputs(cycle: Cycle, indicator_ids: Iterable[int] | None = None
                     ) -> tuple[list[tuple], dict[int, IndicatorInput]]:
    """The indicators' rows and their engine inputs (the final period's value), in two queries."""
    period = final_period(cycle)
    indicators = Indicator.objects.filter(cycle=cycle)
    measurements = Measurement.objects.filter(period=period)
    if indicator_ids is not None:
        indicators = indicators.filter(pk__in=list(indicator_ids))
        measurements = measurements.filter(indicator_id__in=list(indicator_ids))
    values = {}
    if period is not None:
        values = {row[0]: row for row in measurements.values_list(*_MEASUREMENT_FIELDS)}
    indicator_rows = list(indicators.values_list(*_INDICATOR_FIELDS))
    inputs: dict[int, IndicatorInput] = {}
    for (pk, _oo, _w, _code, _name, kind, direction, target_raw, target_number, target_date, target_bool,
         target_operator) in indicator_rows:
        m = values.get(pk)
        if m is None:
            inputs[pk] = IndicatorInput(kind=kind, direction=direction, target_raw=target_raw,
                                        target_number=target_number, target_date=target_date,
                                        target_bool=target_bool, target_operator=target_operator, has_value=False)
            continue
        (_i, raw, number, date, boolean, is_nv, nv_reason, numerator, denominator, shortfall) = m
        inputs[pk] = IndicatorInput(
            kind=kind, direction=direction, target_raw=target_raw, target_number=target_number,
            target_date=target_date, target_bool=target_bool, target_operator=target_operator, value_raw=raw,
            value_number=number, value_date=date, value_bool=boolean, is_nv=is_nv, nv_reason=nv_reason,
            numerator=numerator, denominator=denominator,
            has_value=bool(raw) or is_nv or number is not None or date is not None or boolean is not None
            or numerator is not None,
            shortfall_reason=shortfall,
        )
    return indicator_rows, inputs


def load(cycle: Cycle) -> CycleData:
    rules = RuleSet.from_dict(cycle.rules or {})
    indicator_rows, inputs = indicator_inputs(cycle)
    assignments = list(Assignment.objects.filter(scorecard__cycle=cycle).values_list(
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
    return CycleData(rules, plan, inputs, [a[:6] for a in assignments], overrides)


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


@transaction.atomic
def recompute_cycle(cycle_id: int) -> RecomputeReport:
    cycle = Cycle.objects.select_for_update().get(pk=cycle_id)
    data = load(cycle)
    results = compute(data)
    values = effective(data, results)
    flags = indicator_flags(data, results)
    stored = {pk: (realization, status, fl) for pk, realization, status, fl in
              Indicator.objects.filter(cycle=cycle).values_list("id", "realization", "result_status", "flags")}
    changed = []
    for pk, result in results.items():
        row = (as_stored(values[pk]), result.status, flags[pk])
        if stored.get(pk) != row:
            changed.append((pk, *row))
    bulk.update_rows(Indicator, ["realization", "result_status", "flags"], changed)
    changed_assignments = [(pk, new) for pk, new, current in assignment_flags(data, results) if new != current]
    bulk.update_rows(Assignment, ["flags"], changed_assignments)
    tree = rollup(data.plan, values, data.rules)
    rows = [(cycle.pk, Level.ENTITY, cycle.pk, as_stored(tree.entity.value), _counted(tree.entity))]
    for level, aggregates in ((Level.OPERATIONAL, tree.operational), (Level.STRATEGIC, tree.strategic),
                              (Level.PERSPECTIVE, tree.perspectives), (Level.SCORECARD, tree.scorecards)):
        rows.extend((cycle.pk, level, pk, as_stored(a.value), _counted(a)) for pk, a in aggregates.items())
    RollupResult.objects.filter(cycle=cycle).delete()
    bulk.insert_rows(RollupResult, ["cycle", "level", "object_id", "realization", "counted"], rows)
    Cycle.objects.filter(pk=cycle.pk).update(computed_at=timezone.now())
    return RecomputeReport(len(results), len(changed), len(changed_assignments), len(rows))


def _counted(aggregate) -> int:
    return sum(1 for _key, value, _weight in aggregate.members if value is not None)
