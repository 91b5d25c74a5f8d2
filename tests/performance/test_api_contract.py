"""The API's contract with a client that takes its schema at its word: paging bounds, ids, filters, scope.

Bad input is a 400 naming the parameter (or a 404 for an id in the path), never a 500; filters narrow
what the user already sees and never widen it.
"""
from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from rest_framework.test import APIClient

from performance.models import Assignment, Measurement, OperationalObjective, Period, Perspective, Scorecard
from performance.models import StrategicObjective

HUGE = "1695427004446198464512"


@pytest.fixture
def api(db):
    def make(username: str | None = "struttura") -> APIClient:
        client = APIClient()
        if username:
            client.force_authenticate(get_user_model().objects.get(username=username))
        return client

    return make


@pytest.fixture
def ri_scorecard(demo_cycle) -> Scorecard:
    return Scorecard.objects.get(cycle=demo_cycle, unit__code="RI")


@pytest.fixture
def prom_scorecard(demo_cycle) -> Scorecard:
    return Scorecard.objects.get(cycle=demo_cycle, unit__code="PROM")


def _codes(response, key: str = "code") -> set[str]:
    assert response.status_code == 200, response.content
    return {row[key] for row in response.json()["results"]}


# --- paging -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("query", "parameter"), [
    (f"limit={HUGE}&offset=-63727", "limit"), ("limit=0", "limit"), ("limit=-1", "limit"), ("limit=1001", "limit"),
    ("limit=abc", "limit"), ("limit=%C2%B2", "limit"), ("limit=1.5", "limit"), ("limit=", "limit"),
    ("offset=-1", "offset"), ("offset=x", "offset"), (f"offset={HUGE}", "offset"), ("offset=%C2%B2", "offset"),
])
def test_paging_out_of_bounds_is_a_400_naming_the_parameter(api, query, parameter):
    response = api().get(f"/api/v1/indicators/?{query}")
    assert response.status_code == 400
    assert parameter in response.json()


def test_paging_within_bounds_pages(api):
    client = api()
    total = client.get("/api/v1/indicators/").json()["count"]
    assert len(client.get("/api/v1/indicators/").json()["results"]) == min(total, 100)
    page = client.get("/api/v1/indicators/?limit=1000&offset=1").json()
    assert len(page["results"]) == min(total - 1, 1000)
    assert client.get("/api/v1/indicators/?limit=5&offset=3").json()["results"] == \
        client.get("/api/v1/indicators/?limit=10").json()["results"][3:8]


def test_offset_past_the_end_is_an_empty_page(api):
    response = api().get(f"/api/v1/indicators/?offset={2**63 - 1}")
    assert response.status_code == 200 and response.json()["results"] == []


# --- ids ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["cycles/abc/", "cycles/abc/results/", "cycles/%C2%B2/results/",
                                  "cycles/99999999999999999999999/", "cycles/-1/explain/", "indicators/x1/explain/",
                                  "measurements/99999999999999999999/", "publications/%C2%B2/results/"])
def test_a_bad_id_in_the_path_is_a_404(api, path):
    response = api().get(f"/api/v1/{path}")
    assert response.status_code == 404
    assert "detail" in response.json()


@pytest.mark.parametrize("value", ["99999999999999999999999", "%C2%B2", "abc", "0", "-3", "1.0", "%20"])
@pytest.mark.parametrize("endpoint", ["perspectives", "strategic-objectives", "operational-objectives", "indicators",
                                      "scorecards", "periods", "measurements"])
def test_a_bad_cycle_filter_is_a_400_naming_cycle(api, endpoint, value):
    response = api().get(f"/api/v1/{endpoint}/?cycle={value}")
    assert response.status_code == 400
    assert list(response.json()) == ["cycle"]


@pytest.mark.parametrize("query", ["level=boh", "object=%C2%B2", "object=0", f"object={HUGE}", "object=abc"])
def test_explain_refuses_bad_parameters_by_name(api, demo_cycle, query):
    response = api().get(f"/api/v1/cycles/{demo_cycle.pk}/explain/?{query}")
    assert response.status_code == 400
    assert query.split("=")[0] in response.json()


@pytest.mark.parametrize("query", ["year=%C2%B2", "year=99999", "year=abc"])
def test_publications_refuse_a_bad_year(api, query):
    response = api(None).get(f"/api/v1/publications/?{query}")
    assert response.status_code == 400 and "year" in response.json()


