"""Users who authored frozen or published data are deactivated, not deleted (issue 15, item 14).

Deleting such a user used to null `author` on frozen values and a unit's `head` through the ORM's
cascade, past the freeze guard, and the snapshot under the OIV's review no longer verified."""
from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.db.models import ProtectedError

from organization.models import Membership, OrgUnit, Role
from performance.models import Cycle, Indicator, Measurement, Period
from performance.snapshot import current_snapshot, verify_snapshot
from performance.workflow import transition_cycle
from tests.helpers import client_for

pytestmark = pytest.mark.django_db
User = get_user_model()


@pytest.fixture
def author(demo_cycle) -> User:
    """A service head who entered a value of the RI scorecard, before the cycle went to the OIV."""
    person = User.objects.create_user("autore.valori", first_name="Carla", last_name="Verdi", password="x-Password-123")
    Membership.objects.create(user=person, entity=demo_cycle.entity, role=Role.SERVICE_HEAD,
                              unit=OrgUnit.objects.get(entity=demo_cycle.entity, code="RI"))
    period = Period.objects.get(cycle=demo_cycle, is_final=True)
    Measurement.objects.filter(indicator__cycle=demo_cycle, indicator__code="1.5.03.04", period=period).update(
        author=person)
    return person


@pytest.fixture
def under_review(demo_cycle, author) -> Cycle:
    transition_cycle(demo_cycle, Cycle.State.UNDER_VALIDATION, acting_user=User.objects.get(username="struttura"),
                     note="Pronta")
    return demo_cycle


def authored(cycle: Cycle, person) -> int:
    return Measurement.objects.filter(period__cycle=cycle, author=person).count()


def test_deleting_the_author_of_a_frozen_value_in_the_admin_is_refused_and_offers_deactivation(under_review, author):
    response = client_for("admin").post(f"/admin/auth/user/{author.pk}/delete/", {"post": "yes"}, follow=True)
    body = response.content.decode()
    assert response.status_code == 200
    assert "non può essere eliminato" in body and "Disattiva" in body and "valori rilevati" in body
    assert User.objects.filter(pk=author.pk).exists()
    assert authored(under_review, author) == 1
    assert verify_snapshot(current_snapshot(under_review))


def test_the_admin_bulk_delete_of_users_refuses_the_authors_and_deletes_no_one(under_review, author):
    bystander = User.objects.create_user("senza.dati", password="x-Password-123")
    response = client_for("admin").post("/admin/auth/user/", {
        "action": "delete_selected", "_selected_action": [author.pk, bystander.pk], "post": "yes"}, follow=True)
    assert "autore.valori" in response.content.decode() and "non può essere eliminato" in response.content.decode()
    assert User.objects.filter(pk__in=[author.pk, bystander.pk]).count() == 2
    assert verify_snapshot(current_snapshot(under_review))


def test_no_code_path_nulls_the_frozen_author_or_a_units_head(under_review, author):
    with pytest.raises(ProtectedError):
        author.delete()
    with pytest.raises(ProtectedError):
        User.objects.filter(username="resp.ri").delete()  # the head of the RI unit
    assert OrgUnit.objects.get(entity=under_review.entity, code="RI").head.username == "resp.ri"
    assert authored(under_review, author) == 1
    assert verify_snapshot(current_snapshot(under_review))


def test_a_user_without_such_data_can_still_be_deleted(demo_cycle):
    newcomer = User.objects.create_user("mai.usato", password="x-Password-123")
    Membership.objects.create(user=newcomer, entity=demo_cycle.entity, role=Role.DIRIGENTE)
    response = client_for("admin").post(f"/admin/auth/user/{newcomer.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not User.objects.filter(username="mai.usato").exists()
    assert not Membership.objects.filter(user_id=newcomer.pk).exists()


def test_the_deactivate_action_keeps_the_data_and_locks_the_user_out(under_review, author):
    page = f"/cicli/{under_review.pk}/schede/RI/"
    member = client_for("autore.valori")
    assert member.get(page).status_code == 200
    response = client_for("admin").post("/admin/auth/user/", {
        "action": "deactivate_users", "_selected_action": [author.pk]}, follow=True)
    assert "disattivat" in response.content.decode()
    assert not User.objects.get(pk=author.pk).is_active
    assert member.get(page).status_code == 302  # logged out: back to the login page
    assert authored(under_review, author) == 1
    assert Indicator.objects.filter(cycle=under_review).exists()
