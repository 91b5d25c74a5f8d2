"""Login lock-out, password change, logout and API tokens."""
from __future__ import annotations

import logging
import os
import secrets
import subprocess
import sys
from io import StringIO

import pytest
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.management import CommandError, call_command
from django.shortcuts import resolve_url
from django.test import Client, RequestFactory
from rest_framework.authtoken.models import Token

from organization import auth

PASSWORD = "Giusta-Password-2023"
LOCKED_15 = "Troppi tentativi di accesso non riusciti. Riprovare tra 15 minuti."


@pytest.fixture(autouse=True)
def clean_cache_and_fast_hashing(settings):
    """Counters must not leak between tests; MD5 keeps the many password checks of this module quick."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def clock(monkeypatch):
    """A clock the test moves forward instead of sleeping through the lock-out window."""

    class FakeClock:
        now = 1_700_000_000.0

        def __call__(self) -> float:
            return self.now

        def advance(self, minutes: float) -> None:
            self.now += minutes * 60

    fake = FakeClock()
    monkeypatch.setattr(auth, "clock", fake)
    return fake


@pytest.fixture
def user(db):
    return get_user_model().objects.create_user("mario.rossi", password=PASSWORD)


def log_in(client: Client, username: str, password: str, ip: str = "10.0.0.1", url: str = "/accesso/"):
    return client.post(url, {"username": username, "password": password}, REMOTE_ADDR=ip)


def fail(client: Client, username: str, times: int, ip: str = "10.0.0.1") -> None:
    for _ in range(times):
        response = log_in(client, username, "sbagliata", ip=ip)
        assert response.status_code == 200 and response.context["form"].errors


def login_error(response) -> list[str]:
    return response.context["form"].non_field_errors()


def is_logged_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


# --- lock-out ---------------------------------------------------------------------------------------

def test_right_password_is_refused_after_the_failure_limit_without_being_checked(client, user, monkeypatch):
    fail(client, "mario.rossi", 5)

    def must_not_run(*args, **kwargs):
        raise AssertionError("the password was checked during a lock-out")

    monkeypatch.setattr("django.contrib.auth.forms.authenticate", must_not_run)
    response = log_in(client, "mario.rossi", PASSWORD)
    assert response.status_code == 200
    assert login_error(response) == [LOCKED_15]
    assert response.context["form"].errors.as_data()["__all__"][0].code == "locked_out"
    assert not is_logged_in(client)


def test_one_failure_short_of_the_limit_still_lets_the_owner_in(client, user):
    fail(client, "mario.rossi", 4)
    response = log_in(client, "mario.rossi", PASSWORD)
    assert response.status_code == 302 and is_logged_in(client)


def test_username_counter_ignores_letter_case(client, user):
    for spelling in ["Mario.Rossi", "MARIO.ROSSI", "mario.ROSSI", "mArIo.rossi", "mario.rossi"]:
        fail(client, spelling, 1)
    assert login_error(log_in(client, "mario.rossi", PASSWORD)) == [LOCKED_15]


def test_unknown_usernames_are_locked_too_so_the_lock_tells_nothing_about_accounts(client, db):
    fail(client, "nessuno", 5)
    assert login_error(log_in(client, "nessuno", "qualsiasi")) == [LOCKED_15]


def test_message_counts_down_the_minutes_left(client, user, clock):
    fail(client, "mario.rossi", 5)
    clock.advance(10.5)
    assert login_error(log_in(client, "mario.rossi", PASSWORD)) == [
        "Troppi tentativi di accesso non riusciti. Riprovare tra 5 minuti."]
    clock.advance(4)
    assert login_error(log_in(client, "mario.rossi", PASSWORD)) == [
        "Troppi tentativi di accesso non riusciti. Riprovare tra 1 minuto."]


def test_lock_ends_when_the_window_is_over(client, user, clock):
    fail(client, "mario.rossi", 5)
    clock.advance(15)
    response = log_in(client, "mario.rossi", PASSWORD)
    assert response.status_code == 302 and is_logged_in(client)


def test_lock_ends_at_once_when_the_window_is_set_to_zero(client, user, settings):
    fail(client, "mario.rossi", 5)
    settings.LOGIN_LOCKOUT_MINUTES = 0
    assert log_in(client, "mario.rossi", PASSWORD).status_code == 302


def test_failures_older_than_the_window_do_not_count_towards_a_new_lock(client, user, clock):
    fail(client, "mario.rossi", 4)
    clock.advance(16)
    fail(client, "mario.rossi", 4)
    assert log_in(client, "mario.rossi", PASSWORD).status_code == 302


def test_limits_follow_the_settings(client, user, settings):
    settings.LOGIN_FAILURE_LIMIT = 2
    settings.LOGIN_LOCKOUT_MINUTES = 30
    fail(client, "mario.rossi", 2)
    assert login_error(log_in(client, "mario.rossi", PASSWORD)) == [
        "Troppi tentativi di accesso non riusciti. Riprovare tra 30 minuti."]


def test_successful_login_clears_the_username_counter(client, user):
    fail(client, "mario.rossi", 4)
    assert log_in(client, "mario.rossi", PASSWORD).status_code == 302
    client.logout()
    fail(client, "mario.rossi", 4)
    assert log_in(client, "mario.rossi", PASSWORD).status_code == 302


def test_one_address_cannot_spray_many_usernames(client, user, settings):
    settings.LOGIN_FAILURE_LIMIT = 2
    settings.LOGIN_IP_FAILURE_LIMIT = 3
    for username in ["anna", "bruno", "carla"]:  # one failure each: no username reaches its limit
        fail(client, username, 1, ip="10.0.0.66")
    response = log_in(client, "mario.rossi", PASSWORD, ip="10.0.0.66")
    assert login_error(response) == [LOCKED_15] and not is_logged_in(client)
    assert log_in(client, "mario.rossi", PASSWORD, ip="10.0.0.7").status_code == 302


def test_successful_login_does_not_clear_the_address_counter(client, user, settings):
    settings.LOGIN_IP_FAILURE_LIMIT = 3
    fail(client, "anna", 2, ip="10.0.0.66")
    assert log_in(client, "mario.rossi", PASSWORD, ip="10.0.0.66").status_code == 302
    client.logout()
    fail(client, "bruno", 1, ip="10.0.0.66")
    assert login_error(log_in(client, "mario.rossi", PASSWORD, ip="10.0.0.66")) == [LOCKED_15]


def test_admin_login_page_is_locked_out_as_well(client, db):
    get_user_model().objects.create_user("staff.user", password=PASSWORD, is_staff=True)
    fail(client, "staff.user", 5)
    response = log_in(client, "staff.user", PASSWORD, url="/admin/login/")
    assert login_error(response) == [LOCKED_15] and not is_logged_in(client)


def test_right_password_refused_for_another_reason_is_not_counted_as_a_failure(client, user):
    for _ in range(6):  # mario.rossi is not staff: the admin refuses him, but he knows his password
        response = log_in(client, "mario.rossi", PASSWORD, url="/admin/login/")
        assert response.context["form"].errors.as_data()["__all__"][0].code == "invalid_login"
    assert log_in(client, "mario.rossi", PASSWORD).status_code == 302


def test_lock_out_is_logged_without_the_password(client, user, caplog):
    with caplog.at_level(logging.WARNING, logger="misura.security"):
        fail(client, "mario.rossi", 5)
        log_in(client, "mario.rossi", PASSWORD)
    messages = [record.getMessage() for record in caplog.records if record.name == "misura.security"]
    assert any("locked out after 5 failures" in message and "mario.rossi" in message for message in messages)
    assert any("refused while locked out" in message for message in messages)
    assert not any(PASSWORD in message or "sbagliata" in message for message in messages)


def test_client_address_comes_from_the_proxy_header_only_when_trusted(settings):
    request = RequestFactory().get("/", REMOTE_ADDR="10.9.9.9", HTTP_X_FORWARDED_FOR="1.1.1.1, 203.0.113.5")
    assert auth.client_ip(request) == "10.9.9.9"
    settings.LOGIN_TRUST_X_FORWARDED_FOR = True
    assert auth.client_ip(request) == "203.0.113.5"  # the entry the proxy appended, not the forgeable first


@pytest.mark.parametrize("name, value", [("LOGIN_FAILURE_LIMIT", "0"), ("LOGIN_LOCKOUT_MINUTES", "quindici")])
def test_bad_lock_out_settings_stop_the_start_up(name, value):
    environment = {**os.environ, "SECRET_KEY": secrets.token_urlsafe(64), name: value}
    result = subprocess.run([sys.executable, "manage.py", "check"], cwd=django_settings.BASE_DIR, env=environment,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode != 0 and name in result.stderr


# --- login, logout and password change ----------------------------------------------------------------

def test_login_url_is_accesso_and_logged_in_users_skip_the_login_page(client, user):
    assert resolve_url(django_settings.LOGIN_URL) == "/accesso/"
    client.force_login(user)
    response = client.get("/accesso/")
    assert response.status_code == 302 and response["Location"] == "/"


def test_logout_by_get_is_refused(client, user):
    client.force_login(user)
    assert client.get("/uscita/").status_code == 405
    assert is_logged_in(client)


def test_logout_by_post_ends_the_session_and_goes_to_the_login_page(client, user):
    client.force_login(user)
    response = client.post("/uscita/")
    assert response.status_code == 302 and response["Location"] == "/accesso/"
    assert not is_logged_in(client)


def test_password_change_needs_login(client, db):
    for url in ["/password/", "/password/fatto/"]:
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/accesso/?next=")


def test_password_change_page_is_italian_and_labelled(client, user):
    client.force_login(user)
    body = client.get("/password/").content.decode()
    for name in ["old_password", "new_password1", "new_password2"]:
        assert f'<label for="id_{name}">' in body and f'id="id_{name}"' in body
    assert 'class="form-control' in body and 'class="btn btn-primary"' in body
    assert "Cambio password" in body


def test_password_change_with_the_right_old_password(client, user):
    client.force_login(user)
    response = client.post("/password/", {"old_password": PASSWORD, "new_password1": "Nuova-Chiave-Sicura-24",
                                           "new_password2": "Nuova-Chiave-Sicura-24"})
    assert response.status_code == 302 and response["Location"] == "/password/fatto/"
    assert is_logged_in(client)  # the session survives its own password change
    assert "Password cambiata" in client.get("/password/fatto/").content.decode()
    user.refresh_from_db()
    assert user.check_password("Nuova-Chiave-Sicura-24")


def test_wrong_old_password_gives_an_error_on_that_field(client, user):
    client.force_login(user)
    response = client.post("/password/", {"old_password": "non-questa", "new_password1": "Nuova-Chiave-Sicura-24",
                                          "new_password2": "Nuova-Chiave-Sicura-24"})
    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["old_password"]
    body = response.content.decode()
    assert 'class="alert alert-danger"' in body
    assert 'id="id_old_password_errors"' in body and 'aria-describedby="id_old_password_errors"' in body
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_weak_new_password_is_refused_by_the_validators(client, user):
    client.force_login(user)
    response = client.post("/password/", {"old_password": PASSWORD, "new_password1": "12345678",
                                          "new_password2": "12345678"})
    assert response.status_code == 200 and "new_password2" in response.context["form"].errors


# --- API tokens ---------------------------------------------------------------------------------------

def api_token(*args: str) -> str:
    out = StringIO()
    call_command("api_token", *args, stdout=out, stderr=StringIO())
    return out.getvalue().strip()


def test_token_from_the_command_reads_the_api(client, db):
    key = api_token("oiv")
    response = client.get("/api/v1/cycles/", headers={"Authorization": f"Token {key}"})
    assert response.status_code == 200 and response.json()["count"] > 0


def test_bad_token_gets_401(client, db):
    response = client.get("/api/v1/cycles/", headers={"Authorization": "Token " + "0" * 40})
    assert response.status_code == 401 and response["WWW-Authenticate"] == "Token"


def test_api_token_command_creates_once_and_rotates(client, db):
    first = api_token("oiv")
    assert len(first) == 40 and api_token("oiv") == first
    rotated = api_token("oiv", "--rotate")
    assert rotated != first and Token.objects.get(user__username="oiv").key == rotated
    assert client.get("/api/v1/cycles/", headers={"Authorization": f"Token {first}"}).status_code == 401


def test_api_token_command_refuses_unknown_and_inactive_users(db):
    with pytest.raises(CommandError, match="inesistente"):
        api_token("nessuno")
    get_user_model().objects.create_user("in.pensione", is_active=False)
    with pytest.raises(CommandError, match="disattivato"):
        api_token("in.pensione")


def test_schema_lists_the_token_security_scheme(client, db):
    client.force_login(get_user_model().objects.get(username="struttura"))
    schema = client.get("/api/schema/?format=json").json()
    assert schema["components"]["securitySchemes"]["tokenAuth"]["name"] == "Authorization"
    assert {"tokenAuth": []} in schema["paths"]["/api/v1/cycles/"]["get"]["security"]
