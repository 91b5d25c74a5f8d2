"""The OIV workspace and the documento di validazione as people use them in the browser."""
from __future__ import annotations

import hashlib

import pytest

from performance.models import Cycle
from performance.snapshot import current_snapshot
from performance.workflow import transition_cycle
from validation.models import ReviewComment, ValidationDecision

from .conftest import user

pytestmark = pytest.mark.django_db
S = Cycle.State


def _url(cycle, rest=""):
    return f"/cicli/{cycle.pk}/validazione/{rest}"


def _decision_form(cycle, **extra):
    return {"outcome": "validated", "reasons": "", "members": "Anna Valsecchi", "confirm": "1",
            "snapshot": current_snapshot(cycle).pk, **extra}


def test_oiv_workspace_shows_the_snapshot_checks_figures_and_forms(under_review, as_user):
    page = as_user("oiv").get(_url(under_review)).content.decode()
    snapshot = current_snapshot(under_review)
    assert snapshot.sha256 in page and "verificata" in page
    assert "I pesi sommano a 100 a ogni livello" in page and "Ogni scostamento e ogni NV" in page
    assert f"/cicli/{under_review.pk}/indicatori/1.5.03.04/" in page and "/explain/" in page
    assert 'name="is_request"' in page and 'name="outcome"' in page and "Anna Valsecchi" in page
    assert "Componi una bozza dall" in page


def test_staff_read_the_workspace_without_the_oivs_forms(under_review, as_user):
    page = as_user("struttura").get(_url(under_review)).content.decode()
    assert current_snapshot(under_review).sha256 in page
    assert 'name="outcome"' not in page and 'name="is_request"' not in page


@pytest.mark.parametrize("username", ["resp.ri", "dirigente"])
def test_service_heads_and_dirigenti_do_not_open_the_workspace(under_review, as_user, username):
    assert as_user(username).get(_url(under_review)).status_code == 403


def test_oiv_adds_a_request_for_correction_on_the_page(under_review, as_user):
    client = as_user("oiv")
    response = client.post(_url(under_review, "osservazioni/"), {"target": "general", "text": "Rivedere il cap. 2",
                                                                 "is_request": "1"})
    assert response.status_code == 302
    assert ReviewComment.objects.get(cycle=under_review).is_request
    assert "Rivedere il cap. 2" in client.get(_url(under_review)).content.decode()


def test_a_comment_without_text_is_refused_on_its_field(under_review, as_user):
    response = as_user("oiv").post(_url(under_review, "osservazioni/"), {"target": "general", "text": " "})
    assert response.status_code == 422
    assert 'id="text-err"' in response.content.decode() and "campo obbligatorio" in response.content.decode()


def test_a_refusal_without_reasons_is_refused_with_the_message_on_the_field(under_review, as_user):
    response = as_user("oiv").post(_url(under_review, "decisione/"), _decision_form(under_review, outcome="refused"))
    page = response.content.decode()
    assert response.status_code == 422 and 'id="reasons-err"' in page and "Motivazione: obbligatoria" in page
    assert Cycle.objects.get(pk=under_review.pk).state == S.UNDER_VALIDATION


def test_a_decision_needs_the_confirmation(under_review, as_user):
    response = as_user("oiv").post(_url(under_review, "decisione/"), _decision_form(under_review, confirm=""))
    assert response.status_code == 422 and "spuntare la casella" in response.content.decode()


def test_a_stale_decision_form_gets_a_conflict(under_review, as_user):
    form = _decision_form(under_review)
    form["snapshot"] = form["snapshot"] + 1000
    response = as_user("oiv").post(_url(under_review, "decisione/"), form)
    assert response.status_code == 409 and "nuova istantanea" in response.content.decode()
    assert not ValidationDecision.objects.exists()


@pytest.mark.parametrize("username", ["segretario", "struttura", "admin"])
def test_staff_cannot_decide_on_the_page(under_review, as_user, username):
    assert as_user(username).post(_url(under_review, "decisione/"), _decision_form(under_review)).status_code == 403
    assert Cycle.objects.get(pk=under_review.pk).state == S.UNDER_VALIDATION


