"""Values are written only through submit_measurement: the admin shows them and sends to the entry page
(issue 15, item 3a)."""
from __future__ import annotations

import pytest

from performance.models import Indicator, Measurement, Scorecard, Submission
from tests.helpers import client_for

NUMBER = "1.5.03.04"  # on RI only


@pytest.fixture
def value(demo_cycle, period) -> Measurement:
    return Measurement.objects.get(indicator__cycle=demo_cycle, indicator__code=NUMBER, period=period)


def _change_data(m: Measurement, raw: str) -> dict:
    return {"indicator": m.indicator_id, "period": m.period_id, "raw_value": raw, "note": "dall'admin",
            "nv_reason": "", "shortfall_reason": ""}


@pytest.mark.parametrize("username", ["admin", "struttura"])
def test_admin_post_on_a_value_of_a_submitted_scorecard_is_refused(value, period, username):
    card = Scorecard.objects.get(cycle=period.cycle, code="RI")
    Submission.objects.create(scorecard=card, period=period, state=Submission.State.SUBMITTED)
    before = (value.raw_value, value.version, value.author_id)
    response = client_for(username).post(f"/admin/performance/measurement/{value.pk}/change/",
                                         _change_data(value, "99"))
    assert response.status_code == 403
    value.refresh_from_db()
    assert (value.raw_value, value.version, value.author_id) == before


def test_admin_post_on_an_open_value_is_refused_too_the_entry_page_is_the_way(value):
    before = (value.raw_value, value.version)
    response = client_for("admin").post(f"/admin/performance/measurement/{value.pk}/change/",
                                        _change_data(value, "7"))
    assert response.status_code == 403
    value.refresh_from_db()
    assert (value.raw_value, value.version) == before


def test_admin_value_page_is_read_only_and_links_to_the_scorecard_entry_page(value, period):
    response = client_for("struttura").get(f"/admin/performance/measurement/{value.pk}/change/")
    body = response.content.decode()
    assert response.status_code == 200
    assert 'name="raw_value"' not in body
    assert f"/cicli/{period.cycle_id}/schede/RI/?periodo={period.code}" in body
    assert "si inseriscono e si correggono dalla scheda" in body


def test_admin_cannot_add_or_delete_values(value):
    client = client_for("admin")
    assert client.get("/admin/performance/measurement/add/").status_code == 403
    assert client.post(f"/admin/performance/measurement/{value.pk}/delete/", {"post": "yes"}).status_code == 403
    response = client.post("/admin/performance/measurement/", {
        "action": "delete_selected", "_selected_action": [value.pk], "post": "yes"})
    assert Measurement.objects.filter(pk=value.pk).exists(), response.status_code


def test_admin_cannot_revert_a_value_from_its_history(value, period):
    record = value.history.order_by("history_id").first()
    client = client_for("admin")
    url = f"/admin/performance/measurement/{value.pk}/history/{record.history_id}/"
    before = value.version
    response = client.post(url, _change_data(value, "1"))
    assert response.status_code == 403
    value.refresh_from_db()
    assert value.version == before


def test_indicator_admin_shows_its_values_without_inputs(value):
    indicator = Indicator.objects.get(pk=value.indicator_id)
    body = client_for("admin").get(f"/admin/performance/indicator/{indicator.pk}/change/").content.decode()
    assert "measurements-0-raw_value" not in body and "measurements-TOTAL_FORMS" in body
