"""Numbers larger than their column can hold are refused where they are typed, naming the field (issue 15, 6).

PostgreSQL answered 500 (numeric field overflow) on the API, the row save and the Excel upload; SQLite
stored them and then every page reading them failed (see tests/smoke/test_sqlite_writes.py). The one
parser (performance.parsing) knows the bound of each column; every channel shows its message.
"""
from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from budget.importer import ImportFailed as ContextImportFailed
from budget.importer import import_context
from budget.models import BudgetLine
from performance import parsing
from performance.importer import ImportFailed, import_plan
from performance.models import Indicator, Measurement
from performance.scorecard_excel import COLUMNS, HEADER_ROW
from tests.conftest import DEMO_DIR, read_sheet, write_sheet
from tests.helpers import client_for

HUGE = "999999999999999"  # 15 digits: Measurement.value_number is numeric(20, 6), 14 before the point
LARGEST = "99999999999999"  # 14 digits: still fits
NUMBER = "1.5.03.04"  # RI, number, target 5
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def stored(cycle, code, period) -> Measurement:
    return Measurement.objects.get(indicator__cycle=cycle, indicator__code=code, period=period)


# --- the parser ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("text", [HUGE, "-" + HUGE, "99999999999999,9999999", "999.999.999.999.999"])
def test_the_parser_refuses_a_number_the_value_column_cannot_hold(text):
    with pytest.raises(parsing.NumberTooLarge) as exc:
        parsing.parse_value(text)
    assert "troppo grande" in exc.value.describe("valore") and "14 cifre" in exc.value.describe("valore")


@pytest.mark.parametrize("value", [10**15, 1e15, Decimal("1E+300")])
def test_the_parser_refuses_a_huge_number_given_as_a_spreadsheet_number(value):
    with pytest.raises(parsing.NumberTooLarge):
        parsing.parse_value(value)


def test_the_largest_number_the_column_holds_is_accepted():
    assert parsing.parse_value(LARGEST).number == Decimal(LARGEST)
    assert parsing.parse_decimal("-" + LARGEST + ",5") == Decimal("-" + LARGEST + ".5")


def test_narrower_columns_have_their_own_bound():
    assert parsing.fits_column(Decimal("9999.999"), 7, 3) and not parsing.fits_column(Decimal(10000), 7, 3)
    assert not parsing.fits_column(Decimal("9999.9999"), 7, 3)  # rounds to 10000,000: one digit too many


# --- the channels on PostgreSQL ------------------------------------------------------------------------

def test_the_api_refuses_a_huge_value_with_a_400_naming_the_field_and_saves_nothing(demo_cycle, period):
    before = stored(demo_cycle, NUMBER, period)
    response = client_for("resp.ri").post("/api/v1/measurements/", {
        "cycle": demo_cycle.pk, "indicator": NUMBER, "period": period.code, "value": HUGE,
        "version": before.version}, content_type="application/json")
    assert response.status_code == 400
    message = " ".join(response.json()["value"])
    assert "troppo grande" in message and "14 cifre" in message
    assert stored(demo_cycle, NUMBER, period).version == before.version


