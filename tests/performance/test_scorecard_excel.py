"""Excel round trip: download a scorecard as .xlsx, fill it offline, upload it back (all or nothing)."""
from __future__ import annotations

import datetime
import io
import zipfile

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.template.loader import render_to_string
from django.test import Client
from django.test.utils import CaptureQueriesContext
from openpyxl import Workbook, load_workbook

from organization.access import scope_for
from performance import services
from performance.entry import EntryData
from performance.models import (
    Assignment,
    Indicator,
    Measurement,
    Period,
    Scorecard,
    Submission,
)
from performance.scorecard_excel import COLUMNS, HEADER_ROW, export_scorecard
from tests.helpers import client_for

NUMBER = "1.5.03.04"  # RI, number, target 5, stored 5
PERCENT = "1.5.03.05"  # RI, percent, target 90%, stored 100%
BOOLEAN = "1.5.03.03"  # RI, SI/NO
DATE = "1.5.03.06"  # RI, date, target 31/12/2023, lower is better
DAYS = "2.1.01.01"  # RI, number of days stored as "2,60", target 3, lower is better
PLAIN = "2.1.02.02"  # RI, number, target 350, stored 390
LEGACY = "2.1.05.01"  # RI, project at 98,77% with no shortfall reason: the page would refuse it if edited
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def excel_url(cycle, period: Period, card: str = "RI") -> str:
    return f"/cicli/{cycle.pk}/schede/{card}/excel/?periodo={period.code}"


def download(client: Client, cycle, period: Period, card: str = "RI") -> Workbook:
    response = client.get(excel_url(cycle, period, card))
    assert response.status_code == 200 and response["Content-Type"] == XLSX
    return load_workbook(io.BytesIO(response.content))


def row_of(wb: Workbook, code: str) -> int:
    ws = wb["valori"]
    for r in range(HEADER_ROW + 1, ws.max_row + 1):
        if ws.cell(r, 1).value == code:
            return r
    raise KeyError(code)


def fill(wb: Workbook, code: str, **values) -> int:
    """Type into the row of `code` by column name; returns the row number Excel shows."""
    r = row_of(wb, code)
    names = [c.name for c in COLUMNS]
    for name, value in values.items():
        wb["valori"].cell(r, names.index(name) + 1).value = value
    return r


def upload(client: Client, cycle, period: Period, wb: Workbook | bytes, card: str = "RI", name: str = "scheda.xlsx"):
    if isinstance(wb, Workbook):
        buffer = io.BytesIO()
        wb.save(buffer)
        wb = buffer.getvalue()
    return client.post(excel_url(cycle, period, card), {"file": SimpleUploadedFile(name, wb, content_type=XLSX)})


def stored(cycle, code: str, period: Period) -> Measurement:
    return Measurement.objects.get(indicator__cycle=cycle, indicator__code=code, period=period)


def versions(cycle, period: Period) -> dict[str, int]:
    return dict(Measurement.objects.filter(indicator__cycle=cycle, period=period)
                .values_list("indicator__code", "version"))


def test_download_is_a_protected_sheet_with_title_block_header_lists_and_instructions(demo_cycle, period):
    response = client_for("resp.ri").get(excel_url(demo_cycle, period))
    assert "scheda-RI-2023.xlsx" in response["Content-Disposition"]
    wb = load_workbook(io.BytesIO(response.content))
    ws = wb["valori"]
    assert wb.sheetnames == ["valori", "istruzioni"]
    assert ws["B1"].value == "Camera di commercio di Bergamo" and ws["B2"].value == 2023
    assert ws["B4"].value == "RI" and ws["B6"].value == period.code and ws["B7"].value == "31/01/2024"
    assert [c.value for c in ws[HEADER_ROW]] == [c.name for c in COLUMNS]
    r = row_of(wb, NUMBER)
    assert ws.protection.sheet and not ws.protection.password
    assert ws.cell(r, 1).protection.locked and ws.cell(r, 14).protection.locked  # codice, versione
    assert not ws.cell(r, 7).protection.locked and not ws.cell(r, 13).protection.locked  # valore, nota
    assert ws.cell(r, 8).protection.locked  # numeratore: only ratios have one
    assert ws.cell(r, 7).value == "5" and ws.cell(r, 10).value == "NO"
    assert ws.cell(r, 14).value == stored(demo_cycle, NUMBER, period).version
    lists = {str(dv.sqref): dv.formula1 for dv in ws.data_validations.dataValidation}
    assert any(f"J{r}" in ranges for ranges in lists) and set(lists.values()) == {'"SI,NO"'}
    assert any(f"G{row_of(wb, BOOLEAN)}" in ranges.split() for ranges in lists)
    text = " ".join(str(c.value) for c in wb["istruzioni"]["A"])
    assert "gg/mm/aaaa" in text and "motivazione_nv" in text and "numeratore e denominatore" in text


