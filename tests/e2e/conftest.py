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
from collections.abc import Iterator
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


def _e2e_database_url(name: str = "misura_e2e") -> str:
    base = os.environ["DATABASE_URL"]
    return base.rsplit("/", 1)[0] + "/" + name


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


def server_env(database: str = "misura_e2e", redis_url: str = "") -> dict[str, str]:
    """The environment of a browser tests' server, and of commands run against its database (REDIS_URL
    empty: Celery runs tasks in-process; uploaded and rendered files outside the working tree)."""
    return {**os.environ, "DATABASE_URL": _e2e_database_url(database), "DEBUG": "0", "SECURE_SSL_REDIRECT": "0",
            "REDIS_URL": redis_url, "ALLOWED_HOSTS": "127.0.0.1,localhost", "SECURE_COOKIES": "0",
            "MEDIA_ROOT": str(ARTIFACTS / f"media-{database}")}


def _serve(database: str, *, redis_url: str = "", worker: bool = True,
           extra_env: dict[str, str] | None = None) -> Iterator[str]:
    """gunicorn on a free port over a fresh database with the demo, and, given a Redis URL, a Celery
    worker taking the tasks the pages enqueue (without one they run eagerly in the web process).
    worker=False: the caller starts (and kills) its own workers (tests/drills/); extra_env: more settings."""
    url = _e2e_database_url(database)
    admin_url = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url.replace("postgres://", "postgresql://"), autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {database}")
    env = {**server_env(database, redis_url), **(extra_env or {})}
    shutil.rmtree(env["MEDIA_ROOT"], ignore_errors=True)
    python = sys.executable
    for command in (["migrate", "--noinput", "-v", "0"], ["load_demo", "--password", PASSWORD]):
        subprocess.run([python, "manage.py", *command], cwd=ROOT, env=env, check=True, capture_output=True)
    port = _free_port()
    gunicorn = shutil.which("gunicorn", path=str(Path(python).parent)) or "gunicorn"
    processes = [subprocess.Popen([gunicorn, "config.wsgi", "-w", "2", "-b", f"127.0.0.1:{port}", "--timeout", "120",
                                   "--log-level", "warning"], cwd=ROOT, env=env)]
    if redis_url and worker:
        processes.append(subprocess.Popen([python, "-m", "celery", "-A", "config", "worker", "--pool=prefork",
                                           "--concurrency=1", "--loglevel=WARNING", "--without-gossip",
                                           "--without-mingle", "--without-heartbeat"], cwd=ROOT, env=env))
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
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=20)


@pytest.fixture(scope="session")
def server() -> Iterator[str]:
    """The demo served with tasks run eagerly (what `make run` does without Redis)."""
    yield from _serve("misura_e2e")


@pytest.fixture(scope="session")
def server_with_worker() -> Iterator[str]:
    """The demo served as in production: tasks go through Redis (its own database number) to a Celery
    worker process, so renders and publication run outside the web request."""
    redis_url = os.environ["REDIS_URL"].rsplit("/", 1)[0] + "/3"
    yield from _serve("misura_e2e_cycle", redis_url=redis_url)


def log_in(page, base: str, username: str) -> None:
    page.goto(base + "/accesso/")
    page.get_by_label("Nome utente").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Accedi").click()
    page.wait_for_url(base + "/")


@pytest.fixture
def login(server):
    def as_user(page, username: str) -> None:
        log_in(page, server, username)

    return as_user
