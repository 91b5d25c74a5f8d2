"""The session user lookup (organization.backends.MisuraBackend) behaves as Django's ModelBackend."""
from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone

from organization.backends import MisuraBackend

pytestmark = pytest.mark.django_db


@pytest.fixture
def user():
    user = get_user_model().objects.create_user("mario.rossi", password="Una-Password-Lunga-1", is_staff=True,
                                                first_name="Mario", last_login=timezone.now())
    return get_user_model().objects.get(pk=user.pk)


def test_session_user_has_every_field_as_the_orm_loads_it(user):
    loaded = MisuraBackend().get_user(str(user.pk))
    for field in get_user_model()._meta.concrete_fields:
        ours, orm = getattr(loaded, field.attname), getattr(user, field.attname)
        assert (ours, type(ours)) == (orm, type(orm)), field.name
    assert loaded._state.adding is False and loaded._state.db == "default"


def test_missing_inactive_or_malformed_ids_give_no_user(user):
    backend = MisuraBackend()
    assert backend.get_user(str(user.pk + 1000)) is None
    assert backend.get_user("not-a-number") is None
    user.is_active = False
    user.save(update_fields=["is_active"])
    assert backend.get_user(str(user.pk)) is None


def test_a_password_change_elsewhere_logs_the_old_session_out(user):
    client = Client()
    client.force_login(user)
    assert client.get("/").status_code == 200
    user.set_password("Un-Altra-Password-2")
    user.save()
    assert client.get("/").status_code == 302
