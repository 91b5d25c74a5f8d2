"""compute_indicator: every kind × direction × rule option, edge values and data-quality flags."""
from __future__ import annotations

import datetime
import json
from decimal import Decimal

import pytest

from performance.engine import IndicatorInput, RuleSet, compute_indicator, printed_flags

DEFAULT = RuleSet.default()


def calc(kind, direction, target, value, rules=DEFAULT, **kw):
    return compute_indicator(IndicatorInput.from_raw(kind, direction, target, value, **kw), rules)


@pytest.mark.parametrize(("kind", "direction", "target", "value", "realization", "raw"), [
    # higher is better: achieved / target × 100, capped at 100, never below 0
    ("number", "higher", "13", "14", 100, 14 / 13 * 100),
    ("number", "higher", "12", "11", 91.67, 11 / 12 * 100),
    ("number", "higher", "12", "0", 0, 0),
    ("number", "higher", "10", "-5", 0, -50),
    ("number", "higher", "800", "1.284", 100, 160.5),
    ("number", "higher", "1", "1,09", 100, 109),
    ("number", "higher", "0", "0", 100, 100),  # a target of 0 is met by reaching it
    ("number", "higher", "0", "-1", 0, 0),
    ("numero", "crescente", "12.000", "16.505", 100, 16505 / 12000 * 100),  # Italian codes accepted
    # lower is better: target / achieved × 100
    ("number", "lower", "3,00", "2,60", 100, 3 / 2.6 * 100),
    ("number", "lower", "30", "30", 100, 100),
    ("number", "lower", "30", "45", 66.67, 30 / 45 * 100),
    ("number", "lower", "30", "-25", 100, 100),  # paid 25 days before the due date: best
    ("number", "lower", "30", "-25 giorni", 100, 100),
    ("number", "lower", "30", "0", 100, 100),
    ("number", "lower", "0", "0", 100, 100),  # zero errors allowed, zero made
    ("number", "lower", "0", "2", 0, 0),
    ("percent", "lower", "10%", "0%", 100, 100),  # 0% refused ordinances against 10%
    ("percent", "lower", "50%", "34%", 100, 50 / 34 * 100),
    ("percent", "lower", "10%", "20%", 50, 50),
    # percent, higher
    ("percent", "higher", "85,60%", "87,41%", 100, 87.41 / 85.6 * 100),
    ("percent", "higher", "65,0%", "63,8%", 98.15, 63.8 / 65 * 100),
    ("percent", "higher", "100%", "600%", 100, 600),
    # thresholds: met 100, not met 0, whatever the stored direction
    ("number", "threshold", "<30", "5", 100, 100),
    ("number", "threshold", "<30", "30", 0, 0),
    ("number", "threshold", "≤ 5 giorni", "5", 100, 100),
    ("number", "threshold", "≤ 5 giorni", "6", 0, 0),
    ("number", "threshold", ">=10", "10", 100, 100),
    ("percent", "threshold", ">40%", "48,75%", 100, 100),
    ("percent", "threshold", ">40%", "40%", 0, 0),
    ("percent", "higher", ">40%", "38%", 0, 0),
    ("percent", "lower", ">40%", "48,75%", 100, 100),
    ("project", "higher", ">80%", "85%", 100, 100),
    # project progress
    ("project", "higher", "100%", "98,77%", 98.77, 98.77),
    ("project", "higher", "100%", "100%", 100, 100),
    ("progetto", "crescente", "80%", "40%", 50, 50),
    # SI/NO
    ("boolean", "higher", "SI", "SI", 100, 100),
    ("boolean", "higher", "SI", "NO", 0, 0),
    ("boolean", "higher", "NO", "NO", 100, 100),
    ("si_no", "crescente", "SI", "1", 100, 100),  # the workbook accepts 1/0 for SI/NO
    ("boolean", "higher", "1", "sì", 100, 100),
    # deadlines (default: late → 0)
    ("date", "lower", "31/03/2023", "30/03/2023", 100, 100),
    ("date", "lower", "30/03/2023", "30/03/2023", 100, 100),
    ("date", "higher", "30/06/2023", "02/03/2023", 100, 100),
    ("date", "lower", "01/09/2023", "31/12/2023", 0, 0),
    ("data", "decrescente", "30/04/2023", "08/05/2023", 0, 0),
])
def test_realization(kind, direction, target, value, realization, raw):
    result = calc(kind, direction, target, value)
    assert result.status == "scored"
    assert result.realization == pytest.approx(realization, abs=1e-9)
    assert result.raw_realization == pytest.approx(raw)
    assert 0 <= result.realization <= DEFAULT.cap


