import pytest
from django.contrib.auth import get_user_model
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from organization.models import Membership, Role
from performance.models import Assignment, Indicator

LIST_ENDPOINTS = ["cycles", "perspectives", "strategic-objectives", "operational-objectives", "indicators",
                  "scorecards", "periods", "measurements"]


@pytest.fixture
def client_for(db):
    def make(username: str | None) -> APIClient:
        client = APIClient()
        if username:
            client.force_authenticate(get_user_model().objects.get(username=username))
        return client

    return make


@pytest.mark.parametrize("endpoint", LIST_ENDPOINTS)
def test_anonymous_gets_nothing(client_for, endpoint):
    assert client_for(None).get(f"/api/v1/{endpoint}/").status_code in (401, 403)


@pytest.mark.parametrize("endpoint", LIST_ENDPOINTS)
@pytest.mark.parametrize("username", ["struttura", "oiv", "resp.ri", "dirigente"])
def test_members_of_the_entity_read_the_plan(client_for, endpoint, username):
    response = client_for(username).get(f"/api/v1/{endpoint}/")
    assert response.status_code == 200
    assert response.json()["count"] > 0


@pytest.mark.parametrize("endpoint", LIST_ENDPOINTS)
def test_user_of_another_entity_sees_none_of_it(client_for, other_entity, endpoint):
    outsider = get_user_model().objects.create_user("estraneo", password="x-Password-123")
    Membership.objects.create(user=outsider, entity=other_entity, role=Role.STRUTTURA_TECNICA)
    response = client_for("estraneo").get(f"/api/v1/{endpoint}/")
    assert response.status_code == 200 and response.json()["count"] == 0


def test_detail_of_another_entity_is_404(client_for, demo_cycle, other_entity):
    outsider = get_user_model().objects.create_user("estraneo", password="x-Password-123")
    Membership.objects.create(user=outsider, entity=other_entity, role=Role.OIV)
    assert client_for("estraneo").get(f"/api/v1/cycles/{demo_cycle.pk}/").status_code == 404
    assert client_for("estraneo").get(f"/api/v1/cycles/{demo_cycle.pk}/results/").status_code == 404


def test_api_is_read_only(client_for, demo_cycle):
    indicator = Indicator.objects.filter(cycle=demo_cycle).first()
    client = client_for("admin")
    assert client.patch(f"/api/v1/indicators/{indicator.pk}/", {"name": "x"}, format="json").status_code == 405
    assert client.post("/api/v1/indicators/", {"name": "x"}, format="json").status_code == 405


def test_results_endpoint_gives_the_export_columns(client_for, demo_cycle):
    rows = client_for("struttura").get(f"/api/v1/cycles/{demo_cycle.pk}/results/").json()
    assert len(rows) == Assignment.objects.filter(scorecard__cycle=demo_cycle).count()
    assert list(rows[0]) == ["scorecard", "perspective", "strategic_objective", "operational_objective", "indicator",
                             "algorithm", "kind", "target", "achieved", "realization", "flags"]


def test_token_authentication_works(db):
    user = get_user_model().objects.get(username="oiv")
    token = Token.objects.create(user=user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert client.get("/api/v1/cycles/").status_code == 200


def test_filter_by_cycle(client_for, demo_cycle):
    response = client_for("struttura").get(f"/api/v1/strategic-objectives/?cycle={demo_cycle.pk}")
    assert response.json()["count"] == 12


def test_openapi_schema_and_docs_are_served(client_for):
    client = client_for("struttura")
    schema = client.get("/api/schema/")
    assert schema.status_code == 200 and b"/api/v1/indicators/" in schema.content
    assert client.get("/api/docs/").status_code == 200
