"""Recompute every realization figure of a cycle with the engine, reading and writing in bulk.

A fixed number of queries whatever the size of the cycle: the inputs are read as plain tuples, the
pure engine computes, and only the rows whose result changed are written back (COPY + UPDATE … FROM
on PostgreSQL). Roll-ups are replaced as a whole.
"""
from __future__ import annotations

import gc
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.db.models import BooleanField, Case, DecimalField, F, FilteredRelation, FloatField, Q, TextField, Value, When
from django.db.models.functions import Cast, Coalesce
from django.utils import timezone

from . import bulk, page_cache
from .freeze import ensure_cycle_writable
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
    input_from_row,
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
_new = tuple.__new__  # NamedTuple from a row slice in one C call

# Columns of the indicators query: the plan reference (0-4), the engine input in IndicatorInput's field
# order (5-23, so a row slice becomes an input in one C call), the stored score (24-26).
_REF = slice(0, 5)
_INPUT = slice(5, 24)
_STORED = slice(24, 27)


def _indicator_columns(labels: bool = True) -> dict[str, Any]:
    """Expressions, in column order, for the indicators query (see _REF, _INPUT, _STORED).

    Without labels, codes and names read as "": the recompute does not need them, and 200,000 fewer
    strings is a tenth of its reading time."""
    no = Value(False)

    def text(name: str) -> Coalesce:
        return Coalesce(name, Value(""), output_field=TextField())

    has_value = Case(When(Q(m__raw_value__gt="") | Q(m__is_nv=True) | Q(m__value_number__isnull=False)
                          | Q(m__value_date__isnull=False) | Q(m__value_bool__isnull=False)
                          | Q(m__numerator__isnull=False), then=Value(True)), default=no, output_field=BooleanField())
    return {
        "x_id": F("id"), "x_oo": F("operational_objective_id"), "x_weight": Cast("weight", FloatField()),
        "x_code": F("code") if labels else Value(""), "x_name": F("name") if labels else Value(""),
        "x_kind": F("kind"), "x_direction": F("direction"), "x_target_raw": F("target_raw"),
        "x_target_number": F("target_number"), "x_target_date": F("target_date"), "x_target_bool": F("target_bool"),
        "x_target_operator": F("target_operator"),
        "x_value_raw": text("m__raw_value"), "x_value_number": F("m__value_number"),
        "x_value_date": F("m__value_date"), "x_value_bool": F("m__value_bool"),
        "x_is_nv": Coalesce("m__is_nv", no, output_field=BooleanField()), "x_nv_reason": text("m__nv_reason"),
        "x_numerator": F("m__numerator"), "x_denominator": F("m__denominator"), "x_has_value": has_value,
        "x_printed": Value(None, output_field=DecimalField()), "x_printed_nv": Value(False, BooleanField()),
        "x_shortfall": text("m__shortfall_reason"),
        "x_stored": Cast("score__realization", FloatField()), "x_status": F("score__status"),
        "x_flags": F("score__flags"),
    }


@dataclass
class CycleData:
    """Everything the engine needs about a cycle, as plain data."""

    rules: RuleSet
    plan: PlanInput
    inputs: dict[int, IndicatorInput]
    # (id, scorecard_id, indicator_id, printed_realization, printed_raw, flags) of rows with a printed figure
    assignments: list[tuple]
    overrides: dict[int, Decimal] = field(default_factory=dict)
    stored: dict[int, tuple] = field(default_factory=dict)  # indicator id → (realization float, status, flags)


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