@pytest.mark.parametrize(("numerator", "denominator", "target", "realization", "achieved"), [
    ("45", "50", "80%", 100, 90.0),  # on the target's % scale
    ("40", "50", "100%", 80, 80.0),
    ("109", "100", "1", 100, 1.09),  # "anno x / anno x-1" against a plain ratio
    ("0", "50", "80%", 0, 0.0),
    (Decimal("3"), Decimal("4"), "75%", 100, 75.0),
])
def test_ratio_from_numerator_and_denominator(numerator, denominator, target, realization, achieved):
    result = calc("ratio", "higher", target, "", numerator=numerator, denominator=denominator)
    assert result.status == "scored"
    assert result.realization == realization
    assert result.achieved == pytest.approx(achieved)


def test_ratio_without_numerator_and_denominator_uses_the_value():
    assert calc("ratio", "higher", "80%", "90%").realization == 100
    assert calc("ratio", "lower", "10%", "20%").realization == 50
    assert calc("rapporto", "soglia", "<5%", "4%").realization == 100


@pytest.mark.parametrize(("numerator", "denominator", "value"), [("5", "0", ""), ("0", "0", ""), ("5", "0", "90%")])
def test_zero_denominator_is_not_computable_never_an_exception(numerator, denominator, value):
    result = calc("ratio", "higher", "80%", value, numerator=numerator, denominator=denominator)
    assert (result.status, result.realization, result.flags) == ("not_computable", None, ("zero_denominator",))


def test_ratio_with_only_a_numerator_is_missing():
    result = calc("ratio", "higher", "80%", "", numerator="5")
    assert result.status == "missing" and result.flags == ("missing_value",)


@pytest.mark.parametrize(("kind", "target", "value", "flag", "status"), [
    ("number", "300", "17/05/2023", "type_mismatch", "not_computable"),  # 1.5.02.02 in the demo
    ("percent", "100%", "31/12/2023", "type_mismatch", "not_computable"),
    ("number", "3", "SI", "type_mismatch", "not_computable"),
    ("date", "31/12/2023", "12", "type_mismatch", "not_computable"),
    ("date", "31/12/2023", "SI", "type_mismatch", "not_computable"),
    ("boolean", "SI", "5", "type_mismatch", "not_computable"),
    ("boolean", "SI", "31/12/2023", "type_mismatch", "not_computable"),
    ("number", "300", "00/01/1900", "invalid_value", "not_computable"),
    ("date", "31/12/2023", "00/01/1900", "invalid_value", "not_computable"),
    ("date", "31/12/2023", "31/02/2023", "invalid_value", "not_computable"),
    ("number", "3", "circa tre", "invalid_value", "not_computable"),
    ("number", "3", "", "missing_value", "missing"),
    ("date", "31/12/2023", None, "missing_value", "missing"),
    ("number", "", "3", "missing_target", "not_computable"),
    ("percent", "monitoraggio", "30%", "missing_target", "not_computable"),
    ("date", "SI", "31/12/2023", "missing_target", "not_computable"),
    ("date", "30", "31/12/2023", "missing_target", "not_computable"),
    ("boolean", "", "SI", "missing_target", "not_computable"),
    ("number", "30", "5", "missing_target", "not_computable"),  # threshold without an operator
])
def test_unusable_rows_are_flagged_and_never_scored(kind, target, value, flag, status):
    direction = "threshold" if (kind, target, value) == ("number", "30", "5") else "higher"
    result = calc(kind, direction, target, value)
    assert result.status == status
    assert result.realization is None and result.raw_realization is None
    assert flag in result.flags


def test_missing_value_and_target_are_both_reported():
    assert calc("number", "higher", "", "").flags == ("missing_value", "missing_target")
    assert calc("number", "higher", "", "2026-13-01").flags == ("invalid_value", "missing_target")


