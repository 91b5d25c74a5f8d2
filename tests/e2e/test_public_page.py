"""An anonymous visitor on the public "Amministrazione trasparente › Performance" page.

The demo cycle is validated and published once (real PDF/A render) through the service, against the
browser server's database. It freezes the demo: this module runs after test_entry_flow (file order)."""
from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys

import pytest
from playwright.sync_api import Browser, expect

from .conftest import ARTIFACTS, ROOT, server_env
from .test_entry_flow import load_axe

PUBLISH = """
from django.contrib.auth import get_user_model
from performance.models import Cycle
from tests.validation.conftest import validate
from validation.publication import publish
from validation.models import Publication
import json
cycle = Cycle.objects.get(entity__code="cciaa-bergamo", year=2023)
validate(cycle)
publish(cycle, acting_user=get_user_model().objects.get(username="struttura"))
p = Publication.objects.get(cycle=cycle)
print(json.dumps({"pdf": p.edition.sha256, "csv": p.results_csv_sha256}))
"""


@pytest.fixture(scope="module")
def published(server) -> dict:
    """The hashes the database holds for the publication (the render runs in-process: REDIS_URL is empty)."""
    done = subprocess.run([sys.executable, "manage.py", "shell", "-c", PUBLISH], cwd=ROOT, env=server_env(),
                          check=True, capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def _download_sha(page, link_name: str) -> str:
    with page.expect_download() as info:
        page.get_by_role("link", name=link_name).first.click()
    return hashlib.sha256(open(info.value.path(), "rb").read()).hexdigest()


@pytest.mark.parametrize("javascript", [True, False])
def test_anonymous_visitor_downloads_the_published_files_with_their_hashes(browser: Browser, server, published,
                                                                           javascript):
    context = browser.new_context(locale="it-IT", java_script_enabled=javascript, accept_downloads=True)
    page = context.new_page()
    page.goto(server + "/accesso/")
    page.get_by_role("link", name="Amministrazione trasparente › Performance").click()
    page.get_by_role("link", name="Camera di commercio di Bergamo").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Performance")
    expect(page.get_by_role("navigation", name="Percorso")).to_contain_text("Amministrazione trasparente")
    expect(page.get_by_text("Pubblicazione n. 1 del")).to_be_visible()
    expect(page.get_by_text(published["pdf"])).to_be_visible()
    assert _download_sha(page, "Relazione sulla Performance (PDF/A)") == published["pdf"]
    assert _download_sha(page, "Risultati degli indicatori (CSV, dati aperti)") == published["csv"]
    if javascript:
        load_axe(page)
        result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
        serious = [{"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:3]}
                   for v in result["violations"] if v["impact"] in ("serious", "critical")]
        assert serious == [], json.dumps(serious, indent=1)
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(ARTIFACTS / f"public-page-{width}{'' if javascript else '-nojs'}.png"),
                        full_page=True)
    context.close()


def test_the_year_page_passes_axe_and_points_to_the_latest(page, server, published):
    page.goto(server + "/trasparenza/cciaa-bergamo/performance/2023/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Relazione sulla Performance 2023")
    load_axe(page)
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    assert [v["id"] for v in result["violations"] if v["impact"] in ("serious", "critical")] == []
    response = page.request.get(server + "/trasparenza/cciaa-bergamo/performance/2023/relazione.pdf",
                                max_redirects=0)
    assert response.status == 302 and re.search(r"/2023/1/relazione\.pdf$", response.headers["location"])
