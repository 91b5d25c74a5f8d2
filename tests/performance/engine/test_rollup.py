"""aggregate and rollup: weights, exclusions, all_met, the plan's levels and scorecards."""
from __future__ import annotations

import json

import pytest

from performance.engine import (
    AssignmentRef,
    IndicatorInput,
    IndicatorRef,
    OperationalRef,
    PerspectiveRef,
    PlanInput,
    RuleSet,
    ScorecardRef,
    StrategicRef,
    aggregate,
    compute_indicator,
    rollup,
)

RULES = RuleSet.default()


@pytest.mark.parametrize(("items", "value"), [
    ([(100, None), (50, None)], 75),  # no weights: equal
    ([(100, 30), (50, 70)], 65),
    ([(100, 3), (50, 7)], 65),  # weights need not add up to 100 to be used
    ([(100, None), (50, None), (None, None)], 75),  # NV excluded
    ([(100, 40), (50, 40), (None, 20)], 75),  # its weight redistributed proportionally
    ([(100, 60), (50, None)], 100),  # some weights given: a missing one weighs 0
    ([(100, None), (50, None), (None, 50)], 75),  # ...but only among the counted items
    ([(80, 0), (50, 10)], 50),
    ([(None, 10), (None, None)], None),  # nothing counted
    ([], None),
    ([(80, 0), (50, 0)], None),  # counted weights add up to 0
    ([(0, None), (0, None)], 0),
])
def test_weighted_mean(items, value):
    result = aggregate(items)
    assert result.value == (None if value is None else pytest.approx(value))


@pytest.mark.parametrize(("items", "value"), [
    ([(100, None), (120, None)], 100), ([(100, None), (99.99, None)], 0), ([(100, None), (None, None)], 100),
    ([(100, 50), (20, 0)], 100),  # a zero-weighted item does not count
    ([(None, None)], None),
])
def test_all_met(items, value):
    assert aggregate(items, "all_met").value == value


def test_aggregate_rounds_with_the_rules_and_keeps_the_unrounded_value():
    result = aggregate([(100, None), (100, None), (91.67, None)], rules=RULES)
    assert result.value == 97.22 and result.unrounded == pytest.approx(97.2233333)


def test_aggregate_errors():
    with pytest.raises(ValueError):
        aggregate([(100, -1)])
    with pytest.raises(ValueError):
        aggregate([(100, None)], "median")
    with pytest.raises(ValueError):
        aggregate([(100, None)], ids=["a", "b"])


def test_aggregate_explain():
    explain = aggregate([(100, 30), (50, 70), (None, 10)], rules=RULES, ids=["a", "b", "c"]).explain
    json.dumps(explain)
    assert explain["weighting"] == "given" and explain["excluded"] == 1
    assert [row["id"] for row in explain["items"]] == ["a", "b", "c"]
    assert [round(row["share"]) for row in explain["items"]] == [30, 70, 0]
    assert explain["arithmetic"] == "(100 × 30 + 50 × 70) ÷ 100 = 65"
    equal = aggregate([(100, None), (50, None), (None, None)]).explain
    assert equal["arithmetic"] == "(100 + 50) ÷ 2 = 75" and "media semplice" in equal["formula"]
    assert aggregate([(None, None)]).explain["value"] is None
    assert aggregate([(100, None), (80, None)], "all_met").explain["arithmetic"] == "100, 80 → 0"


def _result(value: str, target: str = "100", kind: str = "number", **kw):
    return compute_indicator(IndicatorInput.from_raw(kind, "higher", target, value, **kw), RULES)


