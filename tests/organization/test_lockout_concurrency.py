"""The lock-out holds under simultaneous attempts (issue 15, item 16).

The failure count used to be read before the password check and written after it, so 15 wrong passwords
sent at once were all checked against a limit of 5. Each attempt now takes its place in the shared
counter (Redis: atomic incr) before any password is checked. Real Redis, real threads, real requests.
"""
from __future__ import annotations

import threading
import time

import pytest
from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.cache import cache
from django.db import connections
from django.test import Client

ATTEMPTS = 15
LOCKED = "Troppi tentativi di accesso non riusciti"


@pytest.fixture
def slow_counted_password_checks(monkeypatch) -> list[str]:
    """Every password check is recorded and takes 0.3 s, as a real hasher takes its time: without an
    atomic count, all attempts would be past the lock-out test before the first failure is counted."""
    checks: list[str] = []
    lock = threading.Lock()
    original = AbstractBaseUser.check_password

    def check_password(self, raw_password: str) -> bool:
        with lock:
            checks.append(self.get_username())
        time.sleep(0.3)
        return original(self, raw_password)

    monkeypatch.setattr(AbstractBaseUser, "check_password", check_password)
    return checks


def test_simultaneous_wrong_passwords_are_checked_at_most_up_to_the_limit(db, slow_counted_password_checks):
    # The demo users were committed when the session loaded the demo: the threads' own connections see them.
    assert "redis" in settings.CACHES["default"]["BACKEND"].lower()  # the shared cache of production
    cache.clear()
    start = threading.Barrier(ATTEMPTS)
    bodies: list[str] = []
    lock = threading.Lock()

    def attempt(n: int) -> None:
        try:
            client = Client()
            start.wait()
            response = client.post("/accesso/", {"username": "resp.ri", "password": f"sbagliata-{n}"},
                                   REMOTE_ADDR=f"10.0.1.{n}")
            with lock:
                bodies.append(response.content.decode())
        finally:
            connections.close_all()

    threads = [threading.Thread(target=attempt, args=(n,)) for n in range(ATTEMPTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert len(bodies) == ATTEMPTS
    assert len(slow_counted_password_checks) <= settings.LOGIN_FAILURE_LIMIT
    refused = [body for body in bodies if LOCKED in body]
    assert len(refused) >= ATTEMPTS - settings.LOGIN_FAILURE_LIMIT
    # And the lock is on afterwards: even the right password is not checked.
    response = Client().post("/accesso/", {"username": "resp.ri", "password": "test-password-123"},
                             REMOTE_ADDR="10.0.2.1")
    assert LOCKED in response.content.decode() and "_auth_user_id" not in response.client.session
    assert len(slow_counted_password_checks) <= settings.LOGIN_FAILURE_LIMIT