def test_has_value_false_wins_over_stale_fields():
    inp = IndicatorInput(kind="number", target_number=10, value_number=10, has_value=False)
    assert compute_indicator(inp, DEFAULT).status == "missing"


@pytest.mark.parametrize(("reason", "flags"), [("", ("nv_without_justification",)), ("   ", ("nv_without_justification",)),
                                               ("in attesa del regolamento tipo Unioncamere", ())])
def test_nv_is_excluded_and_needs_a_reason(reason, flags):
    result = calc("boolean", "higher", "SI", "NV", nv_reason=reason)
    assert (result.status, result.realization, result.flags) == ("nv", None, flags)


@pytest.mark.parametrize(("value", "flags"), [("0", ()), ("12", ()), ("00/01/1900", ("invalid_value",)),
                                              ("", ("missing_value",)), ("NV", ("nv_without_justification",)),
                                              ("monitoraggio", ())])
def test_monitoring_is_never_scored(value, flags):
    result = calc("monitoring", "higher", "monitoraggio", value)
    assert (result.status, result.realization, result.flags) == ("monitoring", None, flags)


@pytest.mark.parametrize(("late_days", "expected"), [(0, 100), (1, 98.33), (8, 86.67), (30, 50), (60, 0), (121, 0)])
def test_late_deadline_linear(late_days, expected):
    rules = RuleSet.from_dict({"late_deadline": {"rule": "linear", "days_to_zero": 60}})
    deadline = datetime.date(2023, 4, 30)
    inp = IndicatorInput(kind="date", direction="lower", target_date=deadline,
                         value_date=deadline + datetime.timedelta(days=late_days), value_raw="x")
    result = compute_indicator(inp, rules)
    assert result.realization == expected
    assert result.rule == ("deadline" if late_days == 0 else "deadline_late_linear")


def test_late_deadline_zero_ignores_days_to_zero():
    rules = RuleSet.from_dict({"late_deadline": {"rule": "zero", "days_to_zero": 60}})
    assert calc("date", "lower", "30/04/2023", "01/05/2023", rules).realization == 0


def test_cap_floor_bands_rounding():
    assert calc("number", "higher", "13", "14", RuleSet.from_dict({"cap": 120})).realization == 107.69
    assert calc("number", "higher", "10", "50", RuleSet.from_dict({"cap": 120})).realization == 120
    floor = RuleSet.from_dict({"floor": 50})
    assert calc("number", "higher", "100", "40", floor).realization == 0
    assert calc("number", "higher", "100", "50", floor).realization == 50
    assert calc("number", "higher", "100", "60", floor).realization == 60
    assert calc("number", "higher", "12", "11", RuleSet.from_dict({"rounding": 0})).realization == 92
    assert calc("number", "higher", "12", "11", RuleSet.from_dict({"rounding": None})).realization == 11 / 12 * 100
    assert calc("number", "higher", "1000", "987,65", RuleSet.from_dict({"rounding": 1})).realization == 98.8


@pytest.mark.parametrize(("value", "fixed", "interpolated"), [
    ("0", 0, 0), ("30", 0, 30), ("49,9", 0, 49.9), ("50", 50, 50), ("60", 50, 60), ("74,99", 50, 74.99),
    ("75", 75, 75), ("99", 75, 99), ("100", 100, 100), ("130", 100, 100),
])
def test_gzoom_bands(value, fixed, interpolated):
    bands = [[0, 0], [50, 50], [75, 75], [100, 100]]
    assert calc("number", "higher", "100", value, RuleSet.from_dict({"bands": bands})).realization == fixed
    rules = RuleSet.from_dict({"bands": bands, "band_mode": "interpolated"})
    assert calc("number", "higher", "100", value, rules).realization == interpolated


@pytest.mark.parametrize(("value", "fixed", "interpolated"), [("40", 0, 0), ("50", 0, 0), ("75", 0, 50), ("90", 100, 80),
                                                             ("100", 100, 100)])
def test_bands_below_the_first_threshold_give_zero(value, fixed, interpolated):
    bands = [[50, 0], [90, 100]]
    assert calc("number", "higher", "100", value, RuleSet.from_dict({"bands": bands})).realization == fixed
    bands = [[50, 0], [100, 100]]
    rules = RuleSet.from_dict({"bands": bands, "band_mode": "interpolated"})
    assert calc("number", "higher", "100", value, rules).realization == interpolated


