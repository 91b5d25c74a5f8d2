"""Roles are granted by superusers only, the OIV is independent of every other role in its entity, and a
decision by someone who is not is refused (issue 15, item 1).

The attack it closes: the demo's struttura tecnica added itself an OIV membership in the admin, sent the
cycle to the OIV and validated it through the decision form.
"""
from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection

from organization.models import Entity, Membership, OrgUnit, Role
from performance.models import Cycle
from performance.snapshot import current_snapshot
from performance.workflow import transition_cycle
from tests.helpers import client_for
from validation import services

pytestmark = pytest.mark.django_db
ADD_URL = "/admin/organization/membership/add/"


def user(name: str):
    return get_user_model().objects.get(username=name)


def insert_membership(username: str, entity: Entity, role: str) -> None:
    """A membership written straight into the table, past every rule of the application (a restored
    backup, a hand-made fix): the decision must still refuse what it allows."""
    with connection.cursor() as cursor:
        cursor.execute("INSERT INTO organization_membership (user_id, entity_id, unit_id, role) "
                       "VALUES (%s, %s, NULL, %s)", [user(username).pk, entity.pk, role])


@pytest.fixture
def bergamo(demo_cycle) -> Entity:
    return demo_cycle.entity


def test_struttura_cannot_make_itself_oiv_in_the_admin(bergamo):
    response = client_for("struttura").post(ADD_URL, {"user": user("struttura").pk, "entity": bergamo.pk,
                                                      "role": Role.OIV})
    assert response.status_code == 403
    assert not Membership.objects.filter(user__username="struttura", role=Role.OIV).exists()


def test_struttura_cannot_give_itself_a_role_in_another_entity(other_entity):
    response = client_for("struttura").post(ADD_URL, {"user": user("struttura").pk, "entity": other_entity.pk,
                                                      "role": Role.STRUTTURA_TECNICA})
    assert response.status_code == 403
    assert not Membership.objects.filter(entity=other_entity).exists()


def test_struttura_cannot_change_or_delete_a_membership_in_the_admin(bergamo):
    own = Membership.objects.get(user__username="struttura", entity=bergamo)
    client = client_for("struttura")
    changed = client.post(f"/admin/organization/membership/{own.pk}/change/",
                          {"user": own.user_id, "entity": bergamo.pk, "role": Role.OIV})
    deleted = client.post(f"/admin/organization/membership/{own.pk}/delete/", {"post": "yes"})
    assert (changed.status_code, deleted.status_code) == (403, 403)
    assert Membership.objects.get(pk=own.pk).role == Role.STRUTTURA_TECNICA


def test_the_superuser_grants_roles_in_the_admin(bergamo):
    newcomer = get_user_model().objects.create_user("nuovo.dirigente", password="x-Password-123")
    unit = OrgUnit.objects.get(entity=bergamo, code="AREA-ARM")
    response = client_for("admin").post(ADD_URL, {"user": newcomer.pk, "entity": bergamo.pk, "unit": unit.pk,
                                                  "role": Role.DIRIGENTE})
    assert response.status_code == 302
    assert Membership.objects.filter(user=newcomer, unit=unit, role=Role.DIRIGENTE).exists()


def test_the_demo_staff_group_holds_no_permission_on_roles_or_users():
    group = Group.objects.get(name="Struttura tecnica")
    granted = set(group.permissions.values_list("content_type__app_label", "content_type__model"))
    assert granted, "the group still administers the plan"
    assert not {("organization", "membership")} & granted
    assert not {label for label, _model in granted} & {"auth", "authtoken", "admin", "sessions"}


def test_staff_cannot_make_itself_superuser_in_the_admin():
    struttura = user("struttura")
    response = client_for("struttura").post(f"/admin/auth/user/{struttura.pk}/change/", {
        "username": "struttura", "is_active": "on", "is_staff": "on", "is_superuser": "on",
        "date_joined_0": "2023-01-01", "date_joined_1": "00:00:00"})
    assert response.status_code == 403
    assert not user("struttura").is_superuser


def test_staff_given_user_permissions_still_cannot_edit_users_or_groups():
    """Django's user form lets whoever may change users tick "superuser": only superusers may."""
    struttura = user("struttura")
    struttura.user_permissions.add(*Permission.objects.filter(content_type__app_label="auth"))
    client = client_for("struttura")
    response = client.post(f"/admin/auth/user/{struttura.pk}/change/", {
        "username": "struttura", "is_active": "on", "is_staff": "on", "is_superuser": "on",
        "date_joined_0": "2023-01-01", "date_joined_1": "00:00:00"})
    group = Group.objects.get(name="Struttura tecnica")
    group_change = client.post(f"/admin/auth/group/{group.pk}/change/", {"name": "Struttura tecnica"})
    assert (response.status_code, group_change.status_code) == (403, 403)
    assert not user("struttura").is_superuser