def indicator_inputs(cycle: Cycle, indicator_ids: Iterable[int] | None = None, *, labels: bool = True
                     ) -> tuple[list[tuple], dict[int, IndicatorInput]]:
    """The indicators' rows (plan reference, input, stored result) and the engine inputs for the final
    period: one query, shaped so that building 100,000 inputs costs one C call each."""
    period = final_period(cycle)
    columns = _indicator_columns(labels)
    indicators = Indicator.objects.filter(cycle=cycle).annotate(
        m=FilteredRelation("measurements", condition=Q(measurements__period_id=period.pk if period else -1)),
    ).annotate(**columns)
    if indicator_ids is not None:
        indicators = indicators.filter(pk__in=list(indicator_ids))
    rows = bulk.fetch_rows(indicators.values_list(*columns))
    inputs = {row[0]: input_from_row(row[_INPUT]) for row in rows}
    return rows, inputs


def load(cycle: Cycle, *, labels: bool = True) -> CycleData:
    """The cycle as plain data; labels=False leaves indicator codes and names out (recompute)."""
    rules = RuleSet.from_dict(cycle.rules or {})
    indicator_rows, inputs = indicator_inputs(cycle, labels=labels)
    in_cycle = Assignment.objects.filter(scorecard__cycle=cycle)
    assignments = bulk.fetch_rows(in_cycle.annotate(x_weight=Cast("weight", FloatField())).values_list(
        "scorecard_id", "indicator_id", "x_weight"))
    # Only rows carrying a printed figure (or flags from one) can get or lose a printed_* flag: in a plan
    # entered in Misura that is none of them, and 100,000 rows of text read for nothing.
    printed = bulk.fetch_rows(in_cycle.filter(
        Q(printed_realization__isnull=False) | ~Q(printed_realization_raw="") | ~Q(flags="")).values_list(
        "id", "scorecard_id", "indicator_id", "printed_realization", "printed_realization_raw", "flags"))
    plan = PlanInput(
        perspectives=[PerspectiveRef(pk, code) for pk, code in
                      Perspective.objects.filter(cycle=cycle).values_list("id", "code")],
        strategic=[StrategicRef(pk, persp, None, code) for pk, persp, code in
                   StrategicObjective.objects.filter(cycle=cycle).values_list("id", "perspective_id", "code")],
        operational=[OperationalRef(pk, so, _float(w), code) for pk, so, w, code in
                     OperationalObjective.objects.filter(cycle=cycle).values_list(
                         "id", "strategic_objective_id", "weight", "code")],
        indicators=[_new(IndicatorRef, row[_REF]) for row in indicator_rows],
        scorecards=[ScorecardRef(pk, kind, code) for pk, kind, code in
                    Scorecard.objects.filter(cycle=cycle).values_list("id", "kind", "code")],
        assignments=[_new(AssignmentRef, row) for row in assignments],
    )
    overrides = dict(Override.objects.approved().filter(cycle=cycle, level=Level.INDICATOR)
                     .values_list("object_id", "value"))
    # A missing score reads as (None, None, None) and always differs, so it gets written.
    stored = {row[0]: row[_STORED] for row in indicator_rows}
    return CycleData(rules, plan, inputs, printed, overrides, stored)


def stored_value(value: float | None) -> float | None:
    """A realization as the database keeps it (two decimals), as the float the recompute reads back."""
    return None if value is None else round(value, 2)


def as_stored(value: float | None) -> Decimal | None:
    """The same figure as a Decimal (roll-ups, pages): equal to what stored_value writes."""
    return None if value is None else Decimal(repr(round(value, 2)))


def _float(value) -> float | None:
    return None if value is None else float(value)


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
        report = _recompute_cycle(cycle_id)
    finally:
        if enabled:
            gc.enable()
    page_cache.bump(cycle_id)
    return report


