"""Plan-wide checks: same name with different figures, weights, percentage scale, indicator flags."""
from __future__ import annotations

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
    check_plan,
    compute_indicator,
    inconsistent_across_scorecards,
    indicator_findings,
    normalise_name,
    percent_scale,
    weights_not_100,
)

RULES = RuleSet.default()
PAYMENT = "Giorni medi di pagamento delle fatture e dei documenti passivi"


def build(rows):
    """rows: (id, name, kind, direction, target, value) → plan with one OO, and results."""
    plan = PlanInput(operational=[OperationalRef(1, None, None, "C.1")],
                     indicators=[IndicatorRef(i, 1, None, f"X.{i}", name) for i, name, *_ in rows])
    results = {i: compute_indicator(IndicatorInput.from_raw(kind, direction, target, value), RULES)
               for i, _n, kind, direction, target, value in rows}
    return plan, results


def test_normalise_name():
    assert normalise_name("  Giorni  medi\tdi PAGAMENTO ") == "giorni medi di pagamento"


def test_same_name_different_figures_is_reported_once_per_group():
    plan, results = build([
        (1, PAYMENT, "number", "lower", "30", "-25"),
        (2, PAYMENT.upper().replace(" ", "  "), "number", "threshold", "<30", "5"),
        (3, PAYMENT, "number", "lower", "30", "-25"),
        (4, "Altro indicatore", "number", "higher", "1", "1"),
    ])
    findings = inconsistent_across_scorecards(plan, results)
    assert len(findings) == 1
    f = findings[0]
    assert (f.code, f.severity, f.subject_type, f.subject_id) == ("inconsistent_across_scorecards", "warning", "indicator", 1)
    assert [row["id"] for row in f.details["indicators"]] == [1, 2, 3]
    assert f.details["differs"] == {"target": True, "value": True}
    assert "X.1, X.2, X.3" in f.message


def test_same_name_same_figures_is_fine_after_normalisation():
    plan, results = build([
        (1, "Percentuale pratiche", "percent", "higher", "85,60%", "87,41%"),
        (2, "percentuale  pratiche", "percent", "higher", "85,6%", "87,410%"),
    ])
    assert inconsistent_across_scorecards(plan, results) == []


def test_operator_and_scale_make_targets_different():
    plan, results = build([
        (1, "Interventi economici", "percent", "higher", "40%", "48,75%"),
        (2, "Interventi economici", "percent", "threshold", ">40%", "48,75%"),
    ])
    [finding] = inconsistent_across_scorecards(plan, results)
    assert finding.details["differs"] == {"target": True, "value": False}
    plan, results = build([(1, "N", "number", "higher", "40", "41"), (2, "N", "number", "higher", "40%", "41")])
    assert len(inconsistent_across_scorecards(plan, results)) == 1


def test_dates_values_differ():
    plan, results = build([
        (1, "Consolidamento ROL", "date", "lower", "30/03/2023", "30/03/2023"),
        (2, "Consolidamento ROL", "date", "lower", "31/03/2023", "30/03/2023"),
        (3, "Evento", "date", "lower", "31/12/2023", "09/05/2023"),
        (4, "Evento", "date", "lower", "31/12/2023", "10/05/2023"),
    ])
    findings = inconsistent_across_scorecards(plan, results)
    assert [(f.subject_id, f.details["differs"]) for f in findings] == [
        (1, {"target": True, "value": False}), (3, {"target": False, "value": True})]


def weighted_plan(indicator_weights, oo_weights=(None, None), so_weights=(None,), assignment_weights=(None, None)):
    return PlanInput(
        perspectives=[PerspectiveRef(1, "1")],
        strategic=[StrategicRef(10 + n, 1, w, f"1.{n + 1}") for n, w in enumerate(so_weights)],
        operational=[OperationalRef(100, 10, oo_weights[0], "1.1.01"), OperationalRef(101, 10, oo_weights[1], "1.1.02"),
                     OperationalRef(900, None, 50, "C.1"), OperationalRef(901, None, 50, "C.2")],
        indicators=[IndicatorRef(n, 100, w, f"1.1.01.0{n}") for n, w in enumerate(indicator_weights, start=1)],
        scorecards=[ScorecardRef(1, "unit", "RI")],
        assignments=[AssignmentRef(1, n + 1, w) for n, w in enumerate(assignment_weights)],
    )


def codes(findings):
    return sorted((f.subject_type, f.subject_id) for f in findings)


