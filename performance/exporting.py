"""Tables out of the database: the plan workbook (export_plan) and the results (export_results)."""
from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path

from django.db.models import QuerySet

from config.spreadsheets import csv_record, csv_row, write_only_row

from .importer.schema import SHEETS
from .models import Assignment, Cycle, Indicator, Measurement, OperationalObjective, Period, Perspective, Scorecard, StrategicObjective
from .parsing import format_number

RESULT_COLUMNS = (
    "scorecard", "perspective", "strategic_objective", "operational_objective", "indicator", "algorithm",
    "kind", "target", "achieved", "realization", "flags",
)

_KIND_OUT = {"number": "numero", "percent": "percentuale", "ratio": "rapporto", "date": "data",
             "boolean": "si_no", "project": "progetto", "monitoring": "monitoraggio"}
_DIRECTION_OUT = {"higher": "crescente", "lower": "decrescente", "threshold": "soglia"}
_SCORECARD_OUT = {"strategic": "strategica", "common": "comune", "unit": "unita", "individual": "individuale"}


def _num(value) -> str:
    return "" if value is None else format_number(value)


def _yes(value: bool) -> str:
    return "SI" if value else ""


def plan_tables(cycle: Cycle | None) -> dict[str, list[list[str]]]:
    """Every sheet of the workbook as rows of text, in the import format (header first)."""
    tables: dict[str, list[list[str]]] = {spec.name: [[c.name for c in spec.columns]] for spec in SHEETS}
    if cycle is None:
        return tables
    for u in cycle.entity.units.select_related("parent").order_by("position", "code"):
        tables["unita"].append([u.code, u.name, u.kind, u.parent.code if u.parent else "", u.head_name, str(u.position)])
    for p in Perspective.objects.filter(cycle=cycle):
        tables["prospettive"].append([p.code, p.name, str(p.position)])
    for so in StrategicObjective.objects.filter(cycle=cycle).select_related("perspective"):
        printed = "" if so.printed_realization is None else _num(so.printed_realization) + "%"
        tables["obiettivi_strategici"].append([so.code, so.perspective.code, so.title, so.narrative, printed, str(so.position)])
    for oo in OperationalObjective.objects.filter(cycle=cycle).select_related("strategic_objective"):
        tables["obiettivi_operativi"].append([
            oo.code, oo.strategic_objective.code if oo.strategic_objective else "", oo.title, _num(oo.weight),
            _yes(oo.is_common), str(oo.position)])
    for i in Indicator.objects.filter(cycle=cycle).select_related("operational_objective"):
        tables["indicatori"].append([
            i.code, i.operational_objective.code, i.name, i.algorithm, _KIND_OUT[i.kind], _DIRECTION_OUT[i.direction],
            i.unit_of_measure, i.target_raw, _num(i.weight), i.source, _yes(i.is_common), str(i.position)])
    for s in Scorecard.objects.filter(cycle=cycle).select_related("unit"):
        tables["schede"].append([s.code, _SCORECARD_OUT[s.kind], s.title, s.unit.code if s.unit else "", s.holder_name,
                                 str(s.position)])
    for a in Assignment.objects.filter(scorecard__cycle=cycle).select_related("scorecard", "indicator").order_by(
            "scorecard__position", "scorecard__code", "position"):
        tables["assegnazioni"].append([a.scorecard.code, a.indicator.code, _num(a.weight), a.printed_realization_raw,
                                       str(a.position)])
    for p in Period.objects.filter(cycle=cycle):
        tables["periodi"].append([p.code, p.name, p.reference_date.strftime("%d/%m/%Y"),
                                  p.deadline.strftime("%d/%m/%Y") if p.deadline else "", _yes(p.is_final)])
    for m in Measurement.objects.filter(indicator__cycle=cycle).select_related("indicator", "period").order_by(
            "indicator__position", "indicator__code", "period__reference_date"):
        tables["valori"].append([m.indicator.code, m.period.code, m.raw_value, _num(m.numerator), _num(m.denominator),
                                 m.nv_reason, m.note])
    return tables


def write_xlsx(tables: dict[str, Sequence[Sequence[object]]], target: Path | io.BytesIO) -> None:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    wb = Workbook(write_only=True)
    bold = Font(bold=True)
    for name, rows in tables.items():
        ws = wb.create_sheet(title=name[:31])
        for index, row in enumerate(rows):
            if index == 0:
                header = [WriteOnlyCell(ws, value=title) for title in row]
                for cell in header:
                    cell.font = bold
                ws.append(header)
            else:
                ws.append(write_only_row(ws, row))  # text as text: a note "=HYPERLINK(…)" is no formula
    wb.save(target)


def write_csv_folder(tables: dict[str, Sequence[Sequence[object]]], folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name, rows in tables.items():
        with (folder / f"{name}.csv").open("w", encoding="utf-8", newline="") as fh:
            # Formula-like text quoted (config/spreadsheets.py); the importer takes the quote off again.
            csv.writer(fh).writerows(csv_row(row) for row in rows)


def result_rows(cycle: Cycle, scorecards: QuerySet[Scorecard] | None = None) -> list[dict[str, str]]:
    """One row per indicator per scorecard, columns as in DESIGN.md (export_results and open data);
    `scorecards` limits the rows to those (the API passes the ones the user may see)."""
    final = Period.objects.filter(cycle=cycle, is_final=True).first()
    values = {}
    if final is not None:
        values = dict(Measurement.objects.filter(period=final).values_list("indicator_id", "raw_value"))
    rows = []
    # Stored results of the engine (performance/recompute.py); empty realization = not scored.
    assignments = (
        Assignment.objects.filter(scorecard__cycle=cycle)
        .select_related("scorecard", "indicator__operational_objective__strategic_objective__perspective",
                        "indicator__score")
        .order_by("scorecard__position", "scorecard__code", "position")
    )
    if scorecards is not None:
        assignments = assignments.filter(scorecard__in=scorecards)
    for a in assignments:
        indicator = a.indicator
        oo = indicator.operational_objective
        so = oo.strategic_objective
        rows.append({
            "scorecard": a.scorecard.title,
            "perspective": so.perspective.name if so else "",
            "strategic_objective": f"{so.code} {so.title}" if so else "",
            "operational_objective": oo.title,
            "indicator": indicator.name,
            "algorithm": indicator.algorithm,
            "kind": indicator.kind,
            "target": indicator.target_raw,
            "achieved": values.get(indicator.pk, ""),
            "realization": _realization(indicator.realization),
            "flags": ";".join(code for code in (indicator.flags, a.flags) if code),
        })
    return rows


def _realization(value) -> str:
    """0–100 with up to two decimals and a dot, as open data expects ("98.77", "100")."""
    if value is None:
        return ""
    text = format(value.quantize(Decimal("0.01")), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def write_results(rows: list[dict[str, str]], fmt: str, target: io.TextIOBase | io.BytesIO | Path) -> None:
    if fmt == "xlsx":
        write_xlsx({"risultati": [list(RESULT_COLUMNS), *[[r[c] for c in RESULT_COLUMNS] for r in rows]]}, target)
    elif fmt == "json":
        text = json.dumps(rows, ensure_ascii=False, indent=1)
        _write_text(target, text + "\n")
    else:
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=RESULT_COLUMNS)
        writer.writeheader()
        writer.writerows(csv_record(row) for row in rows)
        _write_text(target, buffer.getvalue())


def _write_text(target, text: str) -> None:
    if isinstance(target, Path):
        target.write_text(text, encoding="utf-8")
    else:
        target.write(text)
