"""The pre-validation checks: a pure function over the snapshot's data and the data-quality findings."""
from __future__ import annotations

import copy

import pytest

from performance.models import Cycle, OperationalObjective
from performance.snapshot import current_snapshot
from performance.workflow import transition_cycle
from validation.checks import FAILED, OK, WARNING, checks_for, prevalidation_checks

from .conftest import user

PLAN = {
    "plan": {
        "strategic_objectives": [{"id": 1, "code": "1.1"}],
        "operational_objectives": [{"id": 10, "code": "1.1.01", "strategic_objective_id": 1}],
        "indicators": [{"id": 100, "code": "1.1.01.01", "operational_objective_id": 10, "source": "Registro"}],
        "scorecards": [{"id": 5, "code": "RI", "kind": "unit"}],
    },
    "report": {"sections": [
        {"layout": "seed", "key": "so-1-1", "kind": "strategic_objective", "ref": "1.1", "position": 1},
        {"layout": "seed", "key": "unita-ri", "kind": "unit_scorecard", "ref": "RI", "position": 2},
        {"layout": "seed", "key": "bilancio-di-genere", "kind": "gender", "ref": "", "position": 3},
    ]},
}


def outcomes(data=PLAN, findings=(), verifies=True) -> dict[str, tuple[str, str]]:
    return {c.code: (c.outcome, c.detail) for c in prevalidation_checks(data, findings, snapshot_verifies=verifies)}


def test_a_clean_small_plan_passes_every_check():
    assert {code: outcome for code, (outcome, _d) in outcomes().items()} == dict.fromkeys(outcomes(), OK)


def test_weights_not_adding_up_fail_and_name_the_level():
    result = outcomes(findings=[("weights_not_100", "I pesi di 1.1.01 sommano a 90 invece di 100.")])
    assert result["weights"][0] == FAILED and "1.1.01" in result["weights"][1]


def test_a_shortfall_or_nv_without_reason_fails():
    result = outcomes(findings=[("shortfall_without_reason", "Indicatore 1.1.01.01: scostamento senza motivazione"),
                                ("nv_without_justification", "Indicatore 1.1.01.02: NV senza motivazione")])
    assert result["reasons"][0] == FAILED and result["reasons"][1].startswith("2 casi")


def test_missing_gender_chapter_and_missing_sections_fail():
    data = copy.deepcopy(PLAN)
    data["report"]["sections"] = [s for s in data["report"]["sections"] if s["kind"] == "strategic_objective"]
    data["report"]["sections"].append({"layout": "seed", "key": "so-9", "kind": "strategic_objective", "ref": "9.9",
                                       "position": 9})
    result = outcomes(data)
    assert result["gender_chapter"][0] == FAILED
    assert result["plan_in_relazione"][0] == FAILED
    assert "RI" in result["plan_in_relazione"][1] and "9.9" in result["plan_in_relazione"][1]


def test_missing_source_is_a_warning_and_a_broken_snapshot_fails():
    data = copy.deepcopy(PLAN)
    data["plan"]["indicators"][0]["source"] = " "
    result = outcomes(data, verifies=False)
    assert result["sources"][0] == WARNING and "1.1.01.01" in result["sources"][1]
    assert result["snapshot"][0] == FAILED


def test_long_lists_are_cut_with_a_count():
    findings = [("zero_denominator", f"Indicatore {n}: denominatore zero") for n in range(10)]
    assert "e altri 7" in outcomes(findings=findings)["zero_denominators"][1]


@pytest.mark.django_db
def test_a_planted_weight_error_in_the_demo_is_found_on_the_snapshot(demo_cycle):
    oo = OperationalObjective.objects.filter(cycle=demo_cycle, weight__isnull=False).first()
    if oo is None:
        oo = OperationalObjective.objects.filter(cycle=demo_cycle).first()
        siblings = OperationalObjective.objects.filter(strategic_objective_id=oo.strategic_objective_id)
        siblings.update(weight=10)  # none of them had a weight: now they add up to 10 × n, not 100
    else:
        OperationalObjective.objects.filter(pk=oo.pk).update(weight=oo.weight + 7)
    transition_cycle(demo_cycle, Cycle.State.UNDER_VALIDATION, acting_user=user("struttura"), note="Pronta")
    checks = {c.code: c for c in checks_for(current_snapshot(demo_cycle))}
    assert checks["weights"].outcome == FAILED and oo.strategic_objective.code in checks["weights"].detail
    assert checks["snapshot"].outcome == OK
