"""What a service head, a dirigente and the OIV do in a real browser."""
from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import Page, expect

from .conftest import ARTIFACTS



def row(page: Page, code: str):
    return page.locator("section.misura-row", has=page.get_by_role("heading", name=re.compile(re.escape(code))))


def open_scorecard(page: Page, title: str) -> None:
    page.get_by_role("link", name=title, exact=True).click()
    expect(page.get_by_role("heading", level=1, name=title)).to_be_visible()


def test_value_entered_previewed_saved_submitted_and_approved(page: Page, server, login):
    login(page, "resp.ri")
    open_scorecard(page, "Registro imprese")
    r = row(page, "1.5.03.04")
    r.get_by_label("Valore ottenuto").fill("3")
    expect(r.locator(".misura-preview")).to_contain_text("60%")  # live preview: 3 of 5
    r.get_by_role("button", name="Salva 1.5.03.04").click()
    r = row(page, "1.5.03.04")
    expect(r.get_by_text("indicare la motivazione dello scostamento")).to_be_visible()
    r.get_by_label("Motivazione dello scostamento").fill("Due incontri rinviati dalla Regione")
    r.get_by_role("button", name="Salva 1.5.03.04").click()
    expect(row(page, "1.5.03.04").get_by_text("Valore salvato.")).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / "scorecard-saved.png"), full_page=False)
    page.get_by_role("button", name="Invia per approvazione").click()
    expect(page.locator(".misura-state")).to_have_text("Inviata per approvazione")
    expect(page.get_by_role("button", name=re.compile("^Salva"))).to_have_count(0)  # frozen while waiting

    page.get_by_role("button", name="Esci").click()
    login(page, "dirigente")
    expect(page.get_by_text("1 scheda attende la tua approvazione.")).to_be_visible()
    open_scorecard(page, "Registro imprese")
    page.get_by_role("button", name="Approva la scheda").click()
    expect(page.locator(".misura-state")).to_have_text("Approvata")
    page.get_by_role("link", name="Storico delle modifiche").first.wait_for()


def test_second_save_of_the_same_value_is_a_conflict_that_loses_nothing(browser, server, login):
    first = browser.new_context(locale="it-IT").new_page()
    second = browser.new_context(locale="it-IT").new_page()
    login(first, "resp.promozione")
    login(second, "segretario")
    for page in (first, second):
        open_scorecard(page, "Promozione")
    code = row(first, "").first.get_by_role("heading").inner_text().split(" – ")[0]
    row(first, code).get_by_label("Valore ottenuto").fill("95%")
    row(first, code).get_by_label("Motivazione dello scostamento").fill("ritardo del fornitore")
    row(first, code).get_by_role("button", name=f"Salva {code}").click()
    expect(row(first, code).get_by_text("Valore salvato.")).to_be_visible()
    row(second, code).get_by_label("Valore ottenuto").fill("99%")
    row(second, code).get_by_label("Motivazione dello scostamento").fill("stima")
    row(second, code).get_by_role("button", name=f"Salva {code}").click()
    alert = row(second, code).get_by_role("alert")
    expect(alert).to_contain_text("Paolo Cortesi ha salvato «95%»")
    expect(row(second, code).get_by_label("Valore ottenuto")).to_have_value("99%")
    second.screenshot(path=str(ARTIFACTS / "conflict.png"))
    first.context.close()
    second.context.close()


def test_nv_without_reason_is_refused_with_the_message_on_the_field(page: Page, server, login):
    login(page, "resp.promozione")
    open_scorecard(page, "Promozione")
    r = row(page, "").nth(1)
    code = r.get_by_role("heading").inner_text().split(" – ")[0]
    r.get_by_label("Non valutabile (NV)").check()
    r.get_by_role("button", name=f"Salva {code}").click()
    reason = row(page, code).get_by_label("Motivazione NV")
    expect(reason).to_have_attribute("aria-invalid", "true")
    expect(row(page, code).get_by_text("la motivazione è obbligatoria")).to_be_visible()


def test_oiv_sees_values_read_only(page: Page, server, login):
    login(page, "oiv")
    open_scorecard(page, "Registro imprese")
    expect(page.get_by_text("Realizzazione complessiva della scheda")).to_be_visible()
    expect(page.locator("input[name^='r']")).to_have_count(0)


@pytest.mark.parametrize(("username", "path"), [
    ("anonymous", "/accesso/"), ("resp.ri", "/"), ("resp.ri", "/cicli/{cycle}/schede/RI/"),
    ("struttura", "/cicli/{cycle}/qualita/"), ("struttura", "/cicli/{cycle}/indicatori/1.5.03.04/"),
    ("struttura", "/cicli/{cycle}/indicatori/1.5.03.04/storico/"), ("struttura", "/password/"),
    ("struttura", "/cicli/{cycle}/contesto/"), ("struttura", "/cicli/{cycle}/contesto/risorse-economiche/"),
    ("struttura", "/cicli/{cycle}/contesto/personale/"), ("struttura", "/cicli/{cycle}/contesto/quadro-economico/"),
    ("struttura", "/cicli/{cycle}/contesto/organi/"),
    ("struttura", "/cicli/{cycle}/relazione/"), ("struttura", "/cicli/{cycle}/relazione/sezioni/premessa/"),
    ("struttura", "/cicli/{cycle}/relazione/edizioni/"), ("struttura", "/cicli/{cycle}/stato/"),
    ("oiv", "/cicli/{cycle}/validazione/"), ("struttura", "/cicli/{cycle}/pubblicazione/"),
])
def test_main_pages_have_no_serious_accessibility_violations(page: Page, server, login, username, path):
    if username != "anonymous":
        login(page, username)
    cycle = re.search(r"/cicli/(\d+)/", page.content())
    page.goto(server + path.format(cycle=cycle.group(1) if cycle else "1"))
    assert_accessible(page, re.sub(r"\W+", "-", f"{username}{path}").strip("-"))


def load_axe(page: Page) -> None:
    """axe-core from the site's own static files: an inline copy would be refused by the CSP (config/csp.py)."""
    origin = re.match(r"https?://[^/]+", page.url).group(0)
    page.add_script_tag(url=origin + "/static/vendor/axe-core/axe.min.js")


def assert_accessible(page: Page, name: str) -> None:
    """axe-core finds no serious or critical WCAG violation on the page (a full-page screenshot is kept)."""
    load_axe(page)
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    serious = [{"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:3]}
               for v in result["violations"] if v["impact"] in ("serious", "critical")]
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
    assert serious == [], json.dumps(serious, indent=1)


def test_keyboard_alone_reaches_the_content_and_saves_a_row(page: Page, server, login):
    login(page, "resp.ri")
    page.keyboard.press("Tab")
    expect(page.locator(":focus")).to_have_text("Vai al contenuto")
    page.keyboard.press("Enter")
    assert page.url.endswith("#contenuto")
