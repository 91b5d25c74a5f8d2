"""Properties that must hold for any rule set and any values (hypothesis)."""
from __future__ import annotations

import datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from performance.engine import IndicatorInput, RuleSet, aggregate, compute_indicator

# No example database: it would leave a .hypothesis folder in the repository.
PROPS = settings(max_examples=200, deadline=None, database=None)

finite = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False)
positive = st.floats(min_value=0.01, max_value=1e6, allow_nan=False, allow_infinity=False)
# Weights as stored (DecimalField with 3 decimals): 0 or at least 0.001, never a subnormal float.
weights = st.one_of(st.none(), st.just(0.0), st.floats(min_value=0.001, max_value=1000))


@st.composite
def rule_sets(draw) -> RuleSet:
    cap = draw(st.one_of(st.sampled_from([100, 120, 150]), st.floats(min_value=1, max_value=500)))
    floor = draw(st.one_of(st.none(), st.floats(min_value=0, max_value=cap * 0.99)))
    thresholds = sorted(draw(st.sets(st.floats(min_value=0, max_value=cap), max_size=5)))
    # Scores non-decreasing with the threshold: the only bands that make sense (more achieved, more score).
    scores = sorted(draw(st.lists(st.floats(min_value=0, max_value=cap), min_size=len(thresholds),
                                  max_size=len(thresholds))))
    late = draw(st.sampled_from([{"rule": "zero", "days_to_zero": 0},
                                 {"rule": "linear", "days_to_zero": draw(st.integers(1, 400))}]))
    return RuleSet.from_dict({
        "cap": cap, "floor": floor, "bands": [[t, s] for t, s in zip(thresholds, scores)],
        "band_mode": draw(st.sampled_from(["fixed", "interpolated"])),
        "rounding": draw(st.one_of(st.none(), st.integers(0, 4))), "late_deadline": late,
        "over_cap_ratio": draw(st.one_of(st.none(), st.floats(min_value=1, max_value=5))),
    })


def number_input(direction: str, target: float, value: float, operator: str = "", kind: str = "number"):
    return IndicatorInput(kind=kind, direction=direction, target_raw="t", target_number=target,
                          target_operator=operator, value_raw="v", value_number=value)


@PROPS
@given(rule_sets(), st.sampled_from(["number", "percent", "project", "ratio"]),
       st.sampled_from(["higher", "lower", "threshold"]), st.sampled_from(["", "<", "<=", ">", ">="]), finite, finite)
def test_result_is_within_zero_and_cap(rules, kind, direction, operator, target, value):
    result = compute_indicator(number_input(direction, target, value, operator, kind), rules)
    if result.realization is None:
        assert result.status != "scored"
    else:
        assert 0 <= result.realization <= rules.cap


@PROPS
@given(rule_sets(), positive, finite, finite)
def test_higher_is_better_is_non_decreasing(rules, target, a, b):
    low, high = sorted((a, b))
    r_low = compute_indicator(number_input("higher", target, low), rules).realization
    r_high = compute_indicator(number_input("higher", target, high), rules).realization
    assert r_low <= r_high


@PROPS
@given(rule_sets(), positive, finite, finite)
def test_lower_is_better_is_non_increasing(rules, target, a, b):
    low, high = sorted((a, b))
    r_low = compute_indicator(number_input("lower", target, low), rules).realization
    r_high = compute_indicator(number_input("lower", target, high), rules).realization
    assert r_low >= r_high


@PROPS
@given(rule_sets(), finite, finite, finite, st.sampled_from(["<", "<=", ">", ">="]))
def test_thresholds_are_monotone_in_the_right_direction(rules, target, a, b, operator):
    low, high = sorted((a, b))
    r_low = compute_indicator(number_input("threshold", target, low, operator), rules).realization
    r_high = compute_indicator(number_input("threshold", target, high, operator), rules).realization
    assert (r_low <= r_high) if operator.startswith(">") else (r_low >= r_high)


@PROPS
@given(rule_sets(), st.integers(-400, 400), st.integers(-400, 400))
def test_a_later_date_never_scores_more(rules, a, b):
    deadline = datetime.date(2023, 6, 30)

    def score(days: int) -> float:
        inp = IndicatorInput(kind="date", direction="lower", target_date=deadline, value_raw="v",
                             value_date=deadline + datetime.timedelta(days=days))
        return compute_indicator(inp, rules).realization

    early, late = sorted((a, b))
    assert score(early) >= score(late)


items_strategy = st.lists(st.tuples(st.one_of(st.none(), st.floats(min_value=0, max_value=150)), weights), max_size=12)


@PROPS
@given(items_strategy, st.integers(0, 12), weights, st.sampled_from(["weighted_mean", "all_met"]))
def test_an_excluded_item_never_changes_the_mean_of_the_others(items, position, weight, mode):
    position = min(position, len(items))
    with_excluded = items[:position] + [(None, weight)] + items[position:]
    assert aggregate(with_excluded, mode).value == aggregate(items, mode).value


@PROPS
@given(items_strategy, st.floats(min_value=0.001, max_value=1000), st.sampled_from(["weighted_mean", "all_met"]))
def test_scaling_all_weights_changes_nothing(items, factor, mode):
    scaled = [(r, None if w is None else w * factor) for r, w in items]
    before, after = aggregate(items, mode).value, aggregate(scaled, mode).value
    if before is None or after is None:
        # Only a weight that underflows to 0 could turn a value into None; the bounds above prevent it.
        assert before is None and after is None
    else:
        assert abs(before - after) <= 1e-9 * max(1.0, abs(before))


@PROPS
@given(items_strategy)
def test_the_mean_lies_between_the_counted_items(items):
    value = aggregate(items).value
    if value is not None:
        given_weights = any(w is not None for r, w in items if r is not None)
        counted = [r for r, w in items if r is not None and (not given_weights or (w or 0) > 0)]
        assert min(counted) - 1e-9 <= value <= max(counted) + 1e-9
