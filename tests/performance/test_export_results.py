import csv
import io
import json

from django.core.management import call_command
from openpyxl import load_workbook

from performance.exporting import RESULT_COLUMNS
from performance.models import Assignment


def test_csv_has_one_row_per_indicator_per_scorecard(demo_cycle):
    out = io.StringIO()
    call_command("export_results", cycle=2023, format="csv", stdout=out)
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert tuple(rows[0].keys()) == RESULT_COLUMNS
    assert len(rows) == Assignment.objects.filter(scorecard__cycle=demo_cycle).count()
    assert all(r["achieved"] != "" or r["kind"] == "monitoring" for r in rows[:5])


def test_json_and_xlsx_carry_the_same_rows(demo_cycle, tmp_path):
    call_command("export_results", cycle=2023, format="json", output=tmp_path / "r.json")
    call_command("export_results", cycle=2023, format="xlsx", output=tmp_path / "r.xlsx")
    rows = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    sheet = load_workbook(tmp_path / "r.xlsx").active
    assert [c.value for c in sheet[1]] == list(RESULT_COLUMNS)
    assert sheet.max_row - 1 == len(rows)
    assert sheet.cell(row=2, column=5).value == rows[0]["indicator"]
