"""The OIV's review through its services: comments, decisions, refusal and the next round, who may act."""
from __future__ import annotations

import hashlib
import subprocess

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from performance.models import Cycle, CycleTransition, Indicator
from performance.snapshot import current_snapshot
from performance.workflow import transition_cycle
from validation import services
from validation.models import ReviewComment, ValidationDecision

from .conftest import user

pytestmark = pytest.mark.django_db
S = Cycle.State
NOT_OIV = ["resp.ri", "dirigente", "segretario", "struttura", "admin"]


def _decide(cycle, outcome="validated", reasons="", username="oiv", snapshot=None):
    snapshot = snapshot or current_snapshot(cycle)
    return services.decide(cycle, acting_user=user(username), outcome=outcome, reasons=reasons,
                           members="Anna Valsecchi", expected_snapshot_id=snapshot.pk)


def test_oiv_comments_on_an_indicator_and_a_section_of_the_snapshot(under_review):
    indicator = Indicator.objects.get(cycle=under_review, code="1.5.03.04")
    on_indicator = services.add_comment(under_review, acting_user=user("oiv"), text="Fonte da precisare",
                                        target="indicator", indicator=indicator, is_request=True)
    on_section = services.add_comment(under_review, acting_user=user("oiv"), text="Più dettagli",
                                      target="section", section_key="bilancio-di-genere")
    snapshot = current_snapshot(under_review)
    assert on_indicator.snapshot == snapshot and on_indicator.is_request and on_indicator.indicator == indicator
    assert on_section.section_key == "bilancio-di-genere" and not on_section.is_request


@pytest.mark.parametrize("username", NOT_OIV)
def test_only_the_oiv_comments(under_review, username):
    with pytest.raises(PermissionDenied):
        services.add_comment(under_review, acting_user=user(username), text="x", target="general")
    assert not ReviewComment.objects.exists()


@pytest.mark.parametrize(("target", "field"), [("indicator", "indicator"), ("section", "section_key"),
                                               ("boh", "target")])
def test_a_comment_must_name_what_it_is_about(under_review, target, field):
    with pytest.raises(ValidationError) as failure:
        services.add_comment(under_review, acting_user=user("oiv"), text="x", target=target, section_key="nessuna")
    assert field in failure.value.message_dict


def test_no_comment_outside_the_review(demo_cycle):
    with pytest.raises(services.DecisionConflict, match="non è in validazione"):
        services.add_comment(demo_cycle, acting_user=user("oiv"), text="x", target="general")


@pytest.mark.parametrize("username", NOT_OIV)
def test_only_the_oiv_decides(under_review, username):
    with pytest.raises(PermissionDenied):
        _decide(under_review, username=username)
    assert Cycle.objects.get(pk=under_review.pk).state == S.UNDER_VALIDATION
    assert not ValidationDecision.objects.exists()


@pytest.mark.parametrize("outcome", ["validated_with_remarks", "refused"])
def test_remarks_and_refusal_need_reasons(under_review, outcome):
    with pytest.raises(ValidationError) as failure:
        _decide(under_review, outcome=outcome, reasons="  ")
    assert "Motivazione" in failure.value.message_dict["reasons"][0]
    assert Cycle.objects.get(pk=under_review.pk).state == S.UNDER_VALIDATION
    assert not ValidationDecision.objects.exists()


def test_validation_stores_the_decision_and_its_document(under_review):
    decision = _decide(under_review, outcome="validated_with_remarks", reasons="Migliorare le fonti")
    assert Cycle.objects.get(pk=under_review.pk).state == S.VALIDATED
    assert decision.snapshot == current_snapshot(under_review) and decision.is_positive
    assert {c["code"] for c in decision.checks} >= {"snapshot", "weights", "reasons", "gender_chapter"}
    pdf = decision.document.read()
    assert pdf.startswith(b"%PDF") and hashlib.sha256(pdf).hexdigest() == decision.document_sha256
    text = subprocess.run(["pdftotext", "-layout", decision.document.path, "-"], capture_output=True, text=True,
                          check=True).stdout
    for expected in ("Camera di commercio", "2023", "VALIDA CON OSSERVAZIONI", "Migliorare le fonti",
                     "Verifiche svolte", "I pesi sommano a 100", "Anna Valsecchi",
                     current_snapshot(under_review).sha256):
        assert expected in " ".join(text.split()) or expected in text, expected


def test_a_decision_cannot_be_changed(under_review):
    decision = _decide(under_review)
    decision.reasons = "altro"
    with pytest.raises(ValidationError):
        decision.save()


def test_refusal_sends_back_the_requests_and_the_next_round_reviews_snapshot_2(under_review):
    services.add_comment(under_review, acting_user=user("oiv"), text="Manca la motivazione dello scostamento",
                         target="general", is_request=True)
    services.add_comment(under_review, acting_user=user("oiv"), text="Solo un'osservazione", target="general")
    first = _decide(under_review, outcome="refused", reasons="Dati non attendibili")
    assert Cycle.objects.get(pk=under_review.pk).state == S.REPORTING and not first.is_positive
    note = CycleTransition.objects.filter(cycle=under_review, to_state=S.REPORTING).latest("at").note
    assert "Dati non attendibili" in note and "Manca la motivazione" in note and "Solo un" not in note

    requests = services.open_requests(Cycle.objects.get(pk=under_review.pk))
    assert [r.text for r in requests] == ["Manca la motivazione dello scostamento"]
    for username in ("resp.ri", "dirigente", "oiv"):
        with pytest.raises(PermissionDenied):
            services.respond_to_request(requests[0], acting_user=user(username), response="fatto")
    answered = services.respond_to_request(requests[0], acting_user=user("struttura"), response="Aggiunta")
    assert answered.response == "Aggiunta" and answered.responded_by.username == "struttura"

    cycle = Cycle.objects.get(pk=under_review.pk)
    transition_cycle(cycle, S.UNDER_VALIDATION, acting_user=user("struttura"), note="Corretta")
    second_snapshot = current_snapshot(cycle)
    assert second_snapshot.number == 2
    assert services.open_requests(cycle) == []
    with pytest.raises(services.DecisionConflict):  # the answers belong to the closed round
        services.respond_to_request(requests[0], acting_user=user("struttura"), response="ancora")
    with pytest.raises(services.DecisionConflict, match="nuova istantanea"):
        _decide(cycle, snapshot=first.snapshot)  # a form shown for snapshot 1
    second = _decide(cycle)
    assert second.snapshot == second_snapshot and second.snapshot.number == 2
    assert Cycle.objects.get(pk=cycle.pk).state == S.VALIDATED


def test_no_decision_once_validated(under_review):
    _decide(under_review)
    with pytest.raises(services.DecisionConflict):
        _decide(Cycle.objects.get(pk=under_review.pk))


def test_the_oiv_may_ask_for_a_draft_of_the_snapshot_under_review_only(under_review):
    from reports.services import may_request

    assert may_request(user("oiv"), under_review, "draft")
    assert not may_request(user("oiv"), under_review, "pdfa")
    under_review.state = S.REPORTING  # as read by a page while the cycle is being edited
    assert not may_request(user("oiv"), under_review, "draft")
