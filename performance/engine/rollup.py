"""Roll-ups: indicator → operational objective → strategic objective → perspective → entity, and per
scorecard. Plain data in, `Aggregate`s out; one pass per level, so O(n) in the size of the plan.

Weights (decided here, documented in RuleSet.describe):
- an item whose realization is None (NV, monitoring, not computable) is excluded and its weight is
  redistributed proportionally over the others: it never counts as 0 or 100;
- if no counted item has a weight, weights are equal (the workbook's "peso vuoto = pesi uguali");
- if some counted items have a weight, an item without one weighs 0: the planner distributed the
  weight explicitly and the check weights_not_100 reports the incomplete level;
- counted items whose weights add up to 0 give no value (None), as does a level with nothing counted.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, NamedTuple

from django.utils.translation import gettext as _

from performance.parsing import format_number

from .indicator import IndicatorResult
from .rules import RuleSet

Weight = float | int | Decimal | None
AGGREGATION_MODES = ("weighted_mean", "all_met")


class PerspectiveRef(NamedTuple):
    id: int
    code: str = ""


class StrategicRef(NamedTuple):
    id: int
    perspective_id: int
    weight: Weight = None
    code: str = ""


class OperationalRef(NamedTuple):
    id: int
    strategic_id: int | None  # None for the common system objectives ("obiettivi comuni")
    weight: Weight = None
    code: str = ""


class IndicatorRef(NamedTuple):
    id: int
    operational_id: int
    weight: Weight = None
    code: str = ""
    name: str = ""  # used by checks (same name, different figures)


class ScorecardRef(NamedTuple):
    id: int
    kind: str = ""
    code: str = ""


class AssignmentRef(NamedTuple):
    scorecard_id: int
    indicator_id: int
    weight: Weight = None


@dataclass(slots=True)
class PlanInput:
    """The plan's structure as plain records. Not frozen, so a loader can fill it in steps; the engine
    only reads it."""

    perspectives: Sequence[PerspectiveRef] = ()
    strategic: Sequence[StrategicRef] = ()
    operational: Sequence[OperationalRef] = ()
    indicators: Sequence[IndicatorRef] = ()
    scorecards: Sequence[ScorecardRef] = ()
    assignments: Sequence[AssignmentRef] = ()


@dataclass(frozen=True, slots=True)
class Aggregate:
    """value: the aggregated realization or None; members: (id, realization, weight) it was computed from."""

    value: float | None
    mode: str = "weighted_mean"
    members: tuple[tuple[Hashable, float | None, Weight], ...] = ()
    weighting: str = "equal"  # "equal" or "given"
    unrounded: float | None = field(default=None, compare=False)

    @property
    def items(self) -> tuple[tuple[float | None, Weight], ...]:
        return tuple((r, w) for _id, r, w in self.members)

    @property
    def ids(self) -> tuple[Hashable, ...]:
        return tuple(m[0] for m in self.members)

    @property
    def explain(self) -> dict[str, Any]:
        return _explain(self)


def aggregate(items: Sequence[tuple[float | None, Weight]], mode: str = "weighted_mean", *,
              rules: RuleSet | None = None, ids: Sequence[Hashable] = ()) -> Aggregate:
    """Weighted mean (or all_met) of (realization, weight) pairs; see the module docstring for weights.

    all_met: 100 if every counted item with a positive weight is ≥ 100, else 0. It is all-or-nothing on
    purpose: "else the weighted mean" would equal weighted_mean whenever the cap is 100.
    With `rules`, the value is rounded as the rules say (the unrounded one is kept in `unrounded`).
    `ids` (same order as items) only label the items in the explanation.
    """
    if mode not in AGGREGATION_MODES:
        raise ValueError(f"unknown aggregation mode: {mode!r}")
    items = tuple(items)
    ids = tuple(ids) or tuple(range(len(items)))
    if len(ids) != len(items):
        raise ValueError("ids and items must have the same length")
    members = tuple((i, None if r is None else float(r), w) for i, (r, w) in zip(ids, items))
    return _aggregate(members, mode, rules)


def _aggregate(members: tuple[tuple[Hashable, float | None, Weight], ...], mode: str,
               rules: RuleSet | None) -> Aggregate:
    # One pass, no intermediate lists: this runs once per objective and scorecard of a 100k plan.
    given = False
    for _id, r, w in members:
        if r is not None and w is not None:
            given = True
            break
    weighting = "given" if given else "equal"
    total = weighted = 0.0
    all_met = True
    for _id, r, w in members:
        if r is None:
            continue
        if given:
            if w is None:
                continue
            w = float(w)
            if w <= 0.0:
                if w < 0.0:
                    raise ValueError("weights must not be negative")
                continue
        else:
            w = 1.0
        total += w
        weighted += r * w
        if r < 100.0:
            all_met = False
    if total <= 0.0:
        return Aggregate(None, mode, members, weighting)
    value = weighted / total if mode == "weighted_mean" else (100.0 if all_met else 0.0)
    return Aggregate(value if rules is None else rules.round(value), mode, members, weighting, value)


@dataclass(frozen=True, slots=True)
class RollupResult:
    operational: dict[int, Aggregate]
    strategic: dict[int, Aggregate]
    perspectives: dict[int, Aggregate]
    entity: Aggregate
    scorecards: dict[int, Aggregate]


def rollup(plan: PlanInput, results: Mapping[int, IndicatorResult | float | None], rules: RuleSet) -> RollupResult:
    """Realization of every objective, perspective, the entity and every scorecard.

    `results` maps indicator id to its IndicatorResult, or to a stored realization (float or None) so
    roll-ups can be recomputed without the inputs; a missing id counts as not scored.
    Rounded values feed the level above, so each printed figure can be recomputed from the figures
    printed below it. Operational objectives use rules.objective_aggregation; every other level is a
    weighted mean. A scorecard is the weighted mean of its rows (assignment weights), not of its
    objectives: a scorecard is evaluated on the rows it lists, whatever objective they belong to.
    Common objectives (no strategic objective) have their own value but do not enter the entity's.
    """
    realizations: dict[int, float | None] = {}
    get = results.get
    result_type = IndicatorResult
    by_oo: dict[int, list] = defaultdict(list)
    for ind in plan.indicators:
        iid = ind.id
        r = get(iid)
        if r is not None:
            r = r.realization if type(r) is result_type else float(r)
        realizations[iid] = r
        by_oo[ind.operational_id].append((iid, r, ind.weight))

    mode = rules.objective_aggregation
    operational: dict[int, Aggregate] = {}
    by_so: dict[int, list] = defaultdict(list)
    for oo in plan.operational:
        operational[oo.id] = agg = _aggregate(tuple(by_oo.get(oo.id, ())), mode, rules)
        if oo.strategic_id is not None:
            by_so[oo.strategic_id].append((oo.id, agg.value, oo.weight))

    strategic: dict[int, Aggregate] = {}
    by_persp: dict[int, list] = defaultdict(list)
    for so in plan.strategic:
        strategic[so.id] = agg = _aggregate(tuple(by_so.get(so.id, ())), "weighted_mean", rules)
        by_persp[so.perspective_id].append((so.id, agg.value, so.weight))

    perspectives = {p.id: _aggregate(tuple(by_persp.get(p.id, ())), "weighted_mean", rules)
                    for p in plan.perspectives}
    entity = _aggregate(tuple((pid, a.value, None) for pid, a in perspectives.items()), "weighted_mean", rules)

    rows: dict[int, list] = defaultdict(list)
    for a in plan.assignments:
        iid = a.indicator_id
        if iid in realizations:
            r = realizations[iid]
        else:
            r = get(iid)
            if r is not None:
                r = r.realization if type(r) is result_type else float(r)
        rows[a.scorecard_id].append((iid, r, a.weight))
    scorecards = {sc.id: _aggregate(tuple(rows.get(sc.id, ())), "weighted_mean", rules) for sc in plan.scorecards}
    return RollupResult(operational, strategic, perspectives, entity, scorecards)


def _num(x: Any) -> str:
    return "" if x is None else format_number(round(float(x), 4))


def _explain(agg: Aggregate) -> dict[str, Any]:
    items = agg.items
    counted = [(i, r, w) for i, (r, w) in enumerate(items) if r is not None]
    given = agg.weighting == "given"
    weights = {i: ((0.0 if w is None else float(w)) if given else 1.0) for i, _r, w in counted}
    total = sum(weights.values())
    rows = []
    for i, (ident, r, w) in enumerate(agg.members):
        weight = weights.get(i)
        rows.append({
            "id": ident,
            "realization": r,
            "weight": None if w is None else float(w),
            "counted": r is not None,
            "share": (weight / total * 100.0) if weight is not None and total > 0 else 0.0,
        })
    if agg.mode == "all_met":
        formula = _("100 se tutti gli elementi valutati raggiungono il 100%, altrimenti 0")
    elif given:
        formula = _("media ponderata con i pesi indicati (un peso mancante vale 0); gli elementi non "
                    "valutati sono esclusi e il loro peso è ridistribuito")
    else:
        formula = _("media semplice (pesi uguali); gli elementi non valutati sono esclusi")
    terms = [(r, weights[i]) for i, r, _w in counted if weights[i] > 0]
    if agg.value is None:
        arithmetic = _("nessun elemento valutato con peso positivo: nessun valore")
    elif agg.mode == "all_met":
        arithmetic = ", ".join(_num(r) for r, _w in terms) + f" → {_num(agg.value)}"
    elif given:
        arithmetic = (f"({' + '.join(f'{_num(r)} × {_num(w)}' for r, w in terms)}) ÷ {_num(total)}"
                      f" = {_num(agg.unrounded)}")
    else:
        arithmetic = f"({' + '.join(_num(r) for r, _w in terms)}) ÷ {len(terms)} = {_num(agg.unrounded)}"
    return {
        "mode": agg.mode,
        "weighting": agg.weighting,
        "formula": formula,
        "items": rows,
        "excluded": sum(1 for r, _w in items if r is None),
        "arithmetic": arithmetic,
        "value": agg.value,
        "unrounded": agg.unrounded,
    }
