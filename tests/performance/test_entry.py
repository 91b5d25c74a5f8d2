"""Entering values in the browser: saving, validation, conflicts, history, submission, locks."""
import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from performance.models import (
    Assignment,
    Cycle,
    Indicator,
    Measurement,
    Period,
    Scorecard,
    Submission,
)
from tests.helpers import client_for

NUMBER = "1.5.03.04"  # RI, "N. incontri Cabine di Regia", target 5, higher is better
PERCENT = "1.5.03.05"  # RI, target 90%


def measurement(cycle, code: str, period: Period) -> Measurement:
    return Measurement.objects.get(indicator__cycle=cycle, indicator__code=code, period=period)


def row_url(cycle, code: str, period: Period, card: str = "RI") -> str:
    return f"/cicli/{cycle.pk}/schede/{card}/righe/{code}/?periodo={period.code}"


def post_row(client, cycle, period, code, version, **fields):
    indicator = Indicator.objects.get(cycle=cycle, code=code)
    prefix = f"r{indicator.pk}-"
    data = {prefix + "version": "" if version is None else str(version)}
    data.update({prefix + k: v for k, v in fields.items()})
    return client.post(row_url(cycle, code, period), data, HTTP_HX_REQUEST="true")


def test_service_head_saves_an_italian_decimal_with_history_and_author(demo_cycle, period):
    before = measurement(demo_cycle, NUMBER, period)
    response = post_row(client_for("resp.ri"), demo_cycle, period, NUMBER, before.version, value="6,5")
    assert response.status_code == 200
    assert "Valore salvato" in response.content.decode()
    after = measurement(demo_cycle, NUMBER, period)
    assert after.raw_value == "6,5" and float(after.value_number) == 6.5
    assert after.version == before.version + 1 and after.author.username == "resp.ri"
    last = after.history.order_by("-history_date").first()
    assert last.history_user.username == "resp.ri" and last.raw_value == "6,5"
    assert "Realizzazione" in response.content.decode() and "100" in response.content.decode()


def test_second_person_saving_the_same_value_gets_a_conflict_and_keeps_their_input(demo_cycle, period):
    seen = measurement(demo_cycle, NUMBER, period).version
    first, second = client_for("resp.ri"), client_for("dirigente")
    assert post_row(first, demo_cycle, period, NUMBER, seen, value="7").status_code == 200
    response = post_row(second, demo_cycle, period, NUMBER, seen, value="8")
    body = response.content.decode()
    assert response.status_code == 409
    assert "Laura Pesenti" in body and "«7»" in body  # who saved, and what
    assert 'value="8"' in body  # what the second person typed is still in the field
    assert measurement(demo_cycle, NUMBER, period).raw_value == "7"
    # Saving again with the version now shown overwrites knowingly.
    current = measurement(demo_cycle, NUMBER, period).version
    assert post_row(second, demo_cycle, period, NUMBER, current, value="8").status_code == 200
    assert measurement(demo_cycle, NUMBER, period).raw_value == "8"


def test_nv_without_reason_is_refused_naming_the_field(demo_cycle, period):
    before = measurement(demo_cycle, NUMBER, period)
    response = post_row(client_for("resp.ri"), demo_cycle, period, NUMBER, before.version, is_nv="on")
    assert response.status_code == 422
    assert "motivazione è obbligatoria" in response.content.decode()
    assert measurement(demo_cycle, NUMBER, period).version == before.version


def test_nv_with_reason_is_saved(demo_cycle, period):
    before = measurement(demo_cycle, NUMBER, period)
    response = post_row(client_for("resp.ri"), demo_cycle, period, NUMBER, before.version, is_nv="on",
                        nv_reason="Cabina di regia sospesa dalla Regione")
    assert response.status_code == 200
    after = measurement(demo_cycle, NUMBER, period)
    assert after.is_nv and after.raw_value == "NV" and after.nv_reason.startswith("Cabina")


@pytest.mark.parametrize(("fields", "field", "message"), [
    ({"value": "tanti"}, "value", "non è un numero"),
    ({"value": ""}, "value", "obbligatorio"),
    ({"value": "3"}, "shortfall_reason", "inferiore al target"),
])
def test_bad_values_are_refused_with_a_message_on_the_field(demo_cycle, period, fields, field, message):
    before = measurement(demo_cycle, NUMBER, period)
    response = post_row(client_for("resp.ri"), demo_cycle, period, NUMBER, before.version, **fields)
    body = response.content.decode()
    assert response.status_code == 422 and message in body
    indicator = Indicator.objects.get(cycle=demo_cycle, code=NUMBER)
    assert f'id="r{indicator.pk}-{field}-error"' in body
    assert measurement(demo_cycle, NUMBER, period).version == before.version