def test_floor_then_bands_order():
    rules = RuleSet.from_dict({"floor": 60, "bands": [[0, 10], [50, 50], [100, 100]]})
    # 55 is below the floor → 0, then the band of 0 gives 10: the order is cap → floor → bands → rounding.
    assert calc("number", "higher", "100", "55", rules).realization == 10


@pytest.mark.parametrize(("target", "value", "over"), [("100%", "600%", True), ("100", "149", False),
                                                      ("100", "150", True), ("2", "4", True), ("4", "6", True)])
def test_over_cap(target, value, over):
    assert ("over_cap" in calc("number", "higher", target, value).flags) is over
    assert "over_cap" not in calc("number", "higher", target, value, RuleSet.from_dict({"over_cap_ratio": None})).flags


def test_over_cap_is_not_raised_by_best_lower_values_or_thresholds():
    assert calc("number", "lower", "30", "-25").flags == ()
    assert calc("number", "threshold", "<30", "1").flags == ()


@pytest.mark.parametrize(("target", "value", "reason", "flagged"), [
    ("12", "11", "", True), ("12", "11", "un articolo rinviato al 2024", False), ("12", "12", "", False),
    ("100000", "99999,999", "", False),  # rounds to 100: no shortfall
])
def test_shortfall_without_reason(target, value, reason, flagged):
    result = calc("number", "higher", target, value, shortfall_reason=reason)
    assert ("shortfall_without_reason" in result.flags) is flagged


def test_late_deadline_is_a_shortfall():
    assert calc("date", "lower", "01/09/2023", "31/12/2023").flags == ("shortfall_without_reason",)


@pytest.mark.parametrize(("value", "printed", "flags"), [
    ("11", "92%", ("shortfall_without_reason",)),  # 91.67 vs 92: within 0.5 points
    ("11", "100%", ("shortfall_without_reason", "printed_differs")),
    ("12", "100%", ()),
    ("12", "", ()),  # nothing printed: nothing to compare
    ("12", "NV", ("printed_differs",)),  # the source says not evaluable, we score
    ("NV", "NV", ("nv_without_justification",)),
    ("NV", "100%", ("nv_without_justification", "printed_differs")),
    ("", "100%", ("missing_value", "printed_differs")),
    ("17/05/2023", "100%", ("type_mismatch", "printed_differs")),
])
def test_printed_differs(value, printed, flags):
    assert calc("number", "higher", "12", value, printed=printed).flags == flags


def test_printed_on_a_monitoring_row_differs():
    assert calc("monitoring", "higher", "monitoraggio", "0", printed="100%").flags == ("printed_differs",)
    assert calc("monitoring", "higher", "monitoraggio", "0", printed="").flags == ()


def test_printed_tolerance_is_configurable():
    rules = RuleSet.from_dict({"printed_tolerance": 0})
    assert "printed_differs" in calc("number", "higher", "12", "11", rules, printed="92%").flags
    assert "printed_differs" not in calc("number", "higher", "12", "11", rules, printed="91,67%").flags


@pytest.mark.parametrize(("value", "printed", "flags"), [
    ("31/12/2023", "100%", ("shortfall_without_reason", "late_date", "printed_differs")),
    ("31/12/2023", "0%", ("shortfall_without_reason",)),
    ("31/12/2023", "", ("shortfall_without_reason",)),
    ("31/08/2023", "100%", ()),
])
def test_late_date(value, printed, flags):
    assert calc("date", "lower", "01/09/2023", value, printed=printed).flags == flags


def test_late_date_with_linear_rule_within_tolerance():
    rules = RuleSet.from_dict({"late_deadline": {"rule": "linear", "days_to_zero": 365}})
    result = calc("date", "lower", "30/04/2023", "01/05/2023", rules, printed="100%", shortfall_reason="ritardo")
    assert result.realization == 99.73
    assert result.flags == ("late_date",)


def test_printed_flags_per_scorecard_row():
    result = calc("date", "lower", "30/04/2023", "09/05/2023")
    assert printed_flags(result, 100) == ("late_date", "printed_differs")
    assert printed_flags(result, Decimal("0")) == ()
    assert printed_flags(result, None) == ()
    assert printed_flags(calc("number", "higher", "12", "12"), None, printed_nv=True) == ("printed_differs",)