def test_an_empty_filter_value_is_no_filter(api):
    everything = api().get("/api/v1/indicators/").json()["count"]
    assert api().get("/api/v1/indicators/?cycle=&scorecard=&unit=").json()["count"] == everything
    assert api().get("/api/v1/measurements/?updated_since=").status_code == 200


def test_an_url_the_router_refuses_is_a_json_404(api):
    for path in ("indicators/0.5/", "indicators/0.5/explain/", "publications/-1e-9/"):
        response = api().get(f"/api/v1/{path}")
        assert response.status_code == 404 and response["Content-Type"] == "application/json"
    assert api().get("/api/v1/indicators").status_code == 301  # without the slash: still redirected


@pytest.mark.parametrize("change", [{"value": 6}, {"cycle": "1"}, {"is_nv": "true"}, {"version": "1"},
                                    {"note": ["x"]}])
def test_a_write_takes_each_field_in_its_json_type(api, demo_cycle, period, change):
    body = {"cycle": demo_cycle.pk, "indicator": "1.5.03.04", "period": period.code, "value": "6"} | change
    response = api("resp.ri").post("/api/v1/measurements/", body, format="json")
    assert response.status_code == 400 and set(change) <= set(response.json())


def test_a_write_in_a_form_encoding_is_a_415(api, demo_cycle, period):
    body = {"cycle": demo_cycle.pk, "indicator": "1.5.03.04", "period": period.code, "value": "6"}
    assert api("resp.ri").post("/api/v1/measurements/", body, format="multipart").status_code == 415


def test_a_nul_in_a_code_filter_finds_nothing(api):
    assert api(None).get("/api/v1/publications/?entity=a%00b").json()["results"] == []
    assert api().get("/api/v1/scorecards/?unit=R%00I").json()["count"] == 0


# --- filters ------------------------------------------------------------------------------------------


def test_cycle_filter_keeps_one_cycle(api, demo_cycle):
    expected = set(StrategicObjective.objects.filter(cycle=demo_cycle).values_list("code", flat=True))
    assert _codes(api().get(f"/api/v1/strategic-objectives/?cycle={demo_cycle.pk}&limit=1000")) == expected
    assert api().get(f"/api/v1/strategic-objectives/?cycle={demo_cycle.pk + 1000}").json()["count"] == 0


def test_cycles_filter_by_year(api, demo_cycle):
    assert [c["id"] for c in api().get("/api/v1/cycles/?year=2023").json()["results"]] == [demo_cycle.pk]
    assert api().get("/api/v1/cycles/?year=1999").json()["count"] == 0


def test_strategic_objectives_filter_by_perspective(api, demo_cycle):
    perspective = Perspective.objects.filter(cycle=demo_cycle).first()
    expected = set(perspective.objectives.values_list("code", flat=True))
    assert _codes(api().get(f"/api/v1/strategic-objectives/?perspective={perspective.pk}")) == expected


def test_operational_objectives_filter_by_strategic_objective(api, demo_cycle):
    so = StrategicObjective.objects.filter(cycle=demo_cycle, operational_objectives__isnull=False).first()
    expected = set(so.operational_objectives.values_list("code", flat=True))
    assert _codes(api().get(f"/api/v1/operational-objectives/?strategic_objective={so.pk}")) == expected


def test_indicators_filter_by_operational_objective(api, demo_cycle):
    oo = OperationalObjective.objects.filter(cycle=demo_cycle, indicators__isnull=False).first()
    expected = set(oo.indicators.values_list("code", flat=True))
    assert _codes(api().get(f"/api/v1/indicators/?operational_objective={oo.pk}")) == expected


def test_indicators_filter_by_scorecard_and_by_unit(api, ri_scorecard):
    expected = set(ri_scorecard.indicators.values_list("code", flat=True))
    assert expected
    assert _codes(api().get(f"/api/v1/indicators/?scorecard={ri_scorecard.pk}&limit=1000")) == expected
    assert _codes(api().get("/api/v1/indicators/?unit=RI&limit=1000")) == expected