def small_plan(**weights) -> tuple[PlanInput, dict]:
    """Two perspectives; SO 10 (OO 100, 101), SO 11 (OO 110); SO 20 (OO 200); common OO 900."""
    plan = PlanInput(
        perspectives=[PerspectiveRef(1, "1"), PerspectiveRef(2, "2")],
        strategic=[StrategicRef(10, 1, weights.get("so10"), "1.1"), StrategicRef(11, 1, weights.get("so11"), "1.2"),
                   StrategicRef(20, 2, None, "2.1")],
        operational=[OperationalRef(100, 10, weights.get("oo100"), "1.1.01"),
                     OperationalRef(101, 10, weights.get("oo101"), "1.1.02"),
                     OperationalRef(110, 11, None, "1.2.01"), OperationalRef(200, 20, None, "2.1.01"),
                     OperationalRef(900, None, None, "C.1")],
        indicators=[IndicatorRef(1, 100, weights.get("i1"), "1.1.01.01"), IndicatorRef(2, 100, weights.get("i2"), "1.1.01.02"),
                    IndicatorRef(3, 100, weights.get("i3"), "1.1.01.03"), IndicatorRef(4, 101, None, "1.1.02.01"),
                    IndicatorRef(5, 110, None, "1.2.01.01"), IndicatorRef(6, 200, None, "2.1.01.01"),
                    IndicatorRef(7, 900, None, "C.1.01"), IndicatorRef(8, 200, None, "2.1.01.02")],
        scorecards=[ScorecardRef(1, "strategic", "ENTE"), ScorecardRef(2, "unit", "RI"), ScorecardRef(3, "unit", "VUOTA")],
        assignments=[AssignmentRef(1, i) for i in range(1, 9)] + [AssignmentRef(2, 1, 75), AssignmentRef(2, 6, 25)],
    )
    results = {
        1: _result("100"), 2: _result("50"), 3: _result("NV"), 4: _result("80"), 5: _result("60"),
        6: _result("40"), 7: _result("100"), 8: _result("0", kind="monitoring", target="monitoraggio"),
    }
    return plan, results


def test_rollup_levels():
    plan, results = small_plan()
    out = rollup(plan, results, RULES)
    assert out.operational[100].value == 75  # (100 + 50) / 2, the NV excluded
    assert out.operational[101].value == 80
    assert out.operational[110].value == 60
    assert out.operational[200].value == 40  # the monitoring indicator excluded
    assert out.operational[900].value == 100
    assert out.strategic[10].value == 77.5
    assert out.strategic[11].value == 60
    assert out.strategic[20].value == 40
    assert out.perspectives[1].value == 68.75
    assert out.perspectives[2].value == 40
    assert out.entity.value == 54.38  # (68.75 + 40) / 2 = 54.375, half up; the common objective is not in it
    assert out.entity.ids == (1, 2)
    # Scorecards: flat over their rows, with the assignment weights.
    assert out.scorecards[1].value == pytest.approx(round((100 + 50 + 80 + 60 + 40 + 100) / 6, 2))
    assert out.scorecards[2].value == 85  # 100 × 75% + 40 × 25%
    assert out.scorecards[3].value is None
    json.dumps(out.strategic[10].explain)
    assert [row["id"] for row in out.strategic[10].explain["items"]] == [100, 101]


def test_rollup_weights():
    plan, results = small_plan(i1=20, i2=80, i3=0, oo100=1, oo101=3, so10=90, so11=10)
    out = rollup(plan, results, RULES)
    assert out.operational[100].value == 60  # 100 × 0.2 + 50 × 0.8
    assert out.strategic[10].value == 75  # (60 × 1 + 80 × 3) / 4
    assert out.perspectives[1].value == 73.5  # 75 × 0.9 + 60 × 0.1


def test_rollup_all_met_applies_to_operational_objectives():
    plan, results = small_plan()
    results[2] = _result("100")
    out = rollup(plan, results, RuleSet.from_dict({"objective_aggregation": "all_met"}))
    assert out.operational[100].value == 100
    assert out.operational[101].value == 0
    assert out.strategic[10].value == 50  # objectives above the operational level stay weighted means


def test_rollup_accepts_stored_realizations_and_missing_ids():
    plan, results = small_plan()
    stored = {i: r.realization for i, r in results.items()}
    del stored[4]  # no result: not scored
    out = rollup(plan, stored, RULES)
    assert out.operational[100].value == 75
    assert out.operational[101].value is None
    assert out.strategic[10].value == 75


def test_rollup_of_an_empty_plan():
    out = rollup(PlanInput(), {}, RULES)
    assert (out.operational, out.strategic, out.perspectives, out.scorecards) == ({}, {}, {}, {})
    assert out.entity.value is None
