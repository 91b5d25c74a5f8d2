"""Crawl the demo as every demo user and as an anonymous visitor; print a JSON report.

Run by tests/smoke/test_demo_sqlite.py in a subprocess whose environment is the one of `make run`
(SQLite file, no REDIS_URL so Celery runs eagerly, DEBUG=1), after `manage.py migrate` and
`manage.py load_demo`. It is a module, not a test: the pytest process only runs against PostgreSQL
(root conftest.py) and cannot switch database once Django is set up.

Before crawling, a few write actions go through the pages once (save a value on a scorecard,
request a draft edition of the Relazione and download it), so eager Celery on SQLite runs too.

    python -m tests.smoke.crawl_demo --password PASSWORD [--per-pattern N] [--output FILE]
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import time
from collections import Counter, deque
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

HOST = "127.0.0.1"
ORIGIN = f"http://{HOST}"


class PageParser(HTMLParser):
    """The GET links of a page (<a href>, htmx hx-get) and the named fields of its forms."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.fields: dict[str, str] = {}
        self._textarea: str | None = None
        self._select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        if a.get("hx-get"):
            self.links.append(a["hx-get"])
        name = a.get("name")
        if tag == "input" and name and a.get("type") not in ("file", "submit", "button"):
            if a.get("type") != "checkbox" or "checked" in a:
                self.fields[name] = a.get("value", "")
        elif tag == "textarea" and name:
            self._textarea = name
            self.fields[name] = ""
        elif tag == "select" and name:
            self._select = name
        elif tag == "option" and self._select and ("selected" in a or self._select not in self.fields):
            self.fields[self._select] = a.get("value", "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self.fields[self._textarea] += data


def parse(html: str) -> PageParser:
    parser = PageParser()
    parser.feed(html)
    return parser


@dataclass
class UserReport:
    pages: int = 0
    seconds: float = 0.0
    statuses: Counter = field(default_factory=Counter)
    patterns: Counter = field(default_factory=Counter)
    capped: Counter = field(default_factory=Counter)
    unvisited: int = 0  # left in the queue when max_pages was reached
    client_errors: list[str] = field(default_factory=list)  # 4xx: a refused or broken link, worth a look

    def as_dict(self) -> dict:
        return {"pages": self.pages, "seconds": round(self.seconds, 2), "statuses": dict(self.statuses),
                "patterns": len(self.patterns), "capped_urls": sum(self.capped.values()),
                "capped_patterns": dict(self.capped), "unvisited_at_max_pages": self.unvisited,
                "client_errors": self.client_errors}


def _normalise(url: str) -> str | None:
    """Same-origin path plus sorted query, without fragment; None for other origins and schemes."""
    parts = urlsplit(urljoin(ORIGIN + "/", url))
    if parts.scheme not in ("http", "https") or parts.hostname != HOST:
        return None
    query = urlencode(sorted(parse_qsl(parts.query, keep_blank_values=True)))
    return parts.path + (f"?{query}" if query else "")


def _pattern(url: str) -> str:
    """The URL pattern a URL resolves to, with the names of its query parameters: the unit of the cap."""
    from django.urls import Resolver404, resolve

    parts = urlsplit(url)
    try:
        route = resolve(parts.path).route
    except Resolver404:
        route = "<unresolved>"
    if route.startswith("admin/"):
        # Django's admin combines its sorting and filter parameters without end: any query is one pattern.
        return route + ("?…" if parts.query else "")
    keys = sorted({k for k, _v in parse_qsl(parts.query, keep_blank_values=True)})
    return route + (f"?{'&'.join(keys)}" if keys else "")


def _skipped(url: str) -> bool:
    """Links that must not be followed with GET: leaving the session (a POST in Django 5, but never follow it)."""
    from django.urls import reverse

    path = urlsplit(url).path
    return path in (reverse("logout"), reverse("admin:logout"))


def _body(response) -> bytes:
    if getattr(response, "streaming", False):
        data = b"".join(response.streaming_content)
        response.close()
        return data
    return response.content


def _client(username: str | None, password: str):
    from django.test import Client

    client = Client(SERVER_NAME=HOST, raise_request_exception=False)
    if username:
        # Through the login page, as a person would: the password of `load_demo --password`.
        response = client.post("/accesso/", {"username": username, "password": password})
        if response.status_code != 302:
            raise SystemExit(f"login failed for {username}: HTTP {response.status_code}")
    return client


def _error(user: str, url: str, response) -> dict:
    info = getattr(response, "exc_info", None)
    return {"user": user, "url": url, "status": response.status_code,
            "exception": repr(info[1]) if info else None}


def crawl(client, user: str, per_pattern: int, errors: list[dict], max_pages: int = 10**9,
          admin_per_pattern: int = 1) -> UserReport:
    """Breadth-first from / over same-origin GET links; each URL once, at most per_pattern URLs per pattern."""
    report = UserReport()
    started = time.monotonic()
    from django.urls import reverse

    # "/" and the public pages' entry ("Amministrazione trasparente"), which no page links for a visitor.
    seeds = ["/", reverse("validation:public-index")]
    seen: set[str] = set(seeds)
    queue: deque[str] = deque(seeds)
    while queue and report.pages < max_pages:
        url = queue.popleft()
        pattern = _pattern(url)
        if report.patterns[pattern] >= (admin_per_pattern if pattern.startswith("admin/") else per_pattern):
            report.capped[pattern] += 1
            continue
        report.patterns[pattern] += 1
        response = client.get(url)
        body = _body(response)
        report.pages += 1
        if report.pages % 100 == 0:
            print(f"[crawl] {user}: {report.pages} pages, {len(queue)} queued, "
                  f"{time.monotonic() - started:.0f} s", file=sys.stderr, flush=True)
        report.statuses[str(response.status_code)] += 1
        if response.status_code >= 500:
            errors.append(_error(user, url, response))
            continue
        if response.status_code >= 400:
            report.client_errors.append(f"{response.status_code} {url}")
        found: list[str] = []
        if 300 <= response.status_code < 400 and response.get("Location"):
            found.append(urljoin(ORIGIN + url, response["Location"]))
        elif response.get("Content-Type", "").startswith("text/html"):
            found = [urljoin(ORIGIN + url, link) for link in parse(body.decode("utf-8", "replace")).links]
        for link in found:
            target = _normalise(link)
            if target and target not in seen and not _skipped(target):
                seen.add(target)
                queue.append(target)
    report.unvisited = len(queue)
    report.seconds = time.monotonic() - started
    return report


def save_a_value(client) -> dict:
    """On the first scorecard the user's home links to, change one numeric value with the row's own form."""
    import re

    home = client.get("/").content.decode()
    card = next(link for link in parse(home).links if re.search(r"/cicli/\d+/schede/[^/]+/", link))
    page = client.get(card)
    html = page.content.decode()
    match = re.search(r'name="(r\d+-)value" value="[^"]*"\s+type="text" inputmode="decimal"', html)
    if match is None:
        return {"ok": False, "detail": f"no editable numeric value on {card}"}
    prefix = match.group(1)
    pk = prefix[1:-1]
    save = re.search(rf'hx-post="([^"]+)" hx-include="#row-{pk}"', html).group(1).replace("&amp;", "&")
    data = {k: v for k, v in parse(html).fields.items() if k.startswith(prefix)}
    data.update({prefix + "value": "7", prefix + "shortfall_reason": "Prova del salvataggio (smoke test)",
                 prefix + "note": "Salvato dallo smoke test della demo su SQLite"})
    response = client.post(urljoin(card, save), data, HTTP_HX_REQUEST="true")
    text = response.content.decode()
    return {"ok": response.status_code == 200 and "Valore salvato" in text, "url": save,
            "status": response.status_code}


def draft_edition(client) -> dict:
    """Request a draft edition on the editions page; eager Celery renders it before the redirect; download it."""
    import re

    home = client.get("/").content.decode()
    cycle = re.search(r'href="(/cicli/\d+/)', home).group(1)
    page_url = f"{cycle}relazione/edizioni/"
    form = parse(client.get(page_url).content.decode()).fields
    started = time.monotonic()
    response = client.post(page_url, {"variant": "draft", "layout": form.get("layout", "")})
    seconds = time.monotonic() - started
    if response.status_code != 302:
        return {"ok": False, "status": response.status_code, "detail": "request refused"}
    listing = client.get(page_url).content.decode()
    links = [link for link in parse(listing).links if link.endswith("/file/")]
    if not links:
        return {"ok": False, "status": response.status_code, "detail": "no download link after the request"}
    download = client.get(links[0])
    data = _body(download)
    ok = (download.status_code == 200 and data.startswith(b"%PDF")
          and hashlib.sha256(data).hexdigest() == download.get("X-Content-SHA256"))
    return {"ok": ok, "url": links[0], "status": download.status_code, "bytes": len(data),
            "render_seconds": round(seconds, 2)}


def send_to_the_oiv(client) -> dict:
    """After the crawl: send the cycle to the OIV with the state page's own form (recompute, freeze and
    snapshot on SQLite), then read the frozen pages and download the snapshot, checking its SHA-256."""
    import re

    home = client.get("/").content.decode()
    state_url = re.search(r'href="(/cicli/\d+/)', home).group(1) + "stato/"
    fields = parse(client.get(state_url).content.decode()).fields
    response = client.post(state_url, {"to_state": "under_validation", "expected_state": fields["expected_state"],
                                       "confirm": "1", "note": "Invio di prova dello smoke test (in ritardo)"})
    if response.status_code != 302:
        return {"ok": False, "status": response.status_code, "detail": "send refused"}
    page = client.get(state_url).content.decode()
    links = [link for link in parse(page).links if "/istantanee/" in link]
    workspace = [link for link in parse(page).links if link.endswith("/validazione/")]
    download = client.get(links[0])
    data = _body(download)
    shown = re.search(r'<code class="misura-hash">([0-9a-f]{64})</code>', page)
    statuses = {url: client.get(url).status_code for url in workspace[:1]}
    ok = (download.status_code == 200 and shown is not None and hashlib.sha256(data).hexdigest() == shown.group(1)
          and all(status < 500 for status in statuses.values()))
    return {"ok": ok, "url": links[0], "status": download.status_code, "pages": statuses}


def _crawl_one(username: str | None, password: str, per_pattern: int, max_pages: int,
               admin_per_pattern: int) -> tuple[dict, list[dict]]:
    errors: list[dict] = []
    report = crawl(_client(username, password), username or "anonymous", per_pattern, errors, max_pages,
                   admin_per_pattern)
    return report.as_dict(), errors


def crawl_all(usernames: list[str | None], password: str, per_pattern: int, max_pages: int,
              jobs: int, admin_per_pattern: int) -> tuple[dict, list[dict]]:
    """One crawl per user, in `jobs` forked processes (SQLite serves concurrent readers)."""
    from concurrent.futures import ProcessPoolExecutor
    from multiprocessing import get_context

    from django.db import connections

    connections.close_all()  # a forked child must open its own connection
    args = [(u, password, per_pattern, max_pages, admin_per_pattern) for u in usernames]
    if jobs > 1:
        with ProcessPoolExecutor(jobs, mp_context=get_context("fork")) as pool:
            results = list(pool.map(_crawl_one, *zip(*args)))
    else:
        results = [_crawl_one(*a) for a in args]
    users = {u or "anonymous": report for u, (report, _e) in zip(usernames, results)}
    return users, [e for _r, errors in results for e in errors]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--password", required=True)
    parser.add_argument("--per-pattern", type=int, default=10**9, help="URLs per URL pattern and user at most")
    # Django's admin is Django's: one changelist, change, history and delete page per model checks our
    # ModelAdmin configuration (columns, filters, inlines) without walking every row.
    parser.add_argument("--admin-per-pattern", type=int, default=1, help="the same for the admin's pages")
    parser.add_argument("--jobs", type=int, default=min(4, os.cpu_count() or 1), help="crawls in parallel")
    parser.add_argument("--max-pages", type=int, default=10**9, help="pages per user at most")
    parser.add_argument("--output", help="JSON report file (default: stdout)")
    parser.add_argument("--users", help="comma-separated demo users to crawl (default: all, and anonymous)")
    parser.add_argument("--no-actions", action="store_true", help="skip the write actions")
    args = parser.parse_args(argv)

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    from django.conf import settings
    from django.db import connection

    from performance.management.commands.load_demo import DEMO_USERS

    started = time.monotonic()
    actions = {} if args.no_actions else {
        "save_value": save_a_value(_client("resp.ri", args.password)),
        "draft_edition": draft_edition(_client("struttura", args.password))}
    usernames = [None, *(row[0] for row in DEMO_USERS)]
    if args.users:
        usernames = [None if u == "anonymous" else u for u in args.users.split(",")]
    users, errors = crawl_all(usernames, args.password, args.per_pattern, args.max_pages, args.jobs,
                              args.admin_per_pattern)
    if not args.no_actions:
        actions["send_to_oiv"] = send_to_the_oiv(_client("struttura", args.password))
    report = {"database": connection.vendor, "celery_eager": bool(settings.CELERY_TASK_ALWAYS_EAGER),
              "debug": settings.DEBUG, "per_pattern": args.per_pattern,
              "admin_per_pattern": args.admin_per_pattern, "actions": actions, "users": users,
              "errors": errors, "seconds": round(time.monotonic() - started, 2)}
    text = json.dumps(report, indent=2, ensure_ascii=False)
    if args.output:
        with open(args.output, "w", encoding="utf-8") as fh:
            fh.write(text)
    else:
        print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