def test_round_trip_changes_values_with_history_and_author_and_skips_the_rest(demo_cycle, period):
    client = client_for("resp.ri")
    wb = download(client, demo_cycle, period)
    before = versions(demo_cycle, period)
    fill(wb, NUMBER, valore="6,5", nota="dal verbale della cabina di regia")
    fill(wb, PERCENT, valore="95%")
    response = upload(client, demo_cycle, period, wb)
    assert response.status_code == 302
    assert response["Location"] == f"/cicli/{demo_cycle.pk}/schede/RI/?periodo={period.code}"
    page = client.get(response["Location"]).content.decode()
    assert "Caricati 2 valori (14 invariati)" in page
    number = stored(demo_cycle, NUMBER, period)
    assert number.raw_value == "6,5" and float(number.value_number) == 6.5
    assert number.version == before[NUMBER] + 1 and number.author.username == "resp.ri"
    last = number.history.order_by("-history_date").first()
    assert last.history_user.username == "resp.ri" and last.note.startswith("dal verbale")
    assert stored(demo_cycle, PERCENT, period).raw_value == "95%"
    after = versions(demo_cycle, period)
    assert {code for code in after if after[code] != before[code]} == {NUMBER, PERCENT}
    assert after[LEGACY] == before[LEGACY]  # left as downloaded: not checked again, not rewritten


def test_numbers_percentages_and_dates_typed_as_excel_values_are_understood(demo_cycle, period):
    client = client_for("resp.ri")
    wb = download(client, demo_cycle, period)
    fill(wb, NUMBER, valore=6.5)
    r = fill(wb, PERCENT, valore=0.95)
    wb["valori"].cell(r, 7).number_format = "0%"
    fill(wb, DATE, valore=datetime.datetime(2023, 6, 30))
    fill(wb, BOOLEAN, valore="NO", motivazione_scostamento="Accordo non firmato")
    fill(wb, DAYS, valore=2.6)  # stored as "2,60": the same value, not rewritten
    days = stored(demo_cycle, DAYS, period).version
    assert upload(client, demo_cycle, period, wb).status_code == 302
    assert stored(demo_cycle, DAYS, period).version == days
    assert stored(demo_cycle, NUMBER, period).raw_value == "6,5"
    assert stored(demo_cycle, PERCENT, period).raw_value == "95%"
    assert stored(demo_cycle, DATE, period).raw_value == "30/06/2023"
    assert stored(demo_cycle, BOOLEAN, period).raw_value == "NO"


def test_errors_in_two_rows_are_listed_by_row_and_column_and_nothing_is_written(demo_cycle, period):
    client = client_for("resp.ri")
    wb = download(client, demo_cycle, period)
    before = versions(demo_cycle, period)
    bad_number = fill(wb, NUMBER, valore="tanti")
    missing_reason = fill(wb, PERCENT, nv="SI")
    below_target = fill(wb, PLAIN, valore="300")
    fill(wb, DATE, valore="30/06/2023")  # a good row: not written either
    response = upload(client, demo_cycle, period, wb)
    body = response.content.decode()
    assert response.status_code == 422
    assert f"<td>{bad_number}</td><td>valore</td><td>«tanti» non è un numero" in body
    assert f"<td>{missing_reason}</td><td>motivazione_nv</td>" in body and "motivazione è obbligatoria" in body
    assert f"<td>{below_target}</td><td>motivazione_scostamento</td>" in body
    assert "Nessun valore è stato salvato" in body
    assert versions(demo_cycle, period) == before


