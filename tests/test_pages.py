import pytest
from django.contrib.auth import get_user_model

from organization.models import Membership, Role

ADMIN_PAGES = ["/admin/", "/admin/performance/indicator/?q=ISO", "/admin/performance/indicator/?kind__exact=date",
               "/admin/performance/scorecard/", "/admin/performance/measurement/", "/admin/organization/orgunit/",
               "/admin/performance/strategicobjective/"]


@pytest.mark.parametrize("url", ADMIN_PAGES)
def test_struttura_tecnica_works_in_the_admin(as_user, url):
    assert as_user("struttura").get(url).status_code == 200


def test_indicator_admin_page_opens_with_its_inlines(as_user, demo_cycle):
    from performance.models import Indicator

    indicator = Indicator.objects.get(cycle=demo_cycle, code="2.1.05.01")
    response = as_user("struttura").get(f"/admin/performance/indicator/{indicator.pk}/change/")
    assert response.status_code == 200 and "98,77%" in response.content.decode()


@pytest.mark.parametrize("username", ["resp.ri", "oiv", "dirigente"])
def test_non_staff_roles_are_kept_out_of_the_admin(as_user, username):
    response = as_user(username).get("/admin/performance/indicator/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_anonymous_is_sent_to_login(client, demo_cycle):
    for url in ["/", f"/cicli/{demo_cycle.pk}/schede/RI/"]:
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/accesso/")


def test_service_head_sees_only_their_units_scorecards(as_user, demo_cycle):
    client = as_user("resp.ri")
    assert client.get(f"/cicli/{demo_cycle.pk}/schede/RI/").status_code == 200
    assert client.get(f"/cicli/{demo_cycle.pk}/schede/SPORT/").status_code == 404


def test_dirigente_sees_the_scorecards_of_their_area_with_values(as_user, demo_cycle):
    response = as_user("dirigente").get(f"/cicli/{demo_cycle.pk}/schede/SPORT/")
    body = response.content.decode()
    assert response.status_code == 200
    assert "00/01/1900" in body and "Avvio e consolidamento della nuova gestione" in body


def test_outsider_gets_404_for_another_entitys_scorecard(client, demo_cycle, other_entity):
    outsider = get_user_model().objects.create_user("estraneo", password="x-Password-123")
    Membership.objects.create(user=outsider, entity=other_entity, role=Role.STRUTTURA_TECNICA)
    client.force_login(outsider)
    assert client.get(f"/cicli/{demo_cycle.pk}/schede/RI/").status_code == 404
    assert "Bergamo" not in client.get("/").content.decode()


def test_login_page_is_italian_and_labelled(client, db):
    body = client.get("/accesso/").content.decode()
    assert '<html lang="it">' in body
    assert '<label for="id_username">Nome utente</label>' in body