def test_weights_adding_up_to_100_or_absent_are_fine():
    assert weights_not_100(weighted_plan([None, None])) == []
    assert weights_not_100(weighted_plan([60, 40], (50, 50), (100,), (30, 70))) == []
    assert weights_not_100(weighted_plan([33.333, 33.333, 33.334])) == []
    assert weights_not_100(weighted_plan([50, 50.005])) == []


def test_weights_not_100_at_every_level():
    findings = weights_not_100(weighted_plan([50, 40], (60, 60), (90,), (30, 30)))
    assert codes(findings) == [("operational_objective", 100), ("perspective", 1), ("scorecard", 1),
                               ("strategic_objective", 10)]
    assert all(f.severity == "error" and f.code == "weights_not_100" for f in findings)
    oo = next(f for f in findings if f.subject_type == "operational_objective")
    assert oo.message == "I pesi indicati per gli indicatori dell'obiettivo operativo 1.1.01 sommano a 90 invece di 100."
    assert oo.details["total"] == 90


def test_weights_partly_missing_are_reported():
    [finding] = weights_not_100(weighted_plan([100, None]))
    assert finding.details["missing"] == ["1.1.01.02"]
    assert "Elementi senza peso, che contano 0: 1." in finding.message


def test_common_objectives_weights():
    plan = PlanInput(operational=[OperationalRef(900, None, 50, "C.1"), OperationalRef(901, None, 40, "C.2")])
    [finding] = weights_not_100(plan)
    assert (finding.subject_type, finding.subject_id) == ("common_objectives", None)


def test_percent_scale():
    plan, results = build([
        (1, "a", "percent", "higher", "85%", "0,87"),
        (2, "b", "percent", "higher", "0,9", "95%"),
        (3, "c", "project", "higher", "100%", "1"),
        (4, "d", "percent", "lower", "10%", "0%"),  # 0 is on both scales
        (5, "e", "percent", "higher", "5,00%", "0,5%"),  # both written with %: taken at their word
        (6, "f", "percent", "higher", "85%", "87%"),
        (7, "g", "number", "higher", "85", "0,87"),  # numbers have no scale to check
        (8, "h", "percent", "higher", "0,85", "0,87"),
    ])
    findings = percent_scale(plan, results)
    assert [f.subject_id for f in findings] == [1, 2, 3]
    assert all(f.code == "percent_scale" and f.severity == "warning" for f in findings)


def test_percent_scale_for_ratios_uses_the_computed_value():
    plan = PlanInput(indicators=[IndicatorRef(1, 1, None, "R.1", "r")])
    result = compute_indicator(IndicatorInput.from_raw("ratio", "higher", "80", "", numerator="9", denominator="10"), RULES)
    assert [f.subject_id for f in percent_scale(plan, {1: result})] == [1]


def test_indicator_findings_surface_the_flags():
    plan, results = build([
        (1, "a", "number", "higher", "12", "11"),
        (2, "b", "number", "higher", "300", "17/05/2023"),
        (3, "c", "number", "higher", "1", "1"),
    ])
    ratio = IndicatorInput.from_raw("ratio", "higher", "80%", "", numerator="1", denominator="0")
    plan = PlanInput(indicators=[*plan.indicators, IndicatorRef(4, 1, None, "X.4", "d")])
    results[4] = compute_indicator(ratio, RULES)
    findings = indicator_findings(plan, results)
    assert [(f.subject_id, f.code, f.severity) for f in findings] == [
        (1, "shortfall_without_reason", "warning"), (2, "type_mismatch", "error"), (4, "zero_denominator", "error")]
    assert findings[0].message.startswith("Indicatore X.1: risultato inferiore")
    only = indicator_findings(plan, results, codes=["zero_denominator"])
    assert [f.subject_id for f in only] == [4]


def test_check_plan_combines_everything():
    plan, results = build([
        (1, PAYMENT, "number", "lower", "30", "-25"),
        (2, PAYMENT, "number", "threshold", "<30", "5"),
        (3, "p", "percent", "higher", "85%", "0,87"),
    ])
    plan = PlanInput(operational=plan.operational, indicators=[*plan.indicators[:2], IndicatorRef(3, 1, 50, "X.3", "p")])
    found = sorted(f.code for f in check_plan(plan, results))
    assert found == ["inconsistent_across_scorecards", "percent_scale", "shortfall_without_reason", "weights_not_100"]
    assert "shortfall_without_reason" not in {f.code for f in check_plan(plan, results, include_indicator_flags=False)}
