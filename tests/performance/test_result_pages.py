import pytest

from performance.models import Indicator, Level, StrategicObjective


@pytest.mark.parametrize(("username", "status"), [("struttura", 200), ("segretario", 200), ("oiv", 200),
                                                  ("admin", 200), ("resp.ri", 403), ("dirigente", 403)])
def test_quality_page_is_for_the_struttura_tecnica_sg_and_oiv(as_user, demo_cycle, username, status):
    assert as_user(username).get(f"/cicli/{demo_cycle.pk}/qualita/").status_code == status


def test_quality_page_links_each_finding_to_its_indicator(as_user, demo_cycle):
    body = as_user("struttura").get(f"/cicli/{demo_cycle.pk}/qualita/").content.decode()
    assert f'href="/cicli/{demo_cycle.pk}/indicatori/1.5.02.02/"' in body
    assert "type_mismatch" in body and "late_date" in body


def test_indicator_page_explains_the_arithmetic(as_user, demo_cycle):
    body = as_user("resp.promozione").get(f"/cicli/{demo_cycle.pk}/indicatori/1.1.01.03/").content.decode()
    assert "valore ottenuto ÷ risultato atteso × 100" in body
    assert "14 ÷ 13" in body
    assert "Chiedi una rettifica" not in body  # a service head cannot request overrides


def test_indicator_page_is_404_for_a_service_head_it_does_not_concern(as_user, demo_cycle):
    assert as_user("resp.ri").get(f"/cicli/{demo_cycle.pk}/indicatori/1.1.01.03/").status_code == 404


def test_scorecard_page_shows_computed_realization_and_flags(as_user, demo_cycle):
    body = as_user("dirigente").get(f"/cicli/{demo_cycle.pk}/schede/SPORT/").content.decode()
    assert "Realizzazione complessiva della scheda" in body
    assert '">type_mismatch</span>' in body


def test_indicator_explain_over_the_api(as_user, demo_cycle):
    indicator = Indicator.objects.get(cycle=demo_cycle, code="4.1.01.01")
    data = as_user("oiv").get(f"/api/v1/indicators/{indicator.pk}/explain/").json()
    assert data["result"]["realization"] == 0 and data["rule"]
    assert {r["scorecard"] for r in data["rows"]} == {"ENTE", "RS"}
    assert all("late_date" in r["flags"] for r in data["rows"])


def test_rollup_explain_over_the_api(as_user, demo_cycle):
    so = StrategicObjective.objects.get(cycle=demo_cycle, code="1.5")
    data = as_user("oiv").get(f"/api/v1/cycles/{demo_cycle.pk}/explain/?level={Level.STRATEGIC}&object={so.pk}").json()
    assert data["realization"] == pytest.approx(95.83)
    assert data["items"] and "arithmetic" in data
    assert as_user("oiv").get(f"/api/v1/cycles/{demo_cycle.pk}/explain/?level=boh").status_code == 400