def test_oiv_validates_and_everyone_in_the_entity_downloads_the_document(under_review, as_user, client):
    assert as_user("oiv").post(_url(under_review, "decisione/"), _decision_form(under_review)).status_code == 302
    decision = ValidationDecision.objects.get(cycle=under_review)
    assert Cycle.objects.get(pk=under_review.pk).state == S.VALIDATED
    page = as_user("struttura").get(_url(under_review)).content.decode()
    assert "Documento di validazione (PDF)" in page and "Validata" in page
    client.logout()
    response = as_user("resp.ri").get(_url(under_review, f"decisioni/{decision.pk}/documento/"))
    body = b"".join(response.streaming_content)
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    assert hashlib.sha256(body).hexdigest() == decision.document_sha256 == response["X-Content-SHA256"]


def test_after_a_refusal_the_struttura_sees_and_answers_the_requests(under_review, as_user):
    oiv = as_user("oiv")
    oiv.post(_url(under_review, "osservazioni/"), {"target": "general", "text": "Motivare gli scostamenti",
                                                   "is_request": "1"})
    oiv.post(_url(under_review, "decisione/"), _decision_form(under_review, outcome="refused",
                                                              reasons="Non attendibile"))
    assert Cycle.objects.get(pk=under_review.pk).state == S.REPORTING
    staff = as_user("struttura")
    state_page = staff.get(f"/cicli/{under_review.pk}/stato/").content.decode()
    assert "1 richiesta di correzione" in state_page and _url(under_review) in state_page
    page = staff.get(_url(under_review)).content.decode()
    assert "Motivare gli scostamenti" in page and 'name="response"' in page
    request = ReviewComment.objects.get(cycle=under_review, is_request=True)
    empty = staff.post(_url(under_review, f"osservazioni/{request.pk}/risposta/"), {"response": ""})
    assert empty.status_code == 422 and "Risposta: campo obbligatorio" in empty.content.decode()
    staff.post(_url(under_review, f"osservazioni/{request.pk}/risposta/"), {"response": "Motivazioni aggiunte"})
    assert ReviewComment.objects.get(pk=request.pk).response == "Motivazioni aggiunte"
    assert as_user("oiv").post(_url(under_review, f"osservazioni/{request.pk}/risposta/"),
                               {"response": "x"}).status_code == 403


def test_the_state_page_sends_the_oiv_to_its_workspace_instead_of_bare_buttons(under_review, as_user):
    client = as_user("oiv")
    page = client.get(f"/cicli/{under_review.pk}/stato/").content.decode()
    assert "area di validazione" in page and 'value="validated"' not in page
    response = client.post(f"/cicli/{under_review.pk}/stato/", {"to_state": S.VALIDATED, "confirm": "1",
                                                                "expected_state": S.UNDER_VALIDATION})
    assert response.status_code == 403
    assert Cycle.objects.get(pk=under_review.pk).state == S.UNDER_VALIDATION


def test_the_oiv_requests_a_draft_of_the_snapshot_from_the_workspace(under_review, as_user, monkeypatch):
    monkeypatch.setattr("reports.tasks.render_relazione_task.delay", lambda pk: None)
    response = as_user("oiv").post(f"/cicli/{under_review.pk}/relazione/edizioni/", {"variant": "draft",
                                                                                     "layout": "seed"})
    assert response.status_code == 302
    from reports.models import ReportEdition

    assert ReportEdition.objects.get(cycle=under_review).snapshot == current_snapshot(under_review)
    refused = as_user("oiv").post(f"/cicli/{under_review.pk}/relazione/edizioni/", {"variant": "pdfa"})
    assert refused.status_code == 403


def test_workspace_after_validation_no_longer_offers_the_forms(under_review, as_user):
    transition_cycle(under_review, S.VALIDATED, acting_user=user("oiv"))
    page = as_user("oiv").get(_url(under_review)).content.decode()
    assert "non è all" in page and "esame dell" in page and 'name="outcome"' not in page