@transaction.atomic
def _recompute_cycle(cycle_id: int) -> RecomputeReport:
    clock = _Clock()
    if connection.vendor == "postgresql":
        # The read joins three tables of 100,000 rows: with the default 4 MB its hash tables spill
        # into two batches each (EXPLAIN ANALYZE), and the planner's default costs keep it on one core
        # while this process only waits for it. Only for this transaction.
        with connection.cursor() as cursor:
            for setting in ("work_mem = '64MB'", "parallel_setup_cost = 0", "parallel_tuple_cost = 0.001"):
                cursor.execute(f"SET LOCAL {setting}")
    cycle = Cycle.objects.select_for_update().get(pk=cycle_id)
    # A frozen cycle's figures are those the OIV validates: the freeze recomputed them last
    # (workflow.transition_cycle), and nothing feeding them can change since.
    ensure_cycle_writable(cycle.pk)
    data = load(cycle, labels=False)
    clock.lap("read")
    results = compute(data)
    clock.lap("compute")
    values, changed = _changed_scores(data, results)
    with _scores_written(cycle, changed, len(results)):
        # Inside the block the server ingests the scores while Python computes the roll-ups.
        tree = rollup(data.plan, values, data.rules)
    clock.lap("write_scores_and_rollup")
    changed_assignments = [(pk, new) for pk, new, current in assignment_flags(data, results) if new != current]
    bulk.update_rows(Assignment, ["flags"], changed_assignments)
    clock.lap("write_assignments")
    rows = rollup_rows(cycle, tree)
    _write_rollups(cycle, rows)
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


def _changed_scores(data: CycleData, results: dict[int, IndicatorResult]
                    ) -> tuple[dict[int, float | None], list[tuple]]:
    """Effective realizations (overrides applied) and the (id, realization, status, flags) rows that differ
    from the stored ones. effective() and the flags (plus 'override') in one pass: this loop runs per indicator."""
    overrides, stored = data.overrides, data.stored
    values: dict[int, float | None] = {}
    changed = []
    for pk, result in results.items():
        value, flags = result.realization, result.flags
        if pk in overrides:
            value, flags = float(overrides[pk]), (*flags, OVERRIDE_FLAG)
        values[pk] = value
        row = (None if value is None else round(value, 2), result.status, ";".join(flags))
        if stored.get(pk) != row:
            changed.append((pk, *row))
    return values, changed


_NULL = "\\N"
_SCORE_FIELDS = ["indicator", "cycle", "realization", "status", "flags"]


@contextmanager
def _scores_written(cycle: Cycle, changed: list[tuple], total: int) -> Iterator[None]:
    """Replace the changed indicators' scores: delete then COPY, the cheapest write of narrow rows."""
    if not changed:
        yield
        return
    if len(changed) == total:
        IndicatorScore.objects.filter(cycle=cycle).delete()
    else:
        bulk.delete_rows(IndicatorScore, [row[0] for row in changed])
    cycle_pk = cycle.pk
    if not bulk.copy_supported():
        bulk.insert_rows(IndicatorScore, _SCORE_FIELDS, ((pk, cycle_pk, realization, status, flags)
                                                         for pk, realization, status, flags in changed))
        yield
        return
    with bulk.copy_writer(IndicatorScore, _SCORE_FIELDS) as write:
        # Text lines made here rather than by the driver's per-row writer (a third of the write phase):
        # status and flags are engine codes (ASCII identifiers and ";"), so nothing needs escaping.
        write(f"{pk}\t{cycle_pk}\t{_NULL if realization is None else repr(realization)}\t{status}\t{flags}\n"
              for pk, realization, status, flags in changed)
        yield


_ROLLUP_FIELDS = ["cycle", "level", "object_id", "realization", "counted"]


def _write_rollups(cycle: Cycle, rows: list[tuple]) -> None:
    RollupResult.objects.filter(cycle=cycle).delete()
    cycle_pk = cycle.pk
    if not bulk.copy_supported():
        bulk.insert_rows(RollupResult, _ROLLUP_FIELDS, [(cycle_pk, *row) for row in rows])
        return
    # Levels are fixed codes: nothing to escape (see _write_scores).
    bulk.copy_lines(RollupResult, _ROLLUP_FIELDS, (
        f"{cycle_pk}\t{level}\t{pk}\t{_NULL if realization is None else realization}\t{counted}\n"
        for level, pk, realization, counted in rows))


def _counted(aggregate) -> int:
    return sum(1 for _key, value, _weight in aggregate.members if value is not None)
