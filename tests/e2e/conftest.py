"""Browser tests: Debian's chromium driven by Playwright against the app served by gunicorn.

The server runs on its own database (the demo freshly loaded), so what the browser changes never
touches the database the rest of the suite shares; nothing is downloaded (executable_path).
"""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import psycopg
import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
PASSWORD = "e2e-Password-2023"
ARTIFACTS = Path(os.environ.get("E2E_ARTIFACTS", "/tmp/misura-e2e"))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _e2e_database_url() -> str:
    base = os.environ["DATABASE_URL"]
    return base.rsplit("/", 1)[0] + "/misura_e2e"


@pytest.fixture(scope="session")
def browser_type_launch_args():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} missing: make test installs Debian's chromium")
    return {"executable_path": CHROMIUM, "headless": True,
            "args": ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                     "--no-first-run", "--disable-sync"]}


@pytest.fixture(scope="session")
def browser_context_args():
    return {"locale": "it-IT", "viewport": {"width": 1280, "height": 900}}


def server_env() -> dict[str, str]:
    """The environment of the browser tests' server, and of commands run against its database (REDIS_URL
    empty: Celery runs tasks in-process; uploaded and rendered files outside the working tree)."""
    return {**os.environ, "DATABASE_URL": _e2e_database_url(), "DEBUG": "0", "SECURE_SSL_REDIRECT": "0",
            "REDIS_URL": "", "ALLOWED_HOSTS": "127.0.0.1,localhost", "SECURE_COOKIES": "0",
            "MEDIA_ROOT": str(ARTIFACTS / "media")}


@pytest.fixture(scope="session")
def server() -> str:
    """gunicorn on a free port over a fresh database with the demo: the URL to browse."""
    url = _e2e_database_url()
    admin_url = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url.replace("postgres://", "postgresql://"), autocommit=True) as conn:
        conn.execute("DROP DATABASE IF EXISTS misura_e2e WITH (FORCE)")
        conn.execute("CREATE DATABASE misura_e2e")
    env = server_env()
    python = sys.executable
    for command in (["migrate", "--noinput", "-v", "0"], ["load_demo", "--password", PASSWORD]):
        subprocess.run([python, "manage.py", *command], cwd=ROOT, env=env, check=True, capture_output=True)
    port = _free_port()
    gunicorn = shutil.which("gunicorn", path=str(Path(python).parent)) or "gunicorn"
    process = subprocess.Popen([gunicorn, "config.wsgi", "-w", "2", "-b", f"127.0.0.1:{port}", "--log-level", "warning"],
                               cwd=ROOT, env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/accesso/", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        else:
            raise RuntimeError("gunicorn did not start")
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def login(server):
    def as_user(page, username: str) -> None:
        page.goto(server + "/accesso/")
        page.get_by_label("Nome utente").fill(username)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Accedi").click()
        page.wait_for_url(server + "/")

    return as_user
