"""Every response carries a Content-Security-Policy that allows only this site's own files (no inline
script or style), and the API documentation is served from vendored files (issue 15, item 11)."""
from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.django_db


def policy(response) -> dict[str, str]:
    header = response.headers.get("Content-Security-Policy", "")
    return {d.split()[0]: d for d in (part.strip() for part in header.split(";")) if d}


@pytest.mark.parametrize(("username", "path"), [
    (None, "/accesso/"), (None, "/api/docs/"), (None, "/api/schema/"), (None, "/trasparenza/"),
    (None, "/salute/"), (None, "/pagina-che-non-esiste/"), (None, "/api/v1/cycles/"),
    ("struttura", "/"), ("struttura", "/cicli/{cycle}/schede/RI/"), ("struttura", "/cicli/{cycle}/stato/"),
    ("oiv", "/cicli/{cycle}/validazione/"), ("admin", "/admin/"),
])
def test_every_response_carries_a_strict_content_security_policy(as_user, client, demo_cycle, username, path):
    browser = as_user(username) if username else client
    response = browser.get(path.format(cycle=demo_cycle.pk))
    directives = policy(response)
    assert directives.get("default-src") == "default-src 'self'", response.headers
    assert directives["script-src"] == "script-src 'self'" and directives["style-src"] == "style-src 'self'"
    assert directives["object-src"] == "object-src 'none'" and directives["frame-ancestors"] == "frame-ancestors 'none'"
    assert "unsafe" not in response.headers["Content-Security-Policy"]


def test_the_api_docs_reference_no_external_host_and_no_inline_code(client):
    response = client.get("/api/docs/")
    html = response.content.decode()
    assert response.status_code == 200
    assert not re.search(r"""(?:src|href)=["']?(?:https?:)?//""", html), html
    assert "cdn" not in html.lower() and "@latest" not in html
    assert "<style" not in html and not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), html
    # Every file the page loads answers from this site: the Swagger UI bundle, its CSS and the set-up script.
    assets = re.findall(r"""(?:src|href)=["']([^"']+)["']""", html)
    assert any("swagger-ui-bundle" in a for a in assets) and any("/swagger-ui." in a and a.endswith(".css") for a in assets), html
    for asset in assets:
        answer = client.get(asset)
        assert answer.status_code == 200, asset
        body = b"".join(answer.streaming_content) if answer.streaming else answer.content
        if asset.split("?")[0].endswith("/api/docs/"):  # the set-up script: the schema from this site too
            assert b"/api/schema/" in body and b"//cdn" not in body