def test_below_target_with_a_reason_is_saved(demo_cycle, period):
    before = measurement(demo_cycle, NUMBER, period)
    response = post_row(client_for("resp.ri"), demo_cycle, period, NUMBER, before.version, value="3",
                        shortfall_reason="Due incontri rinviati al 2024")
    assert response.status_code == 200 and "60%" in response.content.decode()


@pytest.mark.parametrize(("name", "content", "accepted"), [
    ("verbale.pdf", b"%PDF-1.7 minimal", True),
    ("verbale.pdf", b"MZ\x90\x00 not a pdf", False),
    ("script.exe", b"MZ\x90\x00", False),
])
def test_evidence_upload_is_limited_by_type(demo_cycle, period, name, content, accepted):
    before = measurement(demo_cycle, NUMBER, period)
    upload = SimpleUploadedFile(name, content)
    response = post_row(client_for("resp.ri"), demo_cycle, period, NUMBER, before.version, value="6", evidence=upload)
    after = measurement(demo_cycle, NUMBER, period)
    if accepted:
        assert response.status_code == 200 and after.evidence.name.endswith(".pdf")
    else:
        assert response.status_code == 422 and not after.evidence
        assert "file" in response.content.decode().lower()


def test_evidence_over_the_size_limit_is_refused(demo_cycle, period, settings):
    settings.MAX_UPLOAD_BYTES = 1024
    before = measurement(demo_cycle, NUMBER, period)
    upload = SimpleUploadedFile("grande.pdf", b"%PDF" + b"0" * 2048)
    response = post_row(client_for("resp.ri"), demo_cycle, period, NUMBER, before.version, value="6", evidence=upload)
    assert response.status_code == 422 and "dimensione massima" in response.content.decode()


def test_whole_page_save_is_all_or_nothing(demo_cycle, period):
    ok, bad = (Indicator.objects.get(cycle=demo_cycle, code=c) for c in (NUMBER, PERCENT))
    versions = {i.pk: measurement(demo_cycle, i.code, period).version for i in (ok, bad)}
    data = {f"r{ok.pk}-value": "9", f"r{ok.pk}-version": versions[ok.pk],
            f"r{bad.pk}-value": "novanta", f"r{bad.pk}-version": versions[bad.pk]}
    response = client_for("resp.ri").post(f"/cicli/{demo_cycle.pk}/schede/RI/?periodo={period.code}", data)
    assert response.status_code == 422
    assert "Nessun valore è stato salvato" in response.content.decode()
    assert measurement(demo_cycle, NUMBER, period).version == versions[ok.pk]
    data[f"r{bad.pk}-value"] = "95%"
    response = client_for("resp.ri").post(f"/cicli/{demo_cycle.pk}/schede/RI/?periodo={period.code}", data)
    assert response.status_code == 302
    assert measurement(demo_cycle, NUMBER, period).raw_value == "9"
    assert measurement(demo_cycle, PERCENT, period).raw_value == "95%"


def test_live_preview_gives_the_engines_realization_without_saving(demo_cycle, period):
    indicator = Indicator.objects.get(cycle=demo_cycle, code=PERCENT)
    before = measurement(demo_cycle, PERCENT, period).version
    response = client_for("resp.ri").get(f"/cicli/{demo_cycle.pk}/schede/RI/anteprima/",
                                         {"indicatore": indicator.pk, f"r{indicator.pk}-value": "45%"})
    assert response.status_code == 200 and "50%" in response.content.decode()  # 45 / 90
    assert measurement(demo_cycle, PERCENT, period).version == before


def test_history_page_lists_who_when_old_and_new(demo_cycle, period):
    seen = measurement(demo_cycle, NUMBER, period)
    post_row(client_for("resp.ri"), demo_cycle, period, NUMBER, seen.version, value="6", note="dato dal verbale")
    body = client_for("resp.ri").get(f"/cicli/{demo_cycle.pk}/indicatori/{NUMBER}/storico/").content.decode()
    assert "Laura Pesenti" in body and "dato dal verbale" in body
    assert f"<td>{seen.raw_value}</td>" in body and "<td>6</td>" in body


