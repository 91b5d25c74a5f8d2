"""Ids, years, versions and paging typed by hand in a URL or a form: a 4xx, never a 500 or everything.

`str.isdigit()` accepts "²" (and other non-ASCII digits) that `int()` refuses, and a 23-digit id does not
fit a bigint column: each of these answered 500 (issue 15, items 8 and 15). Every number a request
carries goes through one helper (performance.parsing.parse_bounded_int).
"""
from __future__ import annotations

import pytest
from django.test import Client

from performance.models import Indicator, Measurement
from tests.helpers import client_for

SUPERSCRIPT_TWO = "%C2%B2"  # "²": isdigit() is True, int() raises
TOO_BIG = "99999999999999999999999"  # past a bigint
NUMBER = "1.5.03.04"  # on the RI scorecard


@pytest.mark.parametrize("path", [
    "/api/v1/cycles/abc/results/",
    "/api/v1/cycles/abc/explain/",
    f"/api/v1/cycles/{TOO_BIG}/results/",
    f"/api/v1/cycles/{TOO_BIG}/explain/",
    f"/api/v1/indicators/{TOO_BIG}/explain/",
    f"/api/v1/measurements/{TOO_BIG}/",
])
def test_an_id_in_the_api_path_that_is_no_id_is_a_404(demo_cycle, path):
    response = client_for("struttura").get(path)
    assert response.status_code == 404


@pytest.mark.parametrize("query", [
    f"?cycle={TOO_BIG}", f"?cycle={SUPERSCRIPT_TWO}", "?cycle=abc", "?cycle=-1", "?limit=100000", "?limit=0",
    f"?limit={SUPERSCRIPT_TWO}", f"?offset={TOO_BIG}", f"?scorecard={SUPERSCRIPT_TWO}",
])
def test_a_bad_id_or_page_size_in_an_api_query_is_a_400_naming_the_parameter(demo_cycle, query):
    response = client_for("struttura").get("/api/v1/indicators/" + query)
    assert response.status_code == 400
    name = query[1:].split("=")[0]
    assert name in response.json()


def test_a_list_asked_for_without_limit_is_paged_not_everything(demo_cycle):
    body = client_for("struttura").get("/api/v1/indicators/").json()
    assert body["count"] > 100 and len(body["results"]) == 100 and body["next"]


@pytest.mark.parametrize("value", [SUPERSCRIPT_TWO, "abc", TOO_BIG, "0"])
def test_explain_with_an_object_that_is_no_id_is_a_400(demo_cycle, value):
    response = client_for("struttura").get(f"/api/v1/cycles/{demo_cycle.pk}/explain/?level=scorecard&object={value}")
    assert response.status_code == 400 and "object" in response.json()


@pytest.mark.parametrize("value", [SUPERSCRIPT_TWO, TOO_BIG, "abc"])
def test_anonymous_publications_with_a_year_that_is_no_year_is_a_400(db, value):
    response = Client().get(f"/api/v1/publications/?year={value}")
    assert response.status_code == 400 and "year" in response.json()


@pytest.mark.parametrize("value", ["abc", SUPERSCRIPT_TWO, TOO_BIG])
def test_row_preview_for_an_indicator_that_is_no_id_is_a_404(demo_cycle, period, value):
    url = f"/cicli/{demo_cycle.pk}/schede/RI/anteprima/?periodo={period.code}&indicatore={value}"
    assert client_for("resp.ri").get(url, HTTP_HX_REQUEST="true").status_code == 404


@pytest.mark.parametrize("version", ["²", "1²", "99999999999999999999999", "-1"])
def test_a_row_saved_with_a_version_that_is_no_number_is_a_conflict_and_nothing_is_saved(demo_cycle, period,
                                                                                         version):
    indicator = Indicator.objects.get(cycle=demo_cycle, code=NUMBER)
    before = Measurement.objects.get(indicator=indicator, period=period)
    response = client_for("resp.ri").post(
        f"/cicli/{demo_cycle.pk}/schede/RI/righe/{NUMBER}/?periodo={period.code}",
        {f"r{indicator.pk}-version": version, f"r{indicator.pk}-value": "6"}, HTTP_HX_REQUEST="true")
    # A version that is no number is not the one stored: the person sees the current value (409).
    assert response.status_code == 409
    assert Measurement.objects.get(pk=before.pk).version == before.version


@pytest.mark.parametrize("path", [
    f"/cicli/{TOO_BIG}/stato/",
    f"/cicli/{TOO_BIG}/schede/RI/",
    f"/cicli/{TOO_BIG}/validazione/",
    f"/cicli/{TOO_BIG}/relazione/",
    f"/cicli/{{cycle}}/stato/istantanee/{TOO_BIG}/",
    f"/trasparenza/cciaa-bergamo/{TOO_BIG}/",
])
def test_a_page_whose_url_carries_an_id_past_the_column_is_a_404(demo_cycle, path):
    assert client_for("struttura").get(path.format(cycle=demo_cycle.pk)).status_code == 404


@pytest.mark.parametrize("value", [SUPERSCRIPT_TWO, TOO_BIG])
def test_a_comment_on_an_indicator_that_is_no_id_is_not_a_500(demo_cycle, value):
    response = client_for("oiv").post(f"/cicli/{demo_cycle.pk}/validazione/osservazioni/",
                                      {"text": "Osservazione", "target": "", "indicator": value.replace("%C2%B2", "²")})
    assert response.status_code < 500


@pytest.mark.parametrize("value", ["²", TOO_BIG])
def test_a_decision_on_a_snapshot_that_is_no_id_is_not_a_500(demo_cycle, value):
    response = client_for("oiv").post(f"/cicli/{demo_cycle.pk}/validazione/decisione/",
                                      {"outcome": "validated", "confirm": "1", "snapshot": value})
    assert response.status_code < 500


@pytest.mark.parametrize("value", ["²", TOO_BIG])
def test_publishing_a_snapshot_that_is_no_id_is_not_a_500(demo_cycle, value):
    response = client_for("struttura").post(f"/cicli/{demo_cycle.pk}/pubblicazione/",
                                            {"azione": "pubblica", "confirm": "1", "snapshot": value})
    assert response.status_code < 500


@pytest.mark.parametrize("value", ["²", TOO_BIG])
def test_a_section_responsible_that_is_no_user_id_is_refused_naming_the_field(demo_cycle, value):
    response = client_for("struttura").post(f"/cicli/{demo_cycle.pk}/relazione/sezioni/premessa/",
                                            {"narrative": "Testo", "responsible": value})
    assert response.status_code == 422
    assert "Scegliere un utente dell" in response.content.decode()


@pytest.mark.parametrize("path", [
    "/cicli/{cycle}/schede/%00/",
    "/cicli/{cycle}/schede/RI/?periodo=%00",
    "/cicli/{cycle}/indicatori/%00/",
    "/cicli/{cycle}/indicatori/%00/storico/",
    "/cicli/{cycle}/schede/RI/excel/?periodo=%00",
    "/cicli/{cycle}/relazione/sezioni/%00/",
    "/cicli/{cycle}/relazione/?struttura=%00",
])
# nor does it reach the cache's key (memcached-style backends refuse control characters)
@pytest.mark.filterwarnings("error::django.core.cache.backends.base.CacheKeyWarning")
def test_a_code_with_a_nul_character_in_a_page_url_is_a_4xx(demo_cycle, path):
    # PostgreSQL refuses NUL in a query (ValueError, 500): no code contains one, so nothing is found.
    response = client_for("struttura").get(path.format(cycle=demo_cycle.pk))
    assert 400 <= response.status_code < 500
