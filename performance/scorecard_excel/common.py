"""Shared by the export and the upload of a scorecard workbook: its columns, title block and cells."""
from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import NamedTuple

from django.conf import settings
from django.utils.translation import gettext as _

from config.spreadsheets import text_cell

from ..entry import EntryData
from ..models import Measurement, Period, Scorecard
from ..parsing import format_number

SHEET, INSTRUCTIONS = "valori", "istruzioni"


class Column(NamedTuple):
    name: str  # the header the upload looks for: fixed, it is the file format (like the plan import's)
    width: int
    field: str = ""  # the EntryData field it fills; "" for the columns the person must not change


COLUMNS = (
    Column("codice", 16), Column("obiettivo", 36), Column("indicatore", 48), Column("algoritmo", 36),
    Column("tipo", 16), Column("target", 14), Column("valore", 14, "value"), Column("numeratore", 14, "numerator"),
    Column("denominatore", 14, "denominator"), Column("nv", 6, "is_nv"), Column("motivazione_nv", 32, "nv_reason"),
    Column("motivazione_scostamento", 32, "shortfall_reason"), Column("nota", 32, "note"), Column("versione", 10),
)


FIELD_COLUMN = {c.field: c.name for c in COLUMNS if c.field}


NUMBER_OF = {c.name: i for i, c in enumerate(COLUMNS, start=1)}  # Excel's column numbers


REQUIRED = ("codice", *FIELD_COLUMN.values(), "versione")


TEXT_FIELDS = ("value", "numerator", "denominator", "nv_reason", "note", "shortfall_reason")


HEADER_ROW = 9  # below the seven lines of the title block and a blank one


HEADER_SEARCH_ROWS = 30


MAX_ROWS = 5000  # a scorecard has tens of rows: a sheet this long is something else


MAX_COLUMNS = 64  # the upload reads no further right: the format has 14 columns, a few added ones are ignored


BLANK_TAIL = 500  # this many blank rows in a row: what follows is formatting, not data


Cell = tuple[object, str]  # an uploaded cell: value, number format


EXCEL_ILLEGAL = re.compile(r"[\000-\010\013\014\016-\037]")


class ImportProblem(NamedTuple):
    row: int | None  # as Excel numbers it; None for the file as a whole
    column: str
    message: str


class ScorecardImportError(Exception):
    """The upload was refused and nothing was written; `errors` lists (row, column, message)."""

    def __init__(self, errors: list[ImportProblem]):
        self.errors = sorted((ImportProblem(*e) for e in errors),
                             key=lambda e: (e.row or 0, NUMBER_OF.get(e.column, 0)))
        super().__init__(self.errors)


@dataclass(frozen=True)
class ImportResult:
    changed: int
    unchanged: int
    empty: int = 0  # rows left blank, skipped


def _title_block(scorecard: Scorecard, period: Period) -> list[tuple[str, object]]:
    cycle = scorecard.cycle
    return [(_("Ente"), cycle.entity.name), (_("Anno del ciclo"), cycle.year), (_("Scheda"), scorecard.title),
            (_("Codice scheda"), scorecard.code), (_("Periodo"), period.name), (_("Codice periodo"), period.code),
            (_("Scadenza"), period.deadline.strftime("%d/%m/%Y") if period.deadline else _("nessuna"))]


def _measurements(indicator_ids: list[int], period: Period) -> dict[int, Measurement]:
    return {m.indicator_id: m for m in Measurement.objects.filter(period=period, indicator_id__in=indicator_ids)
            .select_related("author")}


def _shown(m: Measurement | None) -> EntryData:
    """A stored value as the download writes it (and the page's form shows it)."""
    if m is None:
        return EntryData()

    def plain(value: Decimal | None) -> str:
        return "" if value is None else format(value.normalize(), "f").replace(".", ",")

    return EntryData(value="" if m.is_nv else m.raw_value, numerator=plain(m.numerator),
                     denominator=plain(m.denominator), is_nv=m.is_nv, nv_reason=m.nv_reason, note=m.note,
                     shortfall_reason=m.shortfall_reason)


def _excel_safe(text: str) -> str:
    """What a cell can hold: no control characters (openpyxl refuses them), at most 32767 characters."""
    return EXCEL_ILLEGAL.sub(" ", text)[:32767]


def _put(ws, row: int, column: int, value: object):
    value = _excel_safe(value) if isinstance(value, str) else value
    # A note or a name starting with "=" stays text, never becomes a formula.
    return text_cell(ws.cell(row, column, None if value in ("", None) else value))


def _megabytes() -> str:
    return format_number(Decimal(settings.MAX_UPLOAD_BYTES) / 2**20, 1)

