"""Writes on the SQLite demo: a huge number and two simultaneous saves; print a JSON report.

Run by tests/smoke/test_sqlite_writes.py in a subprocess with the environment of `make run` (SQLite
file, no REDIS_URL, DEBUG=1), after `manage.py migrate` and `manage.py load_demo`; like crawl_demo it
is a module, not a test, because the pytest process runs on PostgreSQL only.

    python -m tests.smoke.sqlite_writes --password PASSWORD
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import threading

CODE = "1.5.03.04"  # RI, number, target 5
OTHER = "2.1.02.02"  # RI, number, target 350: the two simultaneous saves, apart from the huge number
HUGE = "999999999999999"  # one digit more than Measurement.value_number holds


def _client(username: str, password: str):
    from django.test import Client

    client = Client(SERVER_NAME="127.0.0.1", raise_request_exception=False)
    if client.post("/accesso/", {"username": username, "password": password}).status_code != 302:
        raise SystemExit(f"login failed for {username}")
    return client


def _context(code: str):
    from performance.models import Cycle, Indicator, Measurement, Period

    cycle = Cycle.objects.get(entity__code="cciaa-bergamo", year=2023)
    period = Period.objects.get(cycle=cycle, is_final=True)
    indicator = Indicator.objects.get(cycle=cycle, code=code)
    return cycle, period, indicator, Measurement.objects.get(indicator=indicator, period=period)


def _stored(pk: int) -> tuple[str, int]:
    """The written value and version only: a number SQLite cannot give back (value_number) would raise."""
    from performance.models import Measurement

    return Measurement.objects.filter(pk=pk).values_list("raw_value", "version").get()


def huge_number(password: str) -> dict:
    """POST a 15-digit value through the API, then read the pages that show it."""
    cycle, period, indicator, before = _context(CODE)
    client = _client("resp.ri", password)
    response = client.post("/api/v1/measurements/", {
        "cycle": cycle.pk, "indicator": CODE, "period": period.code, "value": HUGE, "version": before.version},
        content_type="application/json")
    raw_value, version = _stored(before.pk)
    pages = {url: client.get(url).status_code for url in (
        f"/cicli/{cycle.pk}/schede/RI/?periodo={period.code}",
        f"/cicli/{cycle.pk}/indicatori/{CODE}/storico/",
        f"/api/v1/measurements/?indicator={indicator.pk}")}
    return {"status": response.status_code, "body": response.content.decode()[:500],
            "stored": raw_value, "version_before": before.version, "version_after": version, "pages": pages}


def concurrent_saves(password: str) -> dict:
    """Two people save the same row with the version they both read; both reach the write together."""
    from performance.models import Measurement

    cycle, period, indicator, before = _context(OTHER)
    clients = [_client("resp.ri", password), _client("struttura", password)]
    # Both requests wait for each other just before writing, the worst moment on SQLite: each holds a
    # read lock the other's write needs. Where the database makes the second wait at the start of its
    # transaction instead, the first never sees it arrive: the wait times out and it writes alone.
    meeting = threading.Barrier(2)
    original_save = Measurement.save

    def save(self, *args, **kwargs):
        try:
            meeting.wait(timeout=3)
        except threading.BrokenBarrierError:
            pass
        return original_save(self, *args, **kwargs)

    Measurement.save = save
    statuses: list[int] = []
    bodies: list[str] = []
    prefix = f"r{indicator.pk}-"
    url = f"/cicli/{cycle.pk}/schede/RI/righe/{OTHER}/?periodo={period.code}"

    def post(client, value: str) -> None:
        from django.db import connections

        try:
            response = client.post(url, {prefix + "version": str(before.version), prefix + "value": value,
                                         prefix + "shortfall_reason": "Prova di due salvataggi insieme"},
                                   HTTP_HX_REQUEST="true")
            statuses.append(response.status_code)
            bodies.append(response.content.decode()[:300])
        finally:
            connections.close_all()

    threads = [threading.Thread(target=post, args=(c, v)) for c, v in zip(clients, ("370", "380"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    Measurement.save = original_save
    raw_value, version = _stored(before.pk)
    return {"statuses": sorted(statuses), "bodies": bodies, "stored": raw_value,
            "version_before": before.version, "version_after": version}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--password", required=True)
    parser.add_argument("--output", required=True)
    args = parser.parse_args(argv)

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    from django.db import connection

    report = {"database": connection.vendor, "huge_number": huge_number(args.password),
              "concurrent_saves": concurrent_saves(args.password)}
    with open(args.output, "w", encoding="utf-8") as fh:
        json.dump(report, fh, indent=2, ensure_ascii=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
