"""Drills: production's shape (gunicorn, PostgreSQL, Redis, Celery beat and a prefork worker) on a database of
their own ("misura_drill", the demo freshly loaded) and Redis database DRILL_REDIS_DB, with workers the drill
starts and kills with SIGKILL, process group and all, as an out-of-memory kill or a lost machine would.

HEARTBEAT_TIMEOUT is small here (DRILL_HEARTBEAT seconds) so that an interrupted render is noticed in
seconds; everything else is as deployed.
"""
from __future__ import annotations

import hashlib
import itertools
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.cookiejar import CookieJar
from pathlib import Path
from typing import Any, TypeVar

import psycopg
import pytest
import redis

from tests.e2e.conftest import ARTIFACTS, PASSWORD, ROOT, _e2e_database_url, _serve, server_env

DATABASE = "misura_drill"
DRILL_REDIS_DB = 7
DRILL_HEARTBEAT = "6"
T = TypeVar("T")
_worker_numbers = itertools.count(1)


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def group_members(pgid: int) -> list[int]:
    """Live (not zombie) processes of a process group, read from /proc."""
    members = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[0] != "Z" and int(fields[2]) == pgid:
            members.append(int(stat.parent.name))
    return members


class Client:
    """A logged-in user over HTTP, with the session and CSRF cookies of a browser."""

    def __init__(self, base: str, username: str) -> None:
        self.base = base
        self.jar = CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))
        self.get("/accesso/")
        status, _headers, body = self.post("/accesso/", {"username": username, "password": PASSWORD})
        assert status == 200 and any(c.name == "sessionid" for c in self.jar), f"{username} could not log in"

    def _open(self, request: urllib.request.Request) -> tuple[int, Any, bytes]:
        try:
            with self.opener.open(request, timeout=120) as response:
                return response.status, response.headers, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.headers, error.read()

    def get(self, path: str) -> tuple[int, Any, bytes]:
        return self._open(urllib.request.Request(self.base + path))

    def post(self, path: str, data: dict[str, str]) -> tuple[int, Any, bytes]:
        token = next(c.value for c in self.jar if c.name == "csrftoken")
        body = urllib.parse.urlencode({**data, "csrfmiddlewaretoken": token}).encode()
        return self._open(urllib.request.Request(self.base + path, data=body, headers={"Referer": self.base + path}))