def test_a_value_changed_after_the_download_is_an_error_unless_the_file_says_the_same(demo_cycle, period):
    client = client_for("resp.ri")
    wb = download(client, demo_cycle, period)
    current = stored(demo_cycle, NUMBER, period)
    boss = get_user_model().objects.get(username="dirigente")
    services.submit_measurement(current.indicator, period, EntryData(value="8"), expected_version=current.version,
                                acting_user=boss, scope=scope_for(boss, demo_cycle.entity))
    r = fill(wb, NUMBER, valore="7")
    fill(wb, PERCENT, valore="95%")
    response = upload(client, demo_cycle, period, wb)
    body = response.content.decode()
    assert response.status_code == 422
    assert f"<td>{r}</td><td>versione</td><td>Il valore è stato modificato da Marco Locatelli il" in body
    assert "riscaricare la scheda" in body
    assert stored(demo_cycle, NUMBER, period).raw_value == "8"
    assert stored(demo_cycle, PERCENT, period).raw_value == "100%"
    fill(wb, NUMBER, valore="8")  # what is stored now: nothing to overwrite, no conflict
    assert upload(client, demo_cycle, period, wb).status_code == 302
    assert stored(demo_cycle, PERCENT, period).raw_value == "95%"
    assert stored(demo_cycle, NUMBER, period).author.username == "dirigente"


def test_unknown_and_repeated_codes_and_a_broken_version_are_errors(demo_cycle, period):
    client = client_for("resp.ri")
    wb = download(client, demo_cycle, period)
    before = versions(demo_cycle, period)
    unknown = fill(wb, PLAIN, codice="1.1.01.03", valore="1")  # an indicator of another scorecard
    fill(wb, NUMBER, valore="6")
    ws = wb["valori"]
    extra = ws.max_row + 1
    ws.cell(extra, 1).value, ws.cell(extra, 7).value = NUMBER, "7"
    bad_version = fill(wb, PERCENT, valore="95%", versione="abc")
    body = upload(client, demo_cycle, period, wb).content.decode()
    assert f"<td>{bad_version}</td><td>versione</td><td>La versione «abc» non è valida" in body
    assert f"<td>{unknown}</td><td>codice</td><td>L&#x27;indicatore «1.1.01.03» non è in questa scheda" in body
    assert f"<td>{extra}</td><td>codice</td>" in body and "compare due volte" in body
    assert versions(demo_cycle, period) == before


def test_untouched_rows_are_not_checked_again_even_with_a_note_typed_on_the_page(demo_cycle, period):
    Measurement.objects.filter(indicator__code=LEGACY, period=period).update(note="prima riga\r\nseconda riga")
    client = client_for("resp.ri")
    wb = download(client, demo_cycle, period)
    before = versions(demo_cycle, period)
    fill(wb, NUMBER, valore="6")
    assert upload(client, demo_cycle, period, wb).status_code == 302
    assert versions(demo_cycle, period)[LEGACY] == before[LEGACY]
    r = fill(wb, LEGACY, nota="prima riga\nseconda riga, corretta")  # touched: checked like the page does
    body = upload(client, demo_cycle, period, wb).content.decode()
    assert f"<td>{r}</td><td>motivazione_scostamento</td>" in body


def test_a_note_a_cell_cannot_hold_is_exported_and_kept_whole(demo_cycle, period):
    note = "incollata da Word:\x0bcon un a capo morbido " + "x" * 40_000
    Measurement.objects.filter(indicator__code=NUMBER, period=period).update(note=note)
    client = client_for("resp.ri")
    wb = download(client, demo_cycle, period)
    assert len(wb["valori"].cell(row_of(wb, NUMBER), 13).value) == 32767
    fill(wb, NUMBER, valore="6")
    assert upload(client, demo_cycle, period, wb).status_code == 302
    after = stored(demo_cycle, NUMBER, period)
    assert after.raw_value == "6" and after.note == note


