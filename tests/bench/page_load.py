"""scorecard_page_32c: the scorecard page under gunicorn with 32 concurrent clients (wrk).

DESIGN.md: p95 ≤ 50 ms at 32 concurrent clients under gunicorn on PostgreSQL, and (here) at least half the
throughput of a minimal view that reads one row (/salute/, config/health.py) measured the same way.

The demo is loaded into the bench database if it is missing; the demo service head `resp.ri` is logged
in by writing a session directly (no HTTP login: the lock-out counters stay untouched) and opens the
scorecard with the most indicators among those she may see. gunicorn (4 sync workers) is started on a
free port of 127.0.0.1 with this process's environment and stopped at the end. All traffic stays on
127.0.0.1. Any non-2xx response, or a page that is not the scorecard before the load, fails the bench.

Environment: BENCH_LOAD_SECONDS (10) per URL, BENCH_WARMUP_SECONDS (2), BENCH_CLIENTS (32),
BENCH_GUNICORN_WORKERS (4), BENCH_WRK_THREADS (1: on a small machine wrk's threads take CPU from the server).
"""
from __future__ import annotations

import io
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from http.cookies import SimpleCookie
from pathlib import Path

USERNAME = "resp.ri"
ENTITY_CODE = "cciaa-bergamo"
HOST = "127.0.0.1"

# wrk keeps its counters per thread (one Lua state each); done() adds them up through the thread objects.
WRK_SCRIPT = r"""
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  non2xx = 0
end

function response(status, headers, body)
  if status < 200 or status > 299 then
    non2xx = non2xx + 1
  end
end

function done(summary, latency, requests)
  local non2xx_total = 0
  for _, thread in ipairs(threads) do
    non2xx_total = non2xx_total + (thread:get("non2xx") or 0)
  end
  local e = summary.errors
  io.write(string.format(
    "BENCH_RESULT requests=%d duration_us=%d bytes=%d p50_us=%d p95_us=%d p99_us=%d max_us=%d " ..
    "non2xx=%d connect=%d read=%d write=%d status=%d timeout=%d\n",
    summary.requests, summary.duration, summary.bytes, latency:percentile(50), latency:percentile(95),
    latency:percentile(99), latency.max, non2xx_total, e.connect, e.read, e.write, e.status, e.timeout))
end
"""


class BenchFailed(RuntimeError):
    pass


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def _ensure_demo() -> None:
    from django.core.management import call_command

    from organization.models import Entity

    if not Entity.objects.filter(code=ENTITY_CODE).exists():
        call_command("load_demo", stdout=io.StringIO())  # stdout carries only the JSON lines


def _pick_scorecard(user):
    """The scorecard the user may open with the most indicators (ties: by code)."""
    from django.db.models import Count

    from organization.access import scope_for
    from performance.models import Cycle, Scorecard

    cycle = Cycle.objects.filter(entity__code=ENTITY_CODE).order_by("-year").first()
    if cycle is None:
        raise BenchFailed(f"no cycle for {ENTITY_CODE} after load_demo")
    scope = scope_for(user, cycle.entity)
    cards = (Scorecard.objects.filter(cycle=cycle).annotate(n=Count("assignments")).order_by("-n", "code"))
    for card in cards:
        if scope.can_view(card.unit_id, card.holder_id) and card.n:
            return card
    raise BenchFailed(f"{user.username} can open no scorecard with indicators in {cycle}")


