"""The demo as `make run` serves it, on SQLite with eager Celery: no page answers 5xx, for anyone.

The only test that runs on SQLite on purpose. The suite runs on PostgreSQL (root conftest.py refuses
anything else for the pytest process) and Django cannot switch database once set up, so everything
happens in subprocesses with their own environment, the one of `make run` (Makefile): DATABASE_URL a
SQLite file, REDIS_URL empty (Celery eager), DEBUG=1, MEDIA_ROOT in a temporary folder. They run
`manage.py migrate`, `manage.py load_demo --password ...` and tests/smoke/crawl_demo.py, whose JSON
report the tests below read.

The crawl visits at most PER_PATTERN URLs per URL pattern and user (three indicator pages out of 163,
three scorecards out of 14...) and one of each admin page per model: every page kind, for every role,
at a bearable cost (the whole site, admin rows included, is thousands of pages and a quarter of an hour
here). The report says what was capped.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings

from performance.management.commands.load_demo import DEMO_USERS

PASSWORD = "smoke-demo-password-7"
PER_PATTERN = 3
#: variables of the test environment (scripts/test.sh) that `make run` does not set
NOT_IN_MAKE_RUN = ("DATABASE_URL", "REDIS_URL", "SECRET_KEY", "ALLOWED_HOSTS", "SECURE_SSL_REDIRECT",
                   "SECURE_COOKIES", "DJANGO_SETTINGS_MODULE", "MEDIA_ROOT")


def _run(args: list[str], env: dict[str, str], log: Path, timeout: int) -> float:
    """Run one step of `make run` in the demo's environment; its seconds."""
    started = time.monotonic()
    with log.open("w") as out:
        result = subprocess.run([sys.executable, *args], cwd=settings.BASE_DIR, env=env, stdout=out,
                                stderr=subprocess.STDOUT, timeout=timeout, check=False)
    if result.returncode != 0:
        tail = log.read_text(errors="replace")[-4000:]
        pytest.fail(f"{' '.join(args)} exited with {result.returncode}:\n{tail}")
    return time.monotonic() - started


def make_run_demo(root: Path, password: str) -> tuple[dict[str, str], dict[str, float]]:
    """A demo database in `root` as `make run` builds it (SQLite file, no Redis, DEBUG): the environment
    to run against it and the seconds migrate and load_demo took."""
    env = {k: v for k, v in os.environ.items() if k not in NOT_IN_MAKE_RUN}
    env.update(DATABASE_URL=f"sqlite:///{root / 'demo.sqlite3'}", REDIS_URL="", DEBUG="1",
               MEDIA_ROOT=str(root / "media"), DJANGO_SETTINGS_MODULE="config.settings")
    seconds = {"migrate": _run(["manage.py", "migrate", "--noinput"], env, root / "migrate.log", timeout=900),
               "load_demo": _run(["manage.py", "load_demo", "--password", password], env, root / "load_demo.log",
                                 timeout=900)}
    return env, seconds


@pytest.fixture(scope="module")
def demo_report(tmp_path_factory) -> dict:
    root = tmp_path_factory.mktemp("demo-sqlite")
    env, seconds = make_run_demo(root, PASSWORD)
    output = root / "report.json"
    seconds["crawl"] = _run(["-m", "tests.smoke.crawl_demo", "--password", PASSWORD, "--per-pattern", str(PER_PATTERN),
          "--output", str(output)], env, root / "crawl.log", timeout=1800)
    report = json.loads(output.read_text(encoding="utf-8"))
    summary = {user: (r["pages"], r["seconds"], r["capped_urls"]) for user, r in report["users"].items()}
    print(f"\ndemo on SQLite: {', '.join(f'{k} {v:.0f} s' for k, v in seconds.items())} (actions: draft "
          f"render {report['actions']['draft_edition'].get('render_seconds')} s); per user (pages, seconds, "
          f"capped URLs): {summary}", file=sys.stderr)
    return report


def test_the_demo_runs_as_make_run_serves_it(demo_report):
    assert (demo_report["database"], demo_report["celery_eager"], demo_report["debug"]) == ("sqlite", True, True)


def test_no_page_answers_5xx_for_any_demo_user_or_an_anonymous_visitor(demo_report):
    assert set(demo_report["users"]) == {"anonymous", *(row[0] for row in DEMO_USERS)}
    assert demo_report["errors"] == []


def test_each_role_reaches_its_pages(demo_report):
    users = demo_report["users"]
    # A visitor reaches the login page and the public ones; each demo user more than the home page.
    assert users["anonymous"]["statuses"].get("200", 0) >= 2
    for row in DEMO_USERS:
        assert users[row[0]]["statuses"].get("200", 0) >= 10, row[0]
    # The struttura tecnica and the admin see the whole cycle, plan administration included.
    assert users["struttura"]["patterns"] > users["resp.ri"]["patterns"]


def test_a_value_saved_on_a_scorecard_page(demo_report):
    assert demo_report["actions"]["save_value"]["ok"], demo_report["actions"]["save_value"]


def test_a_draft_edition_requested_rendered_eagerly_and_downloaded(demo_report):
    assert demo_report["actions"]["draft_edition"]["ok"], demo_report["actions"]["draft_edition"]


def test_sending_to_the_oiv_freezes_a_snapshot_whose_download_matches_its_hash(demo_report):
    assert demo_report["actions"]["send_to_oiv"]["ok"], demo_report["actions"]["send_to_oiv"]
