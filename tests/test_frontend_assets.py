"""The page shell: Bootstrap Italia, htmx and axe-core served from static/vendor (never a CDN), a skip link
first, landmarks, and static files that collectstatic can publish under the manifest storage."""
from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

STATIC = Path(settings.BASE_DIR) / "static"
VENDOR = STATIC / "vendor"
BI = VENDOR / "bootstrap-italia"
VENDORED = [
    "vendor/bootstrap-italia/css/bootstrap-italia.min.css",
    "vendor/bootstrap-italia/js/bootstrap-italia.bundle.min.js",
    "vendor/bootstrap-italia/svg/sprites.svg",
    "vendor/bootstrap-italia/LICENSE",
    "vendor/htmx/htmx.min.js",
    "vendor/htmx/LICENSE",
    "vendor/axe-core/axe.min.js",
    "vendor/axe-core/LICENSE",
    "vendor/VERSIONS.txt",
    "misura/base.css",
    "misura/init.js",
    "misura/fonts.css",
]
FOCUSABLE = {"a", "button", "input", "select", "textarea", "summary"}


class _Page(HTMLParser):
    """Collects URL attributes, the first focusable element and the ids of landmarks."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.first_focusable: tuple[str, dict] | None = None
        self._in_first = False
        self.first_text = ""
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.append((tag, attrs))
        for name in ("href", "src", "action"):
            if attrs.get(name):
                self.urls.append(attrs[name])
        focusable = ((tag in FOCUSABLE and attrs.get("type") != "hidden" and (tag != "a" or "href" in attrs))
                     or ("tabindex" in attrs and attrs["tabindex"] != "-1"))
        if focusable and self.first_focusable is None:
            self.first_focusable = (tag, attrs)
            self._in_first = True

    def handle_endtag(self, tag):
        if self._in_first and self.first_focusable and tag == self.first_focusable[0]:
            self._in_first = False

    def handle_data(self, data):
        if self._in_first:
            self.first_text += data


def parse(html: str) -> _Page:
    page = _Page()
    page.feed(html)
    return page


def _pages(client, as_user, demo_cycle):
    yield "/accesso/", client.get("/accesso/").content.decode()
    logged = as_user("struttura")
    for url in ["/", f"/cicli/{demo_cycle.pk}/qualita/", f"/cicli/{demo_cycle.pk}/indicatori/1.5.03.04/",
                f"/cicli/{demo_cycle.pk}/schede/RI/"]:
        response = logged.get(url)
        assert response.status_code == 200, url
        yield url, response.content.decode()


def test_pages_use_only_the_vendored_assets(client, as_user, demo_cycle):
    for url, html in _pages(client, as_user, demo_cycle):
        page = parse(html)
        external = [u for u in page.urls if re.match(r"(https?:)?//", u)]
        assert external == [], (url, external)
        assert not re.search(r"url\(\s*['\"]?(https?:)?//", html), url
        static = settings.STATIC_URL if settings.STATIC_URL.startswith("/") else "/" + settings.STATIC_URL
        for asset in ("vendor/bootstrap-italia/css/bootstrap-italia.min.", "vendor/bootstrap-italia/js/bootstrap-italia.bundle.min.",
                      "vendor/htmx/htmx.min.", "misura/fonts.", "misura/base.", "misura/init."):
            assert any(u.startswith(static + asset) for u in page.urls), (url, asset)


def test_skip_link_is_the_first_focusable_element_and_leads_to_main(client, as_user, demo_cycle):
    for url, html in _pages(client, as_user, demo_cycle):
        page = parse(html)
        tag, attrs = page.first_focusable
        assert (tag, attrs.get("href"), page.first_text.strip()) == ("a", "#contenuto", "Vai al contenuto"), url
        assert ("main", "contenuto") in [(t, a.get("id")) for t, a in page.tags], url
        assert [t for t, _ in page.tags].count("main") == 1, url
        assert "header" in [t for t, _ in page.tags] and "footer" in [t for t, _ in page.tags], url


def test_header_names_the_entity_and_offers_the_menu_to_signed_in_users(client, as_user, demo_cycle):
    anonymous = client.get("/accesso/").content.decode()
    assert "Menu principale" not in anonymous and "Esci" not in anonymous
    staff = as_user("struttura").get("/").content.decode()
    assert demo_cycle.entity.name in staff.split("<main")[0]  # in the header, not only in the content
    assert 'href="/admin/"' in staff and 'href="/password/"' in staff and 'href="/api/docs/"' in staff
    logout = re.search(r'<form method="post" action="/uscita/"[^>]*>(.*?)</form>', staff, re.S)
    assert logout and 'name="csrfmiddlewaretoken"' in logout.group(1) and "Esci" in logout.group(1)
    assert re.search(r"<body hx-headers='\{\"X-CSRFToken\": \"[^\"]+\"\}'>", staff)
    service_head = as_user("resp.ri").get("/").content.decode()
    assert 'href="/admin/"' not in service_head


def test_messages_are_alerts_errors_assertive_the_rest_polite(as_user, demo_cycle):
    client = as_user("struttura")
    url = f"/cicli/{demo_cycle.pk}/indicatori/1.5.03.04/"
    body = client.post(url + "rettifica/", {"value": "molto", "justification": ""}, follow=True).content.decode()
    assert re.search(r'class="alert alert-danger"\s+role="alert">[^<]*% di realizzazione proposta:', body)
    body = client.post(url + "rettifica/", {"value": "95,5", "justification": "Dato corretto"}, follow=True).content.decode()
    assert re.search(r'class="alert alert-success"\s+role="status">Richiesta di rettifica registrata', body)
    assert body.count("Richiesta di rettifica registrata") == 1  # shown once, by the base layout


def test_login_form_labels_its_fields_and_announces_errors(client, db):
    body = client.get("/accesso/").content.decode()
    for name in ("username", "password"):
        assert f'<label for="id_{name}">' in body and f'id="id_{name}"' in body
    assert 'autocomplete="username"' in body and 'autocomplete="current-password"' in body
    body = client.post("/accesso/", {"username": "struttura", "password": "sbagliata"}).content.decode()
    assert re.search(r'<div class="alert alert-danger" role="alert">\s*<p[^>]*>Inserisci nome utente e password', body)
    assert 'value="struttura"' in body and 'value="sbagliata"' not in body


def test_vendored_css_references_only_files_that_exist():
    css = (BI / "css" / "bootstrap-italia.min.css").read_text(encoding="utf-8")
    assert "sourceMappingURL" not in css  # maps are not vendored: the manifest storage would fail on it
    for ref in re.findall(r"url\(\s*['\"]?([^'\")]+)", css):
        if ref.startswith(("data:", "#")):
            continue
        assert (BI / "css" / ref.split("?")[0].split("#")[0]).resolve().is_file(), ref


def test_every_font_the_loader_asks_for_is_vendored():
    bundle = (BI / "js" / "bootstrap-italia.bundle.min.js").read_text(encoding="utf-8")
    wanted = set(re.findall(r"\}/([A-Za-z_]+/[a-z0-9_-]+\.woff2)", bundle))
    assert len(wanted) >= 10
    assert [f for f in sorted(wanted) if not (BI / "fonts" / f).is_file()] == []
    # The loader is not called (its inline <style> breaks the CSP): misura/fonts.css declares the same faces.
    declared = (Path(settings.BASE_DIR) / "static" / "misura" / "fonts.css").read_text(encoding="utf-8")
    assert wanted <= set(re.findall(r"fonts/([A-Za-z_]+/[a-z0-9_-]+\.woff2)", declared))


def test_versions_file_names_each_vendored_package():
    versions = (VENDOR / "VERSIONS.txt").read_text(encoding="utf-8")
    assert re.search(r"^bootstrap-italia 2\.\d+\.\d+ sha512-", versions, re.M)
    assert re.search(r"^htmx\.org 2\.\d+\.\d+ sha512-", versions, re.M)
    assert re.search(r"^axe-core 4\.\d+\.\d+ sha512-", versions, re.M)


@pytest.mark.slow
def test_collectstatic_publishes_the_vendored_files(settings, tmp_path):
    settings.STATIC_ROOT = tmp_path / "static"
    settings.STORAGES = {**settings.STORAGES, "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"}}
    call_command("collectstatic", interactive=False, verbosity=0)
    manifest = json.loads((tmp_path / "static" / "staticfiles.json").read_text())["paths"]
    missing = [name for name in VENDORED if name not in manifest]
    assert missing == []
    for name in VENDORED:
        assert (tmp_path / "static" / manifest[name]).is_file(), name
    # The font loader builds URLs from the folder name, without the manifest's hashes: the plain
    # copies must be published too.
    fonts = sorted(p.relative_to(BI) for p in (BI / "fonts").rglob("*.woff2"))
    assert fonts and all((tmp_path / "static" / "vendor" / "bootstrap-italia" / f).is_file() for f in fonts)