def test_decimal_inputs_built_directly():
    inp = IndicatorInput(kind="percent", direction="higher", target_raw="85,60%", target_number=Decimal("85.6"),
                         value_raw="87,41%", value_number=Decimal("87.41"), printed_realization=Decimal("100"))
    result = compute_indicator(inp, DEFAULT)
    assert (result.realization, result.flags) == (100.0, ())
    assert isinstance(result.realization, float)


def test_unknown_kind_or_direction():
    with pytest.raises(ValueError):
        IndicatorInput.from_raw("text", "higher", "1", "1")
    with pytest.raises(ValueError):
        IndicatorInput.from_raw("number", "up", "1", "1")
    with pytest.raises(ValueError):
        compute_indicator(IndicatorInput(kind="text", value_number=1, target_number=1), DEFAULT)


def test_results_are_frozen_and_comparable():
    a, b = calc("number", "higher", "13", "14"), calc("number", "higher", "13", "14")
    assert a == b
    with pytest.raises(AttributeError):
        a.realization = 5  # type: ignore[misc]


@pytest.mark.parametrize(("kind", "direction", "target", "value", "kw", "arithmetic"), [
    ("number", "higher", "13", "14", {}, "14 ÷ 13 × 100 = 107,6923"),
    ("number", "lower", "3,00", "2,60", {}, "3 ÷ 2,6 × 100 = 115,3846"),
    ("number", "lower", "30", "-25", {}, "-25 ≤ 0 < 30 → 100"),
    ("number", "threshold", "<30", "5", {}, "5 < 30: rispettata → 100"),
    ("date", "lower", "01/09/2023", "31/12/2023", {}, "31/12/2023 > 01/09/2023: 121 giorni di ritardo → 0"),
    ("date", "lower", "31/03/2023", "30/03/2023", {}, "30/03/2023 ≤ 31/03/2023 → 100"),
    ("boolean", "higher", "SI", "NO", {}, "NO ≠ SI → 0"),
    ("ratio", "higher", "80%", "", {"numerator": "45", "denominator": "50"}, "45 ÷ 50 × 100 = 90; 90 ÷ 80 × 100 = 112,5"),
    ("number", "higher", "300", "17/05/2023", {}, ""),
])
def test_explain(kind, direction, target, value, kw, arithmetic):
    result = calc(kind, direction, target, value, **kw)
    explain = result.explain
    json.dumps(explain)  # plain data
    assert explain["arithmetic"] == arithmetic
    assert explain["result"]["realization"] == result.realization
    assert explain["result"]["flags"] == list(result.flags)
    assert explain["formula"] and explain["rule"] == result.rule
    assert explain["inputs"]["kind"] == IndicatorInput.from_raw(kind, direction, target, value, **kw).kind
    assert len(explain["messages"]) == len(result.flags)


def test_explain_lists_the_steps_that_changed_the_figure():
    rules = RuleSet.from_dict({"bands": [[0, 0], [50, 50], [75, 75], [100, 100]]})
    steps = calc("number", "higher", "13", "14", rules).explain["steps"]
    assert [s["step"] for s in steps] == ["cap"]
    steps = calc("number", "higher", "12", "11", rules).explain["steps"]
    assert [s["step"] for s in steps] == ["bands"] and steps[0]["to"] == 75
    steps = calc("number", "higher", "12", "11").explain["steps"]
    assert [s["step"] for s in steps] == ["rounding"]
    steps = calc("number", "higher", "100", "40", RuleSet.from_dict({"floor": 50})).explain["steps"]
    assert [s["step"] for s in steps] == ["floor"]
    assert "progetto" in calc("project", "higher", "100%", "98,77%").explain["formula"]


def test_fast_input_constructor_builds_the_same_input():
    from performance.engine import IndicatorInput, input_from_row

    full = IndicatorInput(kind="number", direction="lower", target_raw="30", target_number=30, value_raw="-25",
                          value_number=-25, nv_reason="", has_value=True, shortfall_reason="x")
    values = [getattr(full, name) for name in IndicatorInput._fields]
    assert input_from_row(values) == full
    assert input_from_row(values).shortfall_reason == "x"