def test_the_row_save_refuses_a_huge_value_on_the_value_field(demo_cycle, period):
    indicator = Indicator.objects.get(cycle=demo_cycle, code=NUMBER)
    before = stored(demo_cycle, NUMBER, period)
    response = client_for("resp.ri").post(
        f"/cicli/{demo_cycle.pk}/schede/RI/righe/{NUMBER}/?periodo={period.code}",
        {f"r{indicator.pk}-version": str(before.version), f"r{indicator.pk}-value": HUGE}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert response.status_code == 422 and "troppo grande" in body
    assert f'id="r{indicator.pk}-value-error"' in body
    assert stored(demo_cycle, NUMBER, period).version == before.version


@pytest.mark.parametrize("cell", [HUGE, 10**15])
def test_the_excel_upload_refuses_a_huge_value_naming_row_and_column(demo_cycle, period, cell):
    client = client_for("resp.ri")
    url = f"/cicli/{demo_cycle.pk}/schede/RI/excel/?periodo={period.code}"
    wb = load_workbook(io.BytesIO(client.get(url).content))
    ws = wb["valori"]
    row = next(r for r in range(HEADER_ROW + 1, ws.max_row + 1) if ws.cell(r, 1).value == NUMBER)
    ws.cell(row, [c.name for c in COLUMNS].index("valore") + 1).value = cell
    buffer = io.BytesIO()
    wb.save(buffer)
    before = stored(demo_cycle, NUMBER, period)
    response = client.post(url, {"file": SimpleUploadedFile("scheda.xlsx", buffer.getvalue(), content_type=XLSX)})
    body = response.content.decode()
    assert response.status_code == 422 and "troppo grande" in body and str(row) in body
    assert stored(demo_cycle, NUMBER, period).version == before.version


@pytest.mark.parametrize(("sheet", "column", "value", "digits"), [
    ("indicatori", "target", HUGE, "14 cifre"),
    ("indicatori", "peso", "12345", "4 cifre"),
    ("obiettivi_operativi", "peso", "10000", "4 cifre"),
    ("assegnazioni", "realizzazione_stampata", "123456%", "5 cifre"),
    ("valori", "valore", HUGE, "14 cifre"),
    ("valori", "numeratore", HUGE, "14 cifre"),
])
def test_the_plan_importer_refuses_a_number_its_column_cannot_hold_naming_sheet_row_and_column(
        demo_cycle, tmp_path, other_entity, sheet, column, value, digits):
    import shutil

    folder = tmp_path / "piano"
    shutil.copytree(DEMO_DIR, folder, ignore=shutil.ignore_patterns("*.md"))
    rows = read_sheet(folder, sheet)
    rows[0][column] = value
    write_sheet(folder, sheet, rows)
    with pytest.raises(ImportFailed) as failure:
        import_plan(folder, year=2023, entity=other_entity)
    issues = [i for i in failure.value.issues if (i.sheet, i.row, i.column) == (sheet, 2, column)]
    assert issues and "troppo grande" in issues[0].message and digits in issues[0].message
    assert not Indicator.objects.filter(cycle__entity=other_entity).exists()


@pytest.mark.parametrize(("sheet", "column", "value", "digits"), [
    ("conto_economico", "consuntivo", "999.999.999.999.999", "14 cifre"),
    ("partecipazioni", "capitale_sociale", "999.999.999.999.999", "14 cifre"),
    ("congedi_parentali", "giorni", "100000000", "8 cifre"),
    ("personale_annuale", "fte_dichiarati", "10000000", "7 cifre"),
    ("assenze", "giorni", "100000000", "8 cifre"),
])
def test_the_context_importer_refuses_a_number_its_column_cannot_hold(demo_cycle, tmp_path, sheet, column, value,
                                                                      digits):
    import shutil

    folder = tmp_path / "contesto"
    shutil.copytree(DEMO_DIR / "contesto", folder, ignore=shutil.ignore_patterns("*.md"))
    rows = read_sheet(folder, sheet)
    rows[0][column] = value
    write_sheet(folder, sheet, rows)
    before = list(BudgetLine.objects.filter(entity=demo_cycle.entity).values_list("pk", "actual"))
    with pytest.raises(ContextImportFailed) as failure:
        import_context(folder, year=2023, entity=demo_cycle.entity)
    issues = [i for i in failure.value.issues if (i.sheet, i.row, i.column) == (sheet, 2, column)]
    assert issues and "troppo grande" in issues[0].message and digits in issues[0].message
    assert list(BudgetLine.objects.filter(entity=demo_cycle.entity).values_list("pk", "actual")) == before


def test_the_admin_refuses_a_huge_target_or_value_in_the_model_validation_it_runs(demo_cycle, period):
    # The admin's forms run full_clean(): target_raw and raw_value are text, checked by the model's clean().
    indicator = Indicator.objects.get(cycle=demo_cycle, code=NUMBER)
    indicator.target_raw = HUGE
    with pytest.raises(ValidationError) as exc:
        indicator.full_clean()
    assert "troppo grande" in " ".join(exc.value.message_dict["target_raw"])
    value = stored(demo_cycle, NUMBER, period)
    value.raw_value = HUGE
    with pytest.raises(ValidationError) as exc:
        value.full_clean()
    assert "troppo grande" in " ".join(exc.value.message_dict["raw_value"])
    # Numeric columns edited directly (weights, amounts) are bounded by Django's DecimalField validation.
    indicator.target_raw, indicator.weight = "5", Decimal(12345)
    with pytest.raises(ValidationError) as exc:
        indicator.full_clean()
    assert "weight" in exc.value.message_dict