def test_nobody_is_oiv_and_holds_another_role_in_the_same_entity(bergamo):
    as_oiv = Membership(user=user("struttura"), entity=bergamo, role=Role.OIV)
    with pytest.raises(ValidationError) as refused:
        as_oiv.full_clean()
    assert "indipendente" in refused.value.message_dict["role"][0]
    also_staff = Membership(user=user("oiv"), entity=bergamo, role=Role.STRUTTURA_TECNICA)
    with pytest.raises(ValidationError) as refused:
        also_staff.full_clean()
    assert "OIV" in refused.value.message_dict["role"][0]


def test_the_oiv_rule_holds_on_every_write_path(bergamo):
    with pytest.raises(ValidationError):
        Membership.objects.create(user=user("dirigente"), entity=bergamo, role=Role.OIV)
    with pytest.raises(ValidationError):
        Membership.objects.bulk_create([Membership(user=user("oiv"), entity=bergamo, role=Role.DIRIGENTE)])
    with pytest.raises(ValidationError):  # resp.ri's service-head membership handed to the OIV member
        Membership.objects.filter(user__username="resp.ri").update(user=user("oiv"))
    assert set(Membership.objects.filter(user__username="resp.ri").values_list("role", flat=True)) == {
        Role.SERVICE_HEAD}
    assert not Membership.objects.filter(user__username__in=["dirigente", "oiv"], entity=bergamo).exclude(
        user__username="oiv", role=Role.OIV).exclude(user__username="dirigente", role=Role.DIRIGENTE).exists()


def test_the_oiv_rule_allows_oiv_in_one_entity_and_staff_in_another(bergamo, other_entity):
    Membership.objects.create(user=user("oiv"), entity=other_entity, role=Role.STRUTTURA_TECNICA)
    Membership(user=user("struttura"), entity=other_entity, role=Role.OIV).full_clean()


def test_the_admin_form_names_the_role_field_when_the_oiv_would_not_be_independent(bergamo):
    response = client_for("admin").post(ADD_URL, {"user": user("dirigente").pk, "entity": bergamo.pk,
                                                  "role": Role.OIV})
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "role" in errors and "indipendente" in errors["role"][0]
    assert not Membership.objects.filter(user__username="dirigente", role=Role.OIV).exists()


@pytest.fixture
def under_review(demo_cycle) -> Cycle:
    transition_cycle(demo_cycle, Cycle.State.UNDER_VALIDATION, acting_user=user("struttura"), note="Pronta")
    return demo_cycle


@pytest.mark.parametrize(("username", "extra_role"), [("struttura", Role.OIV), ("oiv", Role.STRUTTURA_TECNICA)])
def test_a_decision_by_an_oiv_member_holding_another_role_is_refused(under_review, username, extra_role):
    insert_membership(username, under_review.entity, extra_role)
    with pytest.raises(PermissionDenied) as refused:
        services.decide(under_review, acting_user=user(username), outcome="validated", members="Anna Valsecchi",
                        expected_snapshot_id=current_snapshot(under_review).pk)
    assert "indipendente" in str(refused.value)
    assert Cycle.objects.get(pk=under_review.pk).state == Cycle.State.UNDER_VALIDATION


def test_a_superuser_who_is_also_an_oiv_member_does_not_decide(under_review):
    insert_membership("admin", under_review.entity, Role.OIV)
    with pytest.raises(PermissionDenied):
        services.decide(under_review, acting_user=user("admin"), outcome="validated", members="x",
                        expected_snapshot_id=current_snapshot(under_review).pk)


def test_the_attack_through_the_decision_form_is_refused(under_review):
    """struttura holding an OIV membership (however it got there) posts the decision form."""
    insert_membership("struttura", under_review.entity, Role.OIV)
    client = client_for("struttura")
    workspace = client.get(f"/cicli/{under_review.pk}/validazione/")
    assert workspace.status_code == 200 and 'name="outcome"' not in workspace.content.decode()
    response = client.post(f"/cicli/{under_review.pk}/validazione/decisione/", {
        "outcome": "validated", "members": "Giulia Rota", "confirm": "1",
        "snapshot": current_snapshot(under_review).pk})
    assert response.status_code == 403
    # the refusal says why, in Italian, on the site's own page
    assert "componente indipendente dell&#x27;OIV" in response.content.decode()
    assert "Operazione non consentita" in response.content.decode()
    assert Cycle.objects.get(pk=under_review.pk).state == Cycle.State.UNDER_VALIDATION


def test_an_unknown_page_is_the_sites_italian_404(under_review):
    response = client_for("struttura").get("/cicli/999999/validazione/")
    assert response.status_code == 404
    assert "Pagina non trovata" in response.content.decode()


def test_the_independent_oiv_still_sees_the_decision_form(under_review):
    body = client_for("oiv").get(f"/cicli/{under_review.pk}/validazione/").content.decode()
    assert 'name="outcome"' in body