def test_blank_rows_are_skipped_not_errors(demo_cycle, period):
    client = client_for("resp.ri")
    wb = download(client, demo_cycle, period)
    fill(wb, PLAIN, valore=None, nv=None, nota=None, versione=None)
    fill(wb, NUMBER, valore="6")
    assert upload(client, demo_cycle, period, wb).status_code == 302
    assert stored(demo_cycle, PLAIN, period).raw_value == "390" and stored(demo_cycle, NUMBER, period).raw_value == "6"


@pytest.mark.parametrize(("name", "content", "message"), [
    ("valori.csv", b"codice;valore\n1.5.03.04;6\n", "non è una cartella di lavoro Excel"),
    ("scheda.xlsx", b"codice;valore\n1.5.03.04;6\n", "non è una cartella di lavoro Excel"),
    ("scheda.xlsx", b"PK\x03\x04 broken zip", "non è una cartella di lavoro Excel"),
])
def test_files_that_are_not_xlsx_are_refused(demo_cycle, period, name, content, message):
    response = upload(client_for("resp.ri"), demo_cycle, period, content, name=name)
    assert response.status_code == 422 and message in response.content.decode()


def test_oversize_and_missing_files_are_refused(demo_cycle, period, settings):
    client = client_for("resp.ri")
    wb = download(client, demo_cycle, period)
    settings.MAX_UPLOAD_BYTES = 1024
    response = upload(client, demo_cycle, period, wb)
    assert response.status_code == 422 and "dimensione massima" in response.content.decode()
    response = client.post(excel_url(demo_cycle, period), {})
    assert response.status_code == 422 and "Scegliere il file" in response.content.decode()