def test_scorecards_filter_by_unit_kind_and_indicator(api, demo_cycle, ri_scorecard):
    assert _codes(api().get("/api/v1/scorecards/?unit=RI")) == {ri_scorecard.code}
    kinds = {row["kind"] for row in api().get("/api/v1/scorecards/?kind=unit&limit=1000").json()["results"]}
    assert kinds == {"unit"}
    assert api().get("/api/v1/scorecards/?kind=boh").status_code == 400
    indicator = ri_scorecard.indicators.first()
    expected = set(Scorecard.objects.filter(indicators=indicator).values_list("code", flat=True))
    assert _codes(api().get(f"/api/v1/scorecards/?indicator={indicator.pk}")) == expected


def test_measurements_filter_by_indicator_which_used_to_be_ignored(api, demo_cycle):
    measurement = Measurement.objects.filter(period__cycle=demo_cycle).select_related("indicator").first()
    rows = api().get(f"/api/v1/measurements/?indicator={measurement.indicator_id}").json()["results"]
    assert rows and {row["indicator"] for row in rows} == {measurement.indicator.code}
    assert len(rows) == Measurement.objects.filter(indicator_id=measurement.indicator_id).count()


def test_measurements_filter_by_period_scorecard_and_unit(api, demo_cycle, ri_scorecard):
    period = Period.objects.get(cycle=demo_cycle, is_final=True)
    client = api()
    assert client.get(f"/api/v1/measurements/?period={period.pk}").json()["count"] == \
        Measurement.objects.filter(period=period).count()
    on_ri = Measurement.objects.filter(indicator__scorecards=ri_scorecard).distinct().count()
    assert on_ri
    assert client.get(f"/api/v1/measurements/?scorecard={ri_scorecard.pk}").json()["count"] == on_ri
    assert client.get("/api/v1/measurements/?unit=RI").json()["count"] == on_ri


def test_measurements_filter_updated_since(api, demo_cycle):
    measurements = Measurement.objects.filter(period__cycle=demo_cycle)
    long_ago = timezone.now() - timedelta(days=400)
    measurements.update(updated_at=long_ago)
    recent = measurements.first()
    Measurement.objects.filter(pk=recent.pk).update(updated_at=timezone.now())
    since = (timezone.now() - timedelta(days=1)).isoformat()
    response = api().get("/api/v1/measurements/", {"updated_since": since})
    assert [row["id"] for row in response.json()["results"]] == [recent.pk]
    assert api().get("/api/v1/measurements/", {"updated_since": "2000-01-01T00:00:00Z"}).json()["count"] == \
        measurements.count()


@pytest.mark.parametrize("value", ["ieri", "2023-13-01T00:00:00Z", "2023-01-01T25:00:00+01:00"])
def test_a_bad_updated_since_is_a_400_naming_it(api, value):
    response = api().get("/api/v1/measurements/", {"updated_since": value})
    assert response.status_code == 400 and list(response.json()) == ["updated_since"]


