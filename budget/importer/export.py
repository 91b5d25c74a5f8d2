"""The context of one report year as a workbook in the import format, to download, correct and re-upload.

It holds the report year and the year before (what the report compares with), every sheet with its
header even when empty, so the file is also the template.
"""
from __future__ import annotations

import io
from collections.abc import Iterable
from decimal import Decimal

from django.db import models

from budget.models import (
    ActionLine,
    BalanceComponent,
    BalanceIndex,
    BudgetLine,
    DeclaredTotal,
    Participation,
)
from config.spreadsheets import text_cell
from organization.models import (
    Absence,
    ContextTable,
    Entity,
    Organ,
    ParentalLeave,
    StaffBreakdown,
    StaffCount,
    StaffPlan,
    StaffYear,
)
from performance.parsing import format_number

from .schema import CONTEXT_SHEETS, VALUE_COLUMNS

CONTRACT_NAMES = {StaffCount.Contract.FULL_TIME: "pieno", StaffCount.Contract.PART_TIME: "parziale"}


def _number(value: Decimal | int | None) -> Decimal | int | None:
    # Whole amounts as integers so that the sheet shows 13232118, not 13232118.00.
    if isinstance(value, Decimal) and value == value.to_integral_value():
        return int(value)
    return value


def _context_cell(value: str | None) -> str | None:
    """A stored context value as people write it: Italian format with the decimals it was given."""
    if value is None:
        return None
    try:
        number = Decimal(value)
    except ArithmeticError:
        return value
    exponent = number.as_tuple().exponent
    return format_number(number, max(0, -exponent) if isinstance(exponent, int) else 0)


def _ranges(indexes: list[int]) -> str:
    """0-based [0, 1, 2, 5] → "1-3, 6" (columns counted from 1)."""
    parts: list[str] = []
    for index in sorted(set(indexes)):
        if parts and parts[-1][1] == index:
            parts[-1][1] = index + 1
        else:
            parts.append([index + 1, index + 1])
    return ", ".join(f"{a}-{b}" if a != b else str(a) for a, b in parts)


def _rows(entity: Entity, years: list[int], year: int) -> dict[str, Iterable[list[object]]]:
    def of(model: type[models.Model], *related: str) -> models.QuerySet:
        return model.objects.filter(entity=entity, year__in=years).select_related(*related).order_by(
            "-year", *model._meta.ordering[2:])

    def subject(obj) -> str:
        return obj.subject.code if obj.subject_id else ""

    lines = list(of(BudgetLine, "subject", "parent"))
    tables = list(ContextTable.objects.filter(entity=entity, year=year).prefetch_related("rows"))
    return {
        "conto_economico": ([l.year, subject(l), l.section, l.code, l.label, l.parent.code if l.parent_id else "",
                             _number(l.forecast), _number(l.actual), l.position] for l in lines),
        "totali_dichiarati": ([d.year, subject(d), d.key, _number(d.forecast), _number(d.actual)]
                              for d in of(DeclaredTotal, "subject")),
        "interventi_economici": ([a.year, subject(a), a.label, _number(a.forecast), _number(a.actual), a.position]
                                 for a in of(ActionLine, "subject")),
        "componenti_bilancio": ([c.year, c.code, c.label, _number(c.value), c.source]
                                for c in BalanceComponent.objects.filter(entity=entity, year__in=years)
                                .order_by("-year", "code")),
        "indici": ([i.group, i.code, i.label, i.formula, i.format, i.decimals, i.position]
                   for i in BalanceIndex.objects.filter(entity=entity, year=year)),
        "partecipazioni": ([p.year, p.company, _number(p.share_capital), _number(p.nominal_value),
                            _number(p.declared_percent), p.position] for p in of(Participation)),
        "organi": ([o.year, o.kind, o.name, o.description, o.composition, o.members, o.position] for o in of(Organ)),
        "dotazione_organica": ([p.year, p.category, p.planned_posts, p.note, p.position] for p in of(StaffPlan)),
        "personale": ([c.year, c.category, c.gender, CONTRACT_NAMES.get(c.contract, ""),
                       _number(c.part_time_percent), c.headcount, c.position] for c in of(StaffCount)),
        "personale_annuale": ([s.year, _number(s.declared_fte), s.note]
                              for s in StaffYear.objects.filter(entity=entity, year__in=years).order_by("-year")),
        "personale_classi": ([b.year, b.dimension, b.bucket, b.gender, b.headcount, b.position]
                             for b in of(StaffBreakdown)),
        "assenze": ([a.year, a.cause, _number(a.days), a.position] for a in of(Absence)),
        "congedi_parentali": ([p.year, p.gender, p.pay, _number(p.days), p.position] for p in of(ParentalLeave)),
        "contesto_tabelle": ([t.code, t.title, t.source, t.period, t.label_heading, " | ".join(t.columns),
                              _ranges(t.summable_columns), t.note, t.position] for t in tables),
        "contesto_righe": ([t.code, r.label, r.style,
                            *[_context_cell(v) for v in (list(r.values) + [None] * len(VALUE_COLUMNS))[:len(VALUE_COLUMNS)]],
                            r.position] for t in tables for r in t.rows.all()),
    }


def export_context(entity: Entity, year: int) -> bytes:
    """An .xlsx with every sheet of the context workbook, readable back by import_context."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    workbook.remove(workbook.active)
    rows = _rows(entity, [year, year - 1], year)
    for spec in CONTEXT_SHEETS:
        sheet = workbook.create_sheet(spec.name)
        sheet.append([c.name for c in spec.columns])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in rows[spec.name]:
            sheet.append(list(row))
            for cell in sheet[sheet.max_row]:
                text_cell(cell)  # a text such as "=A1" would otherwise be written as a spreadsheet formula
        sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()

