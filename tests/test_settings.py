import os
import secrets
import subprocess
import sys

from django.conf import settings


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if k not in ("DEBUG", "SECRET_KEY", "ALLOWED_HOSTS",
                                                                      "SECURE_SSL_REDIRECT")}
    environment.update(env)
    return subprocess.run([sys.executable, "manage.py", *args], cwd=settings.BASE_DIR, env=environment,
                          capture_output=True, text=True, timeout=120)


def test_production_settings_pass_check_deploy():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", DEBUG="0",
                     SECRET_KEY=secrets.token_urlsafe(64), ALLOWED_HOSTS="misura.example.org")
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_refuses_to_start_without_a_secret_key():
    result = _manage("check", DEBUG="0", ALLOWED_HOSTS="misura.example.org")
    assert result.returncode != 0 and "SECRET_KEY" in result.stderr


def test_bad_boolean_in_environment_fails_loudly():
    result = _manage("check", DEBUG="forse", SECRET_KEY=secrets.token_urlsafe(64))
    assert result.returncode != 0