def _session_for(user) -> str:
    """A logged-in session, as django.contrib.auth.login() would leave it."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from importlib import import_module

    session = import_module(settings.SESSION_ENGINE).SessionStore()
    session[SESSION_KEY] = user._meta.pk.value_to_string(user)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return session.session_key


def _server_env() -> dict[str, str]:
    from django.conf import settings

    env = dict(os.environ)
    hosts = [h for h in env.get("ALLOWED_HOSTS", "").split(",") if h]
    if HOST not in hosts:
        hosts.append(HOST)
    # Production settings over plain http on 127.0.0.1 (as behind a TLS proxy): no redirect to https.
    # The session was signed with this process's key, so the server must have the same one.
    env.update({"DJANGO_SETTINGS_MODULE": "config.settings", "DEBUG": "0", "SECRET_KEY": settings.SECRET_KEY,
                "ALLOWED_HOSTS": ",".join(hosts), "SECURE_SSL_REDIRECT": "0"})
    return env


def _gunicorn() -> str:
    local = Path(sys.executable).with_name("gunicorn")
    found = str(local) if local.exists() else shutil.which("gunicorn")
    if not found:
        raise BenchFailed("gunicorn not found next to the interpreter or on PATH")
    return found


def _get(url: str, cookie: str = "", timeout: float = 10.0):
    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(request, timeout=timeout) as response:
            return response.status, response.headers, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers, exc.read().decode("utf-8", "replace")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a redirect (to the login page, to https) is an answer to report, not to follow


def _wait_ready(server: subprocess.Popen, url: str, log: Path, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    last = ""
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise BenchFailed(f"gunicorn exited with {server.returncode}:\n{_tail(log)}")
        try:
            status, _headers, body = _get(url, timeout=2)
            if status == 200:
                return
            last = f"{status} {body[:200]}"
        except OSError as exc:
            last = str(exc)
        time.sleep(0.2)
    raise BenchFailed(f"{url} not ready after {timeout:.0f} s ({last}):\n{_tail(log)}")


def _tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def _wrk(url: str, *, clients: int, seconds: float, threads: int, cookie: str, script: Path) -> dict:
    command = ["wrk", "-t", str(min(threads, clients)), "-c", str(clients), "-d", f"{max(1, round(seconds))}s",
               "--timeout", "10s", "-s", str(script), "-H", "Accept: text/html,*/*"]
    if cookie:
        command += ["-H", f"Cookie: {cookie}"]
    run = subprocess.run([*command, url], capture_output=True, text=True, timeout=seconds + 60)
    match = re.search(r"^BENCH_RESULT (.*)$", run.stdout, re.MULTILINE)
    if run.returncode != 0 or not match:
        raise BenchFailed(f"wrk failed ({run.returncode}) on {url}:\n{run.stdout}\n{run.stderr}")
    result = {key: int(value) for key, value in (pair.split("=") for pair in match.group(1).split())}
    errors = {k: result[k] for k in ("non2xx", "connect", "read", "write", "status", "timeout") if result[k]}
    if errors:
        raise BenchFailed(f"{url}: {errors} in {result['requests']} requests")
    if not result["requests"]:
        raise BenchFailed(f"{url}: no request completed")
    result["rps"] = result["requests"] / (result["duration_us"] / 1e6)
    return result


def _check_page(url: str, cookie: str, scorecard) -> str:
    """The page answers 200 with the scorecard and its indicators; returns the csrftoken cookie it set."""
    from django.utils.html import escape

    codes = list(scorecard.indicators.values_list("code", flat=True))
    status, headers, body = _get(url, cookie)
    if status != 200:
        raise BenchFailed(f"{url} answered {status} (Location: {headers.get('Location')}) before the load")
    missing = [code for code in codes if escape(code) not in body]
    if missing or escape(scorecard.title) not in body:
        raise BenchFailed(f"{url} is not the scorecard {scorecard.code}: title or indicators {missing[:5]} missing")
    cookies = SimpleCookie()
    for header in headers.get_all("Set-Cookie") or []:
        cookies.load(header)
    return cookies["csrftoken"].value if "csrftoken" in cookies else ""


def bench_scorecard_page_32c() -> dict:
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.contrib.sessions.models import Session
    from django.db import connection

    if shutil.which("wrk") is None:
        raise BenchFailed("wrk is not installed (apt-get install wrk; scripts/test.sh --bench installs it)")
    seconds = float(os.environ.get("BENCH_LOAD_SECONDS", 10))
    warmup = float(os.environ.get("BENCH_WARMUP_SECONDS", 2))
    clients = int(os.environ.get("BENCH_CLIENTS", 32))
    workers = int(os.environ.get("BENCH_GUNICORN_WORKERS", 4))
    threads = int(os.environ.get("BENCH_WRK_THREADS", 1))

    _ensure_demo()
    user = get_user_model().objects.get(username=USERNAME)
    scorecard = _pick_scorecard(user)
    session_key = _session_for(user)
    connection.close()  # the server's workers get the database to themselves

    port = _free_port()
    base = f"http://{HOST}:{port}"
    path = f"/cicli/{scorecard.cycle_id}/schede/{scorecard.code}/"
    page_url, health_url = base + path, base + "/salute/"
    with tempfile.TemporaryDirectory(prefix="bench-page-") as tmp:
        log, script = Path(tmp) / "gunicorn.log", Path(tmp) / "report.lua"
        script.write_text(WRK_SCRIPT)
        with log.open("wb") as log_file:
            server = subprocess.Popen(
                [_gunicorn(), "config.wsgi", "-w", str(workers), "-k", "sync", "-b", f"{HOST}:{port}",
                 "--error-logfile", "-", "--log-level", "warning"],
                cwd=settings.BASE_DIR, env=_server_env(), stdout=log_file, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL, start_new_session=True)
        try:
            _wait_ready(server, health_url, log)
            cookie = f"{settings.SESSION_COOKIE_NAME}={session_key}"
            csrf = _check_page(page_url, cookie, scorecard)
            if csrf:  # a browser sends back the CSRF cookie the page gave it
                cookie += f"; {settings.CSRF_COOKIE_NAME}={csrf}"
            load = {"clients": clients, "threads": threads, "script": script}
            if warmup > 0:  # every worker imports, connects and fills its caches before the measure
                _wrk(page_url, seconds=warmup, cookie=cookie, **load)
                _wrk(health_url, seconds=warmup, cookie="", **load)
            page = _wrk(page_url, seconds=seconds, cookie=cookie, **load)
            baseline = _wrk(health_url, seconds=seconds, cookie="", **load)
            if server.poll() is not None:
                raise BenchFailed(f"gunicorn exited during the load:\n{_tail(log)}")
        finally:
            server.terminate()
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
            Session.objects.filter(session_key=session_key).delete()

    return {"bench": "scorecard_page_32c", "p95_ms": round(page["p95_us"] / 1000, 1), "rps": round(page["rps"], 1),
            "baseline": "salute_one_row", "baseline_rps": round(baseline["rps"], 1),
            "ratio": round(page["rps"] / baseline["rps"], 3), "baseline_p95_ms": round(baseline["p95_us"] / 1000, 1),
            "p50_ms": round(page["p50_us"] / 1000, 1), "p99_ms": round(page["p99_us"] / 1000, 1),
            "requests": page["requests"], "baseline_requests": baseline["requests"], "clients": clients,
            "seconds": seconds, "workers": workers, "url": path, "user": USERNAME,
            "indicators": scorecard.n, "database": connection.vendor, "target_p95_ms": 50, "target_ratio": 0.5}
