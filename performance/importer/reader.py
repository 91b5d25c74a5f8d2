"""Reads a workbook (.xlsx, a folder of CSV files, or a .zip of CSV files) into plain rows.

Rows stream from the file; cells keep their Python type (str, int, float, datetime) so that the
schema can tell an Excel date from a text that looks like one. Files are checked before they are
parsed and sheets are read no wider than their header nor longer than the format allows
(config/spreadsheets.py): the command line has the web upload's limits.
"""
from __future__ import annotations

import csv
import datetime
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from django.utils.translation import gettext as _

from config.spreadsheets import (
    SpreadsheetRefused,
    TooManyRows,
    check_archive,
    csv_text_in,
    open_workbook,
    table_rows,
)

from ..parsing import format_number
from .errors import ImportFailed, ImportIssue


# Rows a sheet of the plan may have (the 10,000-row benchmark's longest sheet has 3,300) and columns its
# header may have (the widest sheet has twelve): what lies beyond is refused, never read.
MAX_SHEET_ROWS = 50_000
MAX_COLUMNS = 64


@dataclass
class Sheet:
    name: str
    header: list[str]
    rows: list[tuple[int, list[object]]] = field(default_factory=list)  # (spreadsheet row number, cells)


def _normalise_header(cell: object) -> str:
    return str(cell or "").strip().lower()


def _excel_cell(value: object, number_format: str | None) -> object:
    # A cell formatted as a percentage stores 0.9877 for "98,77%": give the importer what people see.
    if isinstance(value, (int, float)) and not isinstance(value, bool) and number_format and "%" in number_format:
        return format_number(Decimal(str(value)) * 100) + "%"
    if isinstance(value, datetime.datetime) and value.time() == datetime.time(0, 0):
        return value.date()
    return value


def _read_xlsx(path: Path, max_rows: int) -> dict[str, Sheet]:
    try:
        wb = open_workbook(path)
    except SpreadsheetRefused as exc:
        raise ImportFailed([ImportIssue(path.name, None, "", str(exc))]) from exc
    except Exception as exc:  # openpyxl raises several unrelated types for a broken file
        raise ImportFailed(
            [ImportIssue(path.name, None, "", _("il file è vuoto o non è una cartella di lavoro .xlsx valida (%(err)s)") % {"err": exc.__class__.__name__})]
        ) from exc
    sheets: dict[str, Sheet] = {}
    try:
        for ws in wb.worksheets:
            sheet = Sheet(ws.title.strip().lower(), [])
            for index, row in table_rows(ws, max_rows=max_rows, max_columns=MAX_COLUMNS):
                cells = [_excel_cell(c.value, getattr(c, "number_format", None)) for c in row]
                if index == 1:
                    sheet.header = [_normalise_header(c) for c in cells]
                    continue
                if any(c not in (None, "") for c in cells):
                    sheet.rows.append((index, cells))
            sheets[sheet.name] = sheet
    except SpreadsheetRefused as exc:
        raise ImportFailed([ImportIssue(ws.title.strip().lower(), None, "", str(exc))]) from exc
    finally:
        wb.close()
    return sheets


def _read_csv_text(name: str, data: bytes, max_rows: int) -> Sheet:
    sheet_name = Path(name).stem.strip().lower()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ImportFailed(
            [ImportIssue(sheet_name, line, "", _("il file %(file)s non è codificato in UTF-8 (byte non valido alla riga %(line)d): salvarlo come «CSV UTF-8»") % {"file": name, "line": line})]
        ) from exc
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    sheet = Sheet(sheet_name, [])
    for index, cells in enumerate(reader, start=1):
        if index > max_rows:
            raise ImportFailed([ImportIssue(sheet_name, None, "", str(TooManyRows(sheet_name, max_rows)))])
        if index == 1:
            sheet.header = [_normalise_header(c) for c in cells]
            continue
        if any(c.strip() for c in cells):
            # The apostrophe export_plan put before formula-like text (config/spreadsheets.py) comes off.
            sheet.rows.append((index, [csv_text_in(c) for c in cells]))
    return sheet


def _iter_csv_sources(path: Path) -> Iterator[tuple[str, bytes]]:
    if path.is_dir():
        for file in sorted(path.glob("*.csv")):
            _check(file)
            yield file.name, file.read_bytes()
        return
    _check(path)
    try:
        with zipfile.ZipFile(path) as archive:
            for info in archive.infolist():
                if info.filename.lower().endswith(".csv") and not info.is_dir():
                    yield Path(info.filename).name, archive.read(info)
    except zipfile.BadZipFile as exc:
        raise ImportFailed([ImportIssue(path.name, None, "", _("archivio .zip non valido"))]) from exc


def _check(path: Path) -> None:
    """The web upload's limits on what a file weighs and unpacks to, before a byte of it is parsed."""
    try:
        check_archive(path)
    except SpreadsheetRefused as exc:
        raise ImportFailed([ImportIssue(path.name, None, "", str(exc))]) from exc


def read_workbook(path: Path, *, max_rows: int = MAX_SHEET_ROWS) -> dict[str, Sheet]:
    """All sheets of the workbook, keyed by lower-case sheet name; `max_rows` is the format's bound on a
    sheet (header included)."""
    if not path.exists():
        raise ImportFailed([ImportIssue(path.name, None, "", _("file non trovato: %(path)s") % {"path": path})])
    if path.is_file() and path.stat().st_size == 0:
        raise ImportFailed([ImportIssue(path.name, None, "", _("il file è vuoto"))])
    suffix = path.suffix.lower()
    if path.is_file() and suffix in (".xlsx", ".xlsm"):
        sheets = _read_xlsx(path, max_rows)
    elif path.is_dir() or suffix == ".zip":
        sheets = {}
        for name, data in _iter_csv_sources(path):
            sheet = _read_csv_text(name, data, max_rows)
            sheets[sheet.name] = sheet
    elif suffix == ".csv":
        raise ImportFailed(
            [ImportIssue(path.name, None, "", _("un piano è fatto di più tabelle: indicare la cartella che contiene i file CSV (uno per foglio) o un archivio .zip, non un singolo CSV"))]
        )
    else:
        raise ImportFailed(
            [ImportIssue(path.name, None, "", _("formato non supportato: usare un file .xlsx, una cartella di CSV o un .zip di CSV"))]
        )
    if not sheets:
        raise ImportFailed([ImportIssue(path.name, None, "", _("nessun foglio trovato"))])
    return sheets
