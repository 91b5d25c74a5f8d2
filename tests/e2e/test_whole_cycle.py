"""A whole cycle in a real browser, as production runs it (gunicorn, a Celery worker over Redis):

the struttura tecnica sends the Relazione to the OIV, the OIV asks for a correction and refuses, the
service head corrects the value, the struttura tecnica answers and sends again, the OIV validates, the
struttura tecnica publishes, and an anonymous visitor downloads the PDF and the CSV whose SHA-256 are
those the public page states.
"""
from __future__ import annotations

import csv
import hashlib
import io
import re
import time

from playwright.sync_api import Browser, Page, expect

from .conftest import log_in
from .test_entry_flow import assert_accessible, open_scorecard, row

CODE = "1.5.03.04"
NAME = "N. incontri Cabine di Regia SUAP provinciale e incontri formativi"


def card(page: Page, heading: str):
    """The form (or card) introduced by ``heading``: pages carry several forms with the same confirm box."""
    return page.locator("form, .card", has=page.get_by_role("heading", name=heading, exact=True)).first


def send_to_oiv(page: Page, base: str, note: str) -> None:
    page.goto(base + "/cicli/1/stato/")
    form = card(page, "Invia all'OIV per la validazione")
    form.get_by_label("Nota").fill(note)  # the demo's Relazione is past its 30/06 deadline: the reason is required
    form.get_by_role("checkbox").check()
    form.get_by_role("button", name="Invia all'OIV per la validazione").click()
    expect(page.get_by_text("In validazione").first).to_be_visible()


def decide(page: Page, base: str, outcome: str, reasons: str = "") -> None:
    page.goto(base + "/cicli/1/validazione/")
    form = card(page, "Decisione dell'OIV")
    form.get_by_label(outcome, exact=True).check()
    if reasons:
        form.get_by_label(re.compile("^Motivazione")).fill(reasons)
    form.get_by_label(re.compile("^Confermo la decisione")).check()
    form.get_by_role("button", name="Registra la decisione").click()


def _sha256_of_download(page: Page, link_name: str) -> tuple[str, bytes]:
    with page.expect_download() as info:
        page.get_by_role("link", name=link_name).first.click()
    data = open(info.value.path(), "rb").read()
    return hashlib.sha256(data).hexdigest(), data


def test_refused_corrected_validated_published_and_downloaded_by_anyone(browser: Browser, server_with_worker):
    base = server_with_worker
    staff = browser.new_context(locale="it-IT", accept_downloads=True)
    page = staff.new_page()

    # 1. The struttura tecnica freezes the data and sends them to the OIV.
    log_in(page, base, "struttura")
    send_to_oiv(page, base, "Invio oltre il 30/06 per il ritardo dei dati di bilancio")
    expect(page.get_by_text("Istantanea n. 1").first).to_be_visible()

    # 2. The OIV asks for a correction on one indicator and refuses.
    oiv = browser.new_context(locale="it-IT", accept_downloads=True).new_page()
    log_in(oiv, base, "oiv")
    oiv.goto(base + "/cicli/1/validazione/")
    comment = card(oiv, "Aggiungi un'osservazione")
    comment.get_by_label("Indicatore", exact=True).check()
    value = comment.locator("#comment-indicator option", has_text=CODE).get_attribute("value")
    comment.get_by_label("Indicatore (se riferita a un indicatore)").select_option(value)
    comment.get_by_label("Osservazione").fill("Il valore non corrisponde ai verbali: 3 incontri, non 5.")
    comment.get_by_label(re.compile("^Richiesta di correzione")).check()
    comment.get_by_role("button", name="Registra l'osservazione").click()
    expect(oiv.get_by_text("3 incontri, non 5").first).to_be_visible()
    assert_accessible(oiv, "whole-cycle-oiv-workspace")
    decide(oiv, base, "Non validata", "Valore di 1.5.03.04 da correggere secondo i verbali.")
    expect(oiv.get_by_text("Rendicontazione").first).to_be_visible()

    # 3. Back in reporting: the service head corrects the value, the struttura tecnica answers the request.
    head = browser.new_context(locale="it-IT").new_page()
    log_in(head, base, "resp.ri")
    open_scorecard(head, "Registro imprese")
    r = row(head, CODE)
    r.get_by_label("Valore ottenuto").fill("3")
    r.get_by_role("button", name=f"Salva {CODE}").click()
    expect(row(head, CODE).get_by_text("indicare la motivazione dello scostamento")).to_be_visible()
    row(head, CODE).get_by_label("Motivazione dello scostamento").fill("Due incontri rinviati dalla Regione")
    row(head, CODE).get_by_role("button", name=f"Salva {CODE}").click()
    expect(row(head, CODE).get_by_text("Valore salvato.")).to_be_visible()

    page.goto(base + "/cicli/1/stato/")
    expect(page.get_by_text(re.compile("L'OIV ha restituito la Relazione con 1 richiesta"))).to_be_visible()
    page.get_by_role("link", name="Leggere le richieste e rispondere").click()
    page.get_by_label("Risposta della struttura tecnica").fill("Valore corretto a 3 dal responsabile del servizio.")
    page.get_by_role("button", name="Registra la risposta").click()
    expect(page.get_by_text("Valore corretto a 3 dal responsabile").first).to_be_visible()
    assert_accessible(page, "whole-cycle-requests-answered")
    send_to_oiv(page, base, "Nuovo invio dopo la correzione richiesta dall'OIV")
    expect(page.get_by_text("Istantanea n. 2").first).to_be_visible()

    # 4. The OIV validates snapshot 2: the documento di validazione is produced.
    decide(oiv, base, "Validata")
    oiv.goto(base + "/cicli/1/validazione/")
    expect(oiv.get_by_text("Validato").first).to_be_visible()

    # 5. The struttura tecnica publishes: the PDF/A is rendered by the Celery worker, then published.
    page.goto(base + "/cicli/1/pubblicazione/")
    publish = card(page, "Pubblica")
    publish.get_by_label("Confermo la pubblicazione della Relazione validata.").check()
    publish.get_by_role("button", name="Pubblica").click()
    deadline = time.monotonic() + 240
    while not page.locator("tbody tr", has_text="CSV").count():  # the publications table has its row
        assert time.monotonic() < deadline, "the worker did not publish in time"
        assert not page.locator(".alert-danger").count(), page.locator("body").inner_text()
        time.sleep(2)
        page.goto(base + "/cicli/1/pubblicazione/")
    assert_accessible(page, "whole-cycle-published")

    # 6. Anyone, without logging in, finds the publication and downloads what it states.
    visitor = browser.new_context(locale="it-IT", accept_downloads=True).new_page()
    visitor.goto(base + "/")
    visitor.goto(base + "/trasparenza/cciaa-bergamo/performance/2023/")
    stated = visitor.locator(".misura-publication").first.inner_text()
    pdf_sha, pdf = _sha256_of_download(visitor, "Relazione sulla Performance (PDF/A)")
    csv_sha, data = _sha256_of_download(visitor, "Risultati degli indicatori (CSV, dati aperti)")
    assert pdf.startswith(b"%PDF") and pdf_sha in stated
    assert csv_sha in stated
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    corrected = [r for r in rows if r["indicator"] == NAME]
    assert corrected and {r["achieved"] for r in corrected} == {"3"}
    snapshot_sha = {r["snapshot_sha256"] for r in rows}
    assert len(snapshot_sha) == 1 and snapshot_sha.pop() in stated
    for context in (staff, oiv.context, head.context, visitor.context):
        context.close()