@pytest.mark.parametrize("value", ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00", "2023-06-30"])
def test_extreme_but_valid_updated_since_is_answered(api, value):
    assert api().get("/api/v1/measurements/", {"updated_since": value}).status_code == 200


# --- scope: filters never widen what the user sees -----------------------------------------------------


def test_service_head_filtering_by_another_units_scorecard_gets_nothing(api, prom_scorecard):
    client = api("resp.ri")
    assert client.get(f"/api/v1/indicators/?scorecard={prom_scorecard.pk}").json()["count"] == 0
    assert client.get(f"/api/v1/measurements/?scorecard={prom_scorecard.pk}").json()["count"] == 0
    assert client.get("/api/v1/indicators/?unit=PROM").json()["count"] == 0
    assert client.get("/api/v1/measurements/?unit=PROM").json()["count"] == 0
    assert client.get("/api/v1/scorecards/?unit=PROM").json()["count"] == 0
    assert client.get(f"/api/v1/scorecards/{prom_scorecard.pk}/").status_code == 404


def test_service_head_filtering_by_an_indicator_of_another_unit_gets_nothing(api, prom_scorecard, ri_scorecard):
    only_prom = prom_scorecard.indicators.exclude(scorecards=ri_scorecard).first()
    client = api("resp.ri")
    assert client.get(f"/api/v1/measurements/?indicator={only_prom.pk}").json()["count"] == 0
    assert client.get(f"/api/v1/scorecards/?indicator={only_prom.pk}").json()["count"] == 0


def test_service_head_filtering_their_own_scorecard_gets_its_indicators(api, ri_scorecard):
    client = api("resp.ri")
    visible = _codes(client.get("/api/v1/indicators/?limit=1000"))
    by_scorecard = _codes(client.get(f"/api/v1/indicators/?scorecard={ri_scorecard.pk}&limit=1000"))
    assert by_scorecard == set(ri_scorecard.indicators.values_list("code", flat=True))
    assert by_scorecard <= visible


def test_explain_of_another_units_scorecard_is_a_404(api, demo_cycle, prom_scorecard, ri_scorecard):
    base = f"/api/v1/cycles/{demo_cycle.pk}/explain/?level=scorecard&object="
    assert api("resp.ri").get(base + str(prom_scorecard.pk)).status_code == 404
    assert api("resp.ri").get(base + str(ri_scorecard.pk)).status_code == 200


# --- results ------------------------------------------------------------------------------------------


def test_results_are_a_plain_list_of_text_rows(api, demo_cycle):
    rows = api().get(f"/api/v1/cycles/{demo_cycle.pk}/results/").json()
    assert isinstance(rows, list)
    assert len(rows) == Assignment.objects.filter(scorecard__cycle=demo_cycle).count()
    assert all(isinstance(value, str) for row in rows for value in row.values())


def test_results_of_a_service_head_are_their_scorecards_rows(api, demo_cycle, ri_scorecard):
    rows = api("resp.ri").get(f"/api/v1/cycles/{demo_cycle.pk}/results/").json()
    visible = Scorecard.objects.filter(cycle=demo_cycle, unit__code="RI")
    assert {row["scorecard"] for row in rows} == set(visible.values_list("title", flat=True))
    assert len(rows) == Assignment.objects.filter(scorecard__in=visible).count()


def test_results_schema_is_an_unpaged_array(api):
    schema = api().get("/api/schema/?format=json").json()
    response = schema["paths"]["/api/v1/cycles/{id}/results/"]["get"]["responses"]["200"]
    body = response["content"]["application/json"]["schema"]
    assert body["type"] == "array" and body["items"]["$ref"].endswith("/ResultRow")


# --- schema -------------------------------------------------------------------------------------------


def test_schema_documents_the_errors_each_operation_can_answer(api):
    paths = api().get("/api/schema/?format=json").json()["paths"]
    for path, operations in paths.items():
        for method, operation in operations.items():
            codes = set(operation["responses"])
            assert "401" in codes, (method, path)
            if "{" in path:
                assert "404" in codes, (method, path)
            if method == "post":
                assert {"400", "403", "404", "409", "415"} <= codes, path
    assert "400" in paths["/api/v1/indicators/"]["get"]["responses"]


def test_schema_documents_filters_and_paging_bounds(api):
    schema = api().get("/api/schema/?format=json").json()
    params = {p["name"]: p["schema"] for p in schema["paths"]["/api/v1/measurements/"]["get"]["parameters"]}
    assert {"cycle", "period", "indicator", "scorecard", "unit", "updated_since", "limit", "offset"} <= set(params)
    assert params["limit"]["maximum"] == 1000 and params["limit"]["minimum"] == 1
    assert params["updated_since"]["format"] == "date-time"
    assert params["cycle"]["type"] == "integer"
    declared = {p["name"]: p for p in schema["paths"]["/api/v1/measurements/"]["get"]["parameters"]}
    assert declared["cycle"]["allowEmptyValue"] is True and "allowEmptyValue" not in declared["limit"]


def test_nullable_fields_are_nullable_in_the_schema(api, demo_cycle):
    components = api().get("/api/schema/?format=json").json()["components"]["schemas"]
    assert components["OperationalObjective"]["properties"]["strategic_objective"].get("nullable") is True
    assert components["Scorecard"]["properties"]["unit"].get("nullable") is True
    assert OperationalObjective.objects.filter(cycle=demo_cycle, strategic_objective__isnull=True).exists() or \
        Scorecard.objects.filter(cycle=demo_cycle, unit__isnull=True).exists()


def test_filters_exist_for_every_model_listed():
    # a guard against a list endpoint added without its FilterSet (its ?cycle= would be ignored again)
    from performance.urls import router

    for prefix, viewset, _basename in router.registry:
        assert getattr(viewset, "filterset_class", None) is not None, prefix