def test_a_small_file_that_unpacks_to_a_huge_one_is_refused(demo_cycle, period, settings):
    client = client_for("resp.ri")
    wb = download(client, demo_cycle, period)
    fill(wb, NUMBER, valore="6")
    buffer = io.BytesIO()
    wb.save(buffer)
    with zipfile.ZipFile(buffer, "a", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/media/padding.bin", b"\0" * 2_000_000)  # compresses to a few kB
    settings.MAX_UPLOAD_BYTES = 100_000
    assert len(buffer.getvalue()) < 100_000
    response = upload(client, demo_cycle, period, buffer.getvalue())
    assert response.status_code == 422 and "dimensione massima" in response.content.decode()
    assert stored(demo_cycle, NUMBER, period).raw_value == "5"


def test_a_workbook_declaring_xml_entities_is_refused(demo_cycle, period):
    """Entity declarations are how XML bombs work; openpyxl refuses them through defusedxml."""
    client = client_for("resp.ri")
    wb = download(client, demo_cycle, period)
    row = fill(wb, NUMBER, valore="&six;")
    buffer = io.BytesIO()
    wb.save(buffer)
    source = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))
    patched, patched_parts = io.BytesIO(), 0
    with zipfile.ZipFile(patched, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for info in source.infolist():
            content = source.read(info)
            if b"&amp;six;" in content:  # the shared strings part, where fill()'s text went
                head, _sep, body = content.decode().rpartition("?>")
                # The entity stands for "6": expanded, the upload would store 6.
                body = body.replace("&amp;six;", "&six;")
                content = (head + _sep + '<!DOCTYPE x [<!ENTITY six "6">]>' + body).encode()
                patched_parts += 1
            archive.writestr(info, content)
    assert row and patched_parts == 1
    response = upload(client, demo_cycle, period, patched.getvalue())
    assert response.status_code == 422 and "non è una cartella di lavoro Excel" in response.content.decode()
    assert stored(demo_cycle, NUMBER, period).raw_value == "5"


def test_a_file_of_another_scorecard_is_refused(demo_cycle, period):
    client = client_for("struttura")
    wb = download(client, demo_cycle, period, "RI")
    fill(wb, NUMBER, valore="6")
    response = upload(client, demo_cycle, period, wb, card="PROM")
    assert response.status_code == 422 and "Il file è la scheda «RI», non «PROM»" in response.content.decode()


def test_service_head_of_another_unit_gets_404(demo_cycle, period):
    client = client_for("resp.promozione")
    wb = download(client_for("resp.ri"), demo_cycle, period)
    assert client.get(excel_url(demo_cycle, period)).status_code == 404
    assert upload(client, demo_cycle, period, wb).status_code == 404
    assert Client().get(excel_url(demo_cycle, period)).status_code == 302  # anonymous: to the login page


def test_oiv_downloads_but_cannot_upload(demo_cycle, period):
    client = client_for("oiv")
    wb = download(client, demo_cycle, period)
    fill(wb, NUMBER, valore="6")
    assert upload(client, demo_cycle, period, wb).status_code == 403
    assert stored(demo_cycle, NUMBER, period).raw_value == "5"


def test_locked_period_and_submitted_scorecard_refuse_the_upload(demo_cycle, period):
    client = client_for("resp.ri")
    wb = download(client, demo_cycle, period)
    fill(wb, NUMBER, valore="6")
    Period.objects.filter(pk=period.pk).update(locked=True)
    response = upload(client, demo_cycle, period, wb)
    assert response.status_code == 403 and "è bloccato" in response.content.decode()
    assert client.get(excel_url(demo_cycle, period)).status_code == 200  # still downloadable
    Period.objects.filter(pk=period.pk).update(locked=False)
    Submission.objects.create(scorecard=Scorecard.objects.get(cycle=demo_cycle, code="RI"), period=period,
                              state=Submission.State.SUBMITTED)
    response = upload(client, demo_cycle, period, wb)
    assert response.status_code == 403 and "inviata per l&#x27;approvazione" in response.content.decode()
    assert stored(demo_cycle, NUMBER, period).raw_value == "5"


def test_download_runs_the_same_number_of_queries_whatever_the_scorecard_size(demo_cycle, period):
    card = Scorecard.objects.select_related("cycle__entity").get(cycle=demo_cycle, code="RI")
    with CaptureQueriesContext(connection) as small:
        export_scorecard(card, period)
    extra = Indicator.objects.filter(cycle=demo_cycle).exclude(assignments__scorecard=card)[:40]
    Assignment.objects.bulk_create([Assignment(scorecard=card, indicator=i, position=100 + n)
                                    for n, i in enumerate(extra)])
    with CaptureQueriesContext(connection) as large:
        data = export_scorecard(card, period)
    assert len(large.captured_queries) == len(small.captured_queries) <= 3
    assert load_workbook(io.BytesIO(data))["valori"].max_row == HEADER_ROW + card.assignments.count()


def test_text_starting_with_equals_is_exported_as_text_not_as_a_formula(demo_cycle, period):
    Measurement.objects.filter(indicator__code=NUMBER, period=period).update(note="=HYPERLINK(\"x\")")
    card = Scorecard.objects.get(cycle=demo_cycle, code="RI")
    wb = load_workbook(io.BytesIO(export_scorecard(card, period)))
    cell = wb["valori"].cell(row_of(wb, NUMBER), 13)
    assert cell.value == "=HYPERLINK(\"x\")" and cell.data_type == "s"


def test_partial_has_a_labelled_file_input_and_hides_the_form_from_readers(demo_cycle, period):
    card = Scorecard.objects.get(cycle=demo_cycle, code="RI")
    html = render_to_string("performance/_excel.html", {"scorecard": card, "period": period, "can_edit": True})
    assert f'/cicli/{demo_cycle.pk}/schede/RI/excel/?periodo={period.code}' in html
    assert 'for="excel-file"' in html and 'id="excel-file"' in html and 'accept=".xlsx"' in html
    assert 'name="file"' in html and 'enctype="multipart/form-data"' in html and "btn btn-outline-primary" in html
    html = render_to_string("performance/_excel.html", {"scorecard": card, "period": period, "can_edit": False})
    assert "excel/?periodo=" in html and "<form" not in html