def test_submit_then_dirigente_approves_and_values_freeze_for_the_service_head(demo_cycle, period):
    url = f"/cicli/{demo_cycle.pk}/schede/RI/invio/?periodo={period.code}"
    head, boss = client_for("resp.ri"), client_for("dirigente")
    assert head.post(url, {"azione": "invia"}).status_code == 302
    card = Scorecard.objects.get(cycle=demo_cycle, code="RI")
    assert Submission.objects.get(scorecard=card, period=period).state == Submission.State.SUBMITTED
    seen = measurement(demo_cycle, NUMBER, period).version
    assert post_row(head, demo_cycle, period, NUMBER, seen, value="9").status_code == 403
    assert head.post(url, {"azione": "approva"}).status_code == 403  # not an approver
    assert Submission.objects.get(scorecard=card, period=period).state == Submission.State.SUBMITTED
    boss.post(url, {"azione": "restituisci", "commento": ""})  # a return needs a comment
    assert Submission.objects.get(scorecard=card, period=period).state == Submission.State.SUBMITTED
    boss.post(url, {"azione": "approva"})
    assert Submission.objects.get(scorecard=card, period=period).state == Submission.State.APPROVED
    assert "Approvata" in head.get(f"/cicli/{demo_cycle.pk}/schede/RI/?periodo={period.code}").content.decode()


def test_returned_scorecard_shows_the_comment_and_can_be_edited_again(demo_cycle, period):
    url = f"/cicli/{demo_cycle.pk}/schede/RI/invio/?periodo={period.code}"
    client_for("resp.ri").post(url, {"azione": "invia"})
    client_for("dirigente").post(url, {"azione": "restituisci", "commento": "Rivedere il dato SUAP"})
    body = client_for("resp.ri").get("/").content.decode()
    assert "Rivedere il dato SUAP" in body
    seen = measurement(demo_cycle, NUMBER, period).version
    assert post_row(client_for("resp.ri"), demo_cycle, period, NUMBER, seen, value="9").status_code == 200


def test_submission_needs_every_value(demo_cycle, period):
    Measurement.objects.filter(indicator__code=NUMBER, period=period).delete()
    client_for("resp.ri").post(f"/cicli/{demo_cycle.pk}/schede/RI/invio/?periodo={period.code}", {"azione": "invia"})
    assert not Submission.objects.filter(period=period, state=Submission.State.SUBMITTED).exists()


def test_locked_period_refuses_values_in_page_model_and_api(demo_cycle, period):
    client_for("struttura").post(f"/cicli/{demo_cycle.pk}/periodi/{period.code}/blocco/", {"azione": "blocca"})
    period.refresh_from_db()
    assert period.locked
    seen = measurement(demo_cycle, NUMBER, period)
    assert post_row(client_for("resp.ri"), demo_cycle, period, NUMBER, seen.version, value="9").status_code == 403
    page = client_for("resp.ri").get(f"/cicli/{demo_cycle.pk}/schede/RI/?periodo={period.code}").content.decode()
    assert "è bloccato" in page and 'name="r' not in page
    seen.raw_value = "9"
    with pytest.raises(ValidationError):
        seen.save()
    response = client_for("resp.ri").post("/api/v1/measurements/", {
        "cycle": demo_cycle.pk, "indicator": NUMBER, "period": period.code, "value": "9", "version": seen.version},
        content_type="application/json")
    assert response.status_code == 403 and "bloccato" in response.json()["detail"]


