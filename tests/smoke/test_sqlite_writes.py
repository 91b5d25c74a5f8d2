"""Writes on the demo's SQLite behave as on PostgreSQL (issue 15, items 6 and 9).

A SQLite exception like tests/smoke/test_demo_sqlite.py, and for the same reason: the pytest process
runs on PostgreSQL only, so `manage.py migrate`, `manage.py load_demo` and tests/smoke/sqlite_writes.py
run in a subprocess with the environment of `make run` (SQLite file, no REDIS_URL, DEBUG=1).

- A 15-digit value was stored on SQLite (PostgreSQL refused it with a 500) and then every page reading
  it answered 500: now it is refused with a 400 and nothing is stored.
- The losing one of two simultaneous saves got a 500 "database is locked": now, as on PostgreSQL, the
  second waits for the first and gets a 409 with the value just saved.
"""
from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

from tests.smoke.test_demo_sqlite import NOT_IN_MAKE_RUN, _run, make_run_demo

PASSWORD = "smoke-writes-password-7"


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> dict:
    root = tmp_path_factory.mktemp("sqlite-writes")
    env, _ = make_run_demo(root, PASSWORD)
    output = root / "report.json"
    _run(["-m", "tests.smoke.sqlite_writes", "--password", PASSWORD, "--output", str(output)], env,
         root / "writes.log", timeout=600)
    result = json.loads(output.read_text(encoding="utf-8"))
    print(f"\nSQLite writes: {json.dumps(result, ensure_ascii=False)[:2000]}", file=sys.stderr)
    return result


def test_runs_on_sqlite(report):
    assert report["database"] == "sqlite"


def test_a_huge_value_is_refused_on_sqlite_and_not_stored(report):
    huge = report["huge_number"]
    assert huge["status"] == 400, huge
    assert "troppo grande" in huge["body"]
    assert huge["stored"] != "999999999999999" and huge["version_after"] == huge["version_before"]
    assert all(status == 200 for status in huge["pages"].values()), huge["pages"]


def test_the_second_of_two_simultaneous_saves_gets_a_conflict_not_database_is_locked(report):
    saves = report["concurrent_saves"]
    assert saves["statuses"] == [200, 409], saves
    assert saves["version_after"] == saves["version_before"] + 1
    assert saves["stored"] in ("370", "380")


def test_the_demo_database_settings_wait_for_the_lock_and_take_it_at_the_start():
    """The settings behind the behaviour above, read as `make run` reads them."""
    import subprocess

    env = {k: v for k, v in os.environ.items() if k not in NOT_IN_MAKE_RUN}
    env.update(DATABASE_URL="sqlite:////tmp/not-opened.sqlite3", REDIS_URL="", DEBUG="1",
               DJANGO_SETTINGS_MODULE="config.settings")
    code = "import json; from django.conf import settings; print(json.dumps(settings.DATABASES['default']['OPTIONS']))"
    out = subprocess.run([sys.executable, "-c", f"import django; django.setup(); {code}"], env=env, check=True,
                         capture_output=True, text=True, cwd=Path(__file__).resolve().parents[2]).stdout
    options = json.loads(out)
    assert options["transaction_mode"] == "IMMEDIATE" and options["timeout"] >= 10