@dataclass
class Drill:
    base: str
    env: dict[str, str]
    workers: list[subprocess.Popen] = field(default_factory=list)

    @property
    def media(self) -> Path:
        return Path(self.env["MEDIA_ROOT"])

    def sql(self, query: str, *params: Any) -> list[dict[str, Any]]:
        url = _e2e_database_url(DATABASE).replace("postgres://", "postgresql://")
        with psycopg.connect(url, autocommit=True) as conn:
            cursor = conn.execute(query, params)
            names = [c.name for c in cursor.description]
            return [dict(zip(names, row)) for row in cursor.fetchall()]

    def cycle_id(self) -> int:
        return self.sql("SELECT id FROM performance_cycle WHERE year = 2023")[0]["id"]

    def editions(self, variant: str) -> list[dict[str, Any]]:
        return self.sql("SELECT id, number, state, progress_done, progress_total, file, sha256, error, attempt "
                        "FROM reports_reportedition WHERE variant = %s ORDER BY number", variant)

    def manage(self, *args: str) -> str:
        result = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=self.env, capture_output=True,
                                text=True, timeout=300)
        assert result.returncode == 0, result.stdout + result.stderr
        return result.stdout

    def start_worker(self) -> subprocess.Popen:
        """A worker as deployed (prefork, one child), in a process group of its own so it can be killed whole."""
        n = next(_worker_numbers)
        log = (ARTIFACTS / f"drill-worker-{n}.log").open("w")
        worker = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=prefork", "--concurrency=1",
             "--loglevel=INFO", "--without-gossip", "--without-mingle", "--without-heartbeat", "-n", f"drill{n}@%h"],
            cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        self.workers.append(worker)
        return worker

    def kill(self, worker: subprocess.Popen) -> int:
        """SIGKILL the worker's whole process group (main process, prefork child, render pool): no handler
        runs, nothing is acknowledged or given back. Returns how many processes it had."""
        members = group_members(worker.pid)
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(timeout=30)
        self.wait_for(lambda: not group_members(worker.pid), 30, "the killed worker's processes did not all go")
        return len(members)

    def wait_for(self, predicate: Callable[[], T], seconds: float, message: str) -> T:
        deadline = time.monotonic() + seconds
        while True:
            value = predicate()
            if value:
                return value
            if time.monotonic() > deadline:
                logs = "".join(p.read_text()[-3000:] for p in sorted(ARTIFACTS.glob("drill-*.log")))
                pytest.fail(f"{message}\n{logs}")
            time.sleep(0.2)

    def stop(self) -> None:
        for worker in self.workers:
            if worker.poll() is None:
                os.killpg(worker.pid, signal.SIGTERM)
        for worker in self.workers:
            try:
                worker.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(worker.pid, signal.SIGKILL)
                worker.wait()


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Iterator[Drill]:
    """The site and its beat (kept running, as its own container would be), shared by the drills."""
    redis_url = os.environ["REDIS_URL"].rsplit("/", 1)[0] + f"/{DRILL_REDIS_DB}"
    redis.Redis.from_url(redis_url).flushdb()
    extra = {"HEARTBEAT_TIMEOUT": DRILL_HEARTBEAT, "RELAZIONE_RENDER_WORKERS": "2"}
    site = _serve(DATABASE, redis_url=redis_url, worker=False, extra_env=extra)
    base = next(site)
    env = {**server_env(DATABASE, redis_url), **extra}
    schedule = tmp_path_factory.mktemp("beat") / "schedule"
    beat = subprocess.Popen([sys.executable, "-m", "celery", "-A", "config", "beat", "-s", str(schedule),
                             "--loglevel=INFO"], cwd=ROOT, env=env, start_new_session=True,
                            stdout=(ARTIFACTS / "drill-beat.log").open("w"), stderr=subprocess.STDOUT)
    drill = Drill(base=base, env=env)
    try:
        yield drill
    finally:
        drill.stop()
        beat.terminate()
        beat.wait(timeout=30)
        site.close()
        redis.Redis.from_url(redis_url).flushdb()


def publication_files(drill: Drill) -> list[dict[str, Any]]:
    return drill.sql("SELECT p.number, p.results_csv, p.results_csv_sha256, p.results_json, p.results_json_sha256, "
                     "e.file AS edition_file, e.sha256 AS edition_sha256, e.state AS edition_state "
                     "FROM validation_publication p JOIN reports_reportedition e ON e.id = p.edition_id ORDER BY p.number")


def assert_no_half_publication(drill: Drill) -> int:
    """Every Publication row has its files with the recorded hashes, and no published file lies around
    without its row. Returns how many publications there are."""
    rows = publication_files(drill)
    named = set()
    for row in rows:
        assert row["edition_state"] == "done"
        for name, sha in ((row["results_csv"], row["results_csv_sha256"]), (row["results_json"], row["results_json_sha256"]),
                          (row["edition_file"], row["edition_sha256"])):
            assert name and sha256_of(drill.media / name) == sha, name
            named.add(name)
    folder = drill.media / "pubblicazioni"
    stray = {f"pubblicazioni/{p.name}" for p in folder.iterdir()} - named if folder.exists() else set()
    assert not stray, f"published files without their publication: {stray}"
    return len(rows)



@pytest.fixture
def drill(site: Drill) -> Iterator[Drill]:
    """The site with no worker yet; the workers the drill started are stopped after it."""
    yield site
    site.stop()
    site.workers.clear()
