"""The main pages, htmx, the charts and the API documentation work under the Content-Security-Policy:
the browser reports no violation (console "Refused to ..." messages and securitypolicyviolation events),
and /api/docs/ renders the operations from the vendored Swagger UI (issue 15, item 11)."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

#: Installed before any page script runs (through the DevTools protocol, which the policy does not govern).
LISTEN = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__csp.push(e.violatedDirective + " " + (e.blockedURI || "inline") + " " + (e.sourceFile || "") + ":" + e.lineNumber);
});
"""

PAGES = [
    ("anonymous", "/accesso/"), ("anonymous", "/trasparenza/"), ("anonymous", "/api/docs/"),
    ("resp.ri", "/"), ("resp.ri", "/cicli/{cycle}/schede/RI/"),
    ("struttura", "/cicli/{cycle}/indicatori/1.5.03.04/"), ("struttura", "/cicli/{cycle}/contesto/organi/"),
    ("struttura", "/cicli/{cycle}/contesto/risorse-economiche/"), ("struttura", "/cicli/{cycle}/relazione/"),
    ("struttura", "/cicli/{cycle}/relazione/sezioni/premessa/"), ("struttura", "/cicli/{cycle}/relazione/edizioni/"),
    ("struttura", "/cicli/{cycle}/stato/"), ("oiv", "/cicli/{cycle}/validazione/"),
    ("struttura", "/cicli/{cycle}/pubblicazione/"), ("admin", "/admin/"),
    ("admin", "/admin/organization/orgunit/1/change/"),
]


@pytest.mark.parametrize(("username", "path"), PAGES)
def test_main_pages_run_under_the_policy_without_violations(page: Page, server, login, username, path):
    refused: list[str] = []
    page.on("console", lambda m: refused.append(m.text) if "Content Security Policy" in m.text
            or m.text.startswith("Refused to") else None)
    page.add_init_script(LISTEN)
    if username != "anonymous":
        login(page, username)
    cycle = re.search(r"/cicli/(\d+)/", page.content())
    response = page.goto(server + path.format(cycle=cycle.group(1) if cycle else "1"))
    assert response.status == 200 and "script-src 'self'" in response.headers["content-security-policy"]
    page.wait_for_load_state("networkidle")
    if path == "/api/docs/":
        expect(page.locator(".opblock").first).to_be_visible(timeout=15000)  # the operations, rendered
        assert page.locator(".opblock").count() > 5
    if path.endswith("/schede/RI/"):  # htmx: the row preview swaps in a fragment
        page.locator("input[name^='r']:not([type=hidden])").first.fill("12")
        page.keyboard.press("Tab")
        page.wait_for_load_state("networkidle")
    violations = page.evaluate("window.__csp")
    assert refused == [] and violations == [], refused + violations
