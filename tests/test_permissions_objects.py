"""The permission matrix's object-level rows for two entities: API reads follow the same visibility as the
pages (issue 15, item 3). The admin's rows for two entities are the walk in tests/organization/test_admin_scope.py.

Entity A is the demo (resp.ri is service head of Registro imprese there); entity B gets the same plan.
"""
from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from performance.importer import import_plan
from performance.models import Assignment, Cycle, Scorecard
from tests.conftest import DEMO_DIR


def token_client(username: str) -> APIClient:
    client = APIClient()
    token, _ = Token.objects.get_or_create(user=get_user_model().objects.get(username=username))
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


@pytest.fixture
def cycle_b(other_entity) -> Cycle:
    return import_plan(DEMO_DIR, year=2023, entity=other_entity).cycle


def test_service_heads_token_reads_only_their_scorecards_rows(demo_cycle):
    rows = token_client("resp.ri").get(f"/api/v1/cycles/{demo_cycle.pk}/results/").json()
    ri = Scorecard.objects.get(cycle=demo_cycle, code="RI")
    assert {r["scorecard"] for r in rows} == {ri.title}
    assert len(rows) == Assignment.objects.filter(scorecard=ri).count()
    # while the struttura tecnica reads every scorecard's rows
    everything = token_client("struttura").get(f"/api/v1/cycles/{demo_cycle.pk}/results/").json()
    assert len(everything) == Assignment.objects.filter(scorecard__cycle=demo_cycle).count() > len(rows)


@pytest.mark.parametrize("code", ["DIR", "SG", "PROM"])
def test_explain_on_a_scorecard_not_theirs_is_404(demo_cycle, code):
    card = Scorecard.objects.get(cycle=demo_cycle, code=code)
    url = f"/api/v1/cycles/{demo_cycle.pk}/explain/?level=scorecard&object={card.pk}"
    assert token_client("resp.ri").get(url).status_code == 404
    assert token_client("struttura").get(url).status_code == 200


def test_explain_on_their_own_scorecard_answers(demo_cycle):
    card = Scorecard.objects.get(cycle=demo_cycle, code="RI")
    response = token_client("resp.ri").get(f"/api/v1/cycles/{demo_cycle.pk}/explain/?level=scorecard&object={card.pk}")
    assert response.status_code == 200


@pytest.mark.parametrize("username", ["resp.ri", "dirigente", "segretario", "struttura", "oiv"])
@pytest.mark.parametrize("path", ["", "results/", "explain/", "explain/?level=scorecard&object={card}"])
def test_another_entitys_cycle_is_404_for_every_role_of_the_first(cycle_b, username, path):
    card = Scorecard.objects.filter(cycle=cycle_b).first()
    response = token_client(username).get(f"/api/v1/cycles/{cycle_b.pk}/" + path.format(card=card.pk))
    assert response.status_code == 404


def test_explain_of_another_entitys_scorecard_through_ones_own_cycle_is_404(demo_cycle, cycle_b):
    card = Scorecard.objects.filter(cycle=cycle_b).first()
    url = f"/api/v1/cycles/{demo_cycle.pk}/explain/?level=scorecard&object={card.pk}"
    assert token_client("struttura").get(url).status_code == 404