def test_frozen_cycle_refuses_values_even_to_the_struttura(demo_cycle, period):
    Cycle.objects.filter(pk=demo_cycle.pk).update(state=Cycle.State.UNDER_VALIDATION)
    seen = measurement(demo_cycle, NUMBER, period)
    response = client_for("struttura").post(row_url(demo_cycle, NUMBER, period), {"x": "1"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 403
    with pytest.raises(ValidationError):
        seen.save()


def test_oiv_reads_scorecards_but_cannot_write(demo_cycle, period):
    oiv = client_for("oiv")
    body = oiv.get(f"/cicli/{demo_cycle.pk}/schede/RI/?periodo={period.code}").content.decode()
    assert "Realizzazione complessiva" in body and 'name="r' not in body
    seen = measurement(demo_cycle, NUMBER, period)
    assert post_row(oiv, demo_cycle, period, NUMBER, seen.version, value="9").status_code == 403


def test_api_write_uses_the_same_rules_and_answers_409_on_a_stale_version(demo_cycle, period):
    api = client_for("resp.ri")
    seen = measurement(demo_cycle, NUMBER, period).version
    payload = {"cycle": demo_cycle.pk, "indicator": NUMBER, "period": period.code, "value": "6", "version": seen}
    response = api.post("/api/v1/measurements/", payload, content_type="application/json")
    assert response.status_code == 200 and response.json()["version"] == seen + 1
    response = api.post("/api/v1/measurements/", payload | {"value": "7"}, content_type="application/json")
    assert response.status_code == 409 and response.json()["current"]["raw_value"] == "6"
    response = api.post("/api/v1/measurements/", payload | {"value": "boh", "version": seen + 1},
                        content_type="application/json")
    assert response.status_code == 400 and "value" in response.json()
    foreign = payload | {"indicator": "1.1.01.03", "version": None}  # not on the RI scorecard
    assert api.post("/api/v1/measurements/", foreign, content_type="application/json").status_code == 404
    assert client_for("oiv").post("/api/v1/measurements/", payload | {"version": seen + 1},
                                  content_type="application/json").status_code == 403


def test_scorecard_page_runs_the_same_number_of_queries_whatever_its_size(demo_cycle, period,
                                                                          django_capture_on_commit_callbacks):
    from performance import page_cache

    client = client_for("struttura")
    card = Scorecard.objects.get(cycle=demo_cycle, code="RI")
    url = f"/cicli/{demo_cycle.pk}/schede/RI/?periodo={period.code}"
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    with CaptureQueriesContext(connection) as cached:
        assert client.get(url).status_code == 200
    extra = Indicator.objects.filter(cycle=demo_cycle).exclude(assignments__scorecard=card)[:40]
    Assignment.objects.bulk_create([Assignment(scorecard=card, indicator=i, position=100 + n)
                                    for n, i in enumerate(extra)])
    with django_capture_on_commit_callbacks(execute=True):
        page_cache.bump(demo_cycle.pk)  # what a plan import does through schedule_recompute
    with CaptureQueriesContext(connection) as large:
        body = client.get(url).content.decode()
    assert body.count('class="misura-row') == card.assignments.count() > 50
    assert len(large.captured_queries) == len(small.captured_queries)
    assert len(cached.captured_queries) < len(small.captured_queries)


def test_a_saved_value_shows_at_once_on_the_cached_page(demo_cycle, period, django_capture_on_commit_callbacks):
    client = client_for("resp.ri")
    url = f"/cicli/{demo_cycle.pk}/schede/RI/?periodo={period.code}"
    assert "Ultima modifica: Laura Pesenti" not in client.get(url).content.decode()
    seen = measurement(demo_cycle, NUMBER, period).version
    with django_capture_on_commit_callbacks(execute=True):
        post_row(client, demo_cycle, period, NUMBER, seen, value="7")
    assert "Ultima modifica: Laura Pesenti" in client.get(url).content.decode()


def test_evidence_is_downloaded_only_by_those_who_see_the_indicator(demo_cycle, period):
    seen = measurement(demo_cycle, NUMBER, period)
    post_row(client_for("resp.ri"), demo_cycle, period, NUMBER, seen.version, value="6",
             evidence=SimpleUploadedFile("verbale.pdf", b"%PDF-1.7 verbale"))
    url = f"/cicli/{demo_cycle.pk}/indicatori/{NUMBER}/evidenza/{period.code}/"
    response = client_for("oiv").get(url)
    assert response.status_code == 200 and b"".join(response.streaming_content) == b"%PDF-1.7 verbale"
    assert response["Content-Disposition"].startswith("attachment")
    assert client_for("resp.promozione").get(url).status_code == 404


def test_a_cached_page_does_not_outlive_the_permission_it_was_rendered_with(demo_cycle, period,
                                                                           django_capture_on_commit_callbacks):
    from organization.models import Membership

    client = client_for("dirigente")
    url = f"/cicli/{demo_cycle.pk}/schede/SPORT/?periodo={period.code}"
    assert client.get(url).status_code == 200
    assert client.get(url).status_code == 200  # now from the cache
    with django_capture_on_commit_callbacks(execute=True):
        for membership in Membership.objects.filter(user__username="dirigente"):
            membership.delete()
    assert client.get(url).status_code == 404


def test_each_response_carries_a_fresh_csrf_token_not_the_cached_placeholder(demo_cycle, period):
    client = client_for("resp.ri")
    url = f"/cicli/{demo_cycle.pk}/schede/RI/?periodo={period.code}"
    client.get(url)
    body = client.get(url).content.decode()
    assert "__misura_csrf_token__" not in body and 'name="csrfmiddlewaretoken" value="' in body


def test_a_value_shared_with_a_submitted_scorecard_waits_for_its_decision(demo_cycle, period):
    # 1.1.01.03 sits on ENTE and on PROM: once ENTE is submitted, PROM's head cannot change it.
    shared = "1.1.01.03"
    ente = Scorecard.objects.get(cycle=demo_cycle, code="ENTE")
    Submission.objects.create(scorecard=ente, period=period, state=Submission.State.SUBMITTED)
    seen = measurement(demo_cycle, shared, period)
    indicator = Indicator.objects.get(cycle=demo_cycle, code=shared)
    prefix = f"r{indicator.pk}-"
    response = client_for("resp.promozione").post(
        f"/cicli/{demo_cycle.pk}/schede/PROM/righe/{shared}/?periodo={period.code}",
        {prefix + "version": seen.version, prefix + "value": "15"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 422 and "Cruscotto strategico" in response.content.decode()
    assert measurement(demo_cycle, shared, period).version == seen.version
