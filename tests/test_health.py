"""GET /salute/ (config/health.py): the healthcheck and the baseline of the page benchmark."""
from __future__ import annotations

import pytest
from django.db import DatabaseError

pytestmark = pytest.mark.django_db


def test_health_answers_ok_anonymously_with_one_query_and_no_cookie(client, django_assert_num_queries):
    with django_assert_num_queries(1):
        response = client.get("/salute/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"status": "ok"}
    assert response["Cache-Control"] == "no-store"
    assert not response.cookies  # no session, no CSRF cookie
    assert "Set-Cookie" not in response


def test_health_answers_head_and_refuses_post(client):
    assert client.head("/salute/").status_code == 200
    assert client.post("/salute/").status_code == 405


def test_health_reports_an_unreachable_database_as_503(client, monkeypatch):
    from django.db.models import QuerySet

    def broken(self):
        raise DatabaseError("connection refused")

    monkeypatch.setattr(QuerySet, "first", broken)
    response = client.get("/salute/")
    assert response.status_code == 503
    assert response.json()["status"] == "error"
    assert response["Cache-Control"] == "no-store"
