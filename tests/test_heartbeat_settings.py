"""HEARTBEAT_TIMEOUT fails loudly like the other settings: zero would take every render as interrupted."""
import secrets

import pytest

from tests.test_settings import _manage


@pytest.mark.parametrize("value", ["0", "-5", "sessanta", "1.5"])
def test_a_bad_heartbeat_timeout_stops_the_start_up(value):
    result = _manage("check", DEBUG="0", SECRET_KEY=secrets.token_urlsafe(64), ALLOWED_HOSTS="misura.example.org",
                     HEARTBEAT_TIMEOUT=value)
    assert result.returncode != 0 and "HEARTBEAT_TIMEOUT" in result.stderr


def test_the_recovery_tasks_run_as_often_as_the_heartbeat_timeout(settings):
    schedule = settings.CELERY_BEAT_SCHEDULE
    for name in ("recover-interrupted-editions", "recover-interrupted-recomputes"):
        assert schedule[name]["schedule"] == float(settings.HEARTBEAT_TIMEOUT)
    assert settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"] > 10 * settings.HEARTBEAT_TIMEOUT
