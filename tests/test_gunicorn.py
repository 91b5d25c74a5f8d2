"""The production server refuses several worker processes without a shared cache (issue 15, item 10).

gunicorn runs as a real subprocess with the image's configuration file, on a free local port, with the
production settings (DEBUG off) and no REDIS_URL: per-process caches would serve stale scorecards after a
save and multiply the login lock-out's attempts by the number of workers."""
from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings

GUNICORN = Path(sys.executable).with_name("gunicorn")
CONF = Path(settings.BASE_DIR) / "config" / "gunicorn.conf.py"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def production_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DJANGO_SETTINGS_MODULE")}
    env.update(DEBUG="0", SECRET_KEY=secrets.token_urlsafe(60), ALLOWED_HOSTS="127.0.0.1",
               DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}", **extra)
    return env


def gunicorn(workers: int, port: int, env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(
        [str(GUNICORN), "-c", str(CONF), "config.wsgi:application", "--bind", f"127.0.0.1:{port}",
         "--workers", str(workers)],
        cwd=settings.BASE_DIR, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def test_two_workers_without_redis_refuse_to_start_saying_why(tmp_path):
    process = gunicorn(2, free_port(), production_env(tmp_path))
    try:
        output, _ = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode != 0
    assert "Avvio rifiutato: 2 processi gunicorn senza una cache condivisa" in output
    assert "Set REDIS_URL or run with --workers 1" in output
    assert "Booting worker" not in output


def test_workers_from_web_concurrency_are_refused_too(tmp_path):
    port = free_port()
    env = production_env(tmp_path, WEB_CONCURRENCY="3")
    process = subprocess.Popen([str(GUNICORN), "-c", str(CONF), "config.wsgi:application", "--bind",
                                f"127.0.0.1:{port}"], cwd=settings.BASE_DIR, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
    try:
        output, _ = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode != 0 and "3 processi gunicorn" in output


@pytest.mark.parametrize("redis", [False, True], ids=["one-worker-no-redis", "two-workers-with-redis"])
def test_one_worker_without_redis_or_several_with_redis_start_and_answer(tmp_path, redis):
    port = free_port()
    extra = {"REDIS_URL": settings.REDIS_URL} if redis else {}
    assert not redis or settings.REDIS_URL, "the tests run with a real Redis"
    process = gunicorn(2 if redis else 1, port, production_env(tmp_path, **extra))
    try:
        deadline = time.monotonic() + 60
        status = None
        while time.monotonic() < deadline and process.poll() is None:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1) as conn:
                    # /salute/ answers without the database's tables; https as behind the proxy.
                    conn.sendall(b"GET /salute/ HTTP/1.0\r\nHost: 127.0.0.1\r\nX-Forwarded-Proto: https\r\n\r\n")
                    status = conn.recv(64).decode(errors="replace")
                    break
            except OSError:
                time.sleep(0.3)
        assert process.poll() is None, process.communicate()[0]
        assert status and status.startswith("HTTP/1."), status
    finally:
        process.terminate()
        output, _ = process.communicate(timeout=30)
    assert "Avvio rifiutato" not in output
