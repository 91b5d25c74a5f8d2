"""Spreadsheets in and out, one set of rules for every writer and reader of .xlsx and CSV.

Out (export_plan, export_results, the open data, the scorecard and context workbooks): what is text stays
text. In .xlsx every text cell is written as a string cell, so "=HYPERLINK(...)" is never a formula and
needs no prefix. In CSV, which has no types, a text starting with = + - @ tab or CR gets a leading
apostrophe, as OWASP recommends against formula injection; numbers ("-3", "+5", "-1,5%") are left alone,
and `csv_text_in` takes the apostrophe off again, so a CSV export imports back unchanged.

In (import_plan, import_context, the scorecard upload; web and command line): a workbook is a zip, and
its central directory declares how big each part unpacks to. Python's zipfile never unpacks a part past
its declared size (it stops there and reports a broken file), so checking the declared sizes before
openpyxl opens the file bounds what it can read. A sheet's <dimension> is only a claim: openpyxl pads
every row to it (A1:XFD1000 made a 9 KB upload take 1.4 GB), so it is ignored, rows are read only as
wide as the caller needs and no further than the format allows.
"""
from __future__ import annotations

import re
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.utils.translation import gettext as _

# --- out ------------------------------------------------------------------------------------------------

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# A number as the exports write it (Italian or plain notation, sign, percent): never a formula.
_NUMBER = re.compile(r"[+-]?[\d.,]*\d[\d.,]*%?")


def _needs_quote(text: str) -> bool:
    # Apostrophes already there count too ("'=x" leaves as "''=x"), so that reading one back is exact.
    rest = text.lstrip("'")
    return rest[:1] in FORMULA_START and not _NUMBER.fullmatch(rest)


def csv_text(value: object) -> object:
    """A CSV cell that a spreadsheet program will not run: formula-like text gets a leading apostrophe."""
    return "'" + value if isinstance(value, str) and _needs_quote(value) else value


def csv_row(row: Iterable[object]) -> list[object]:
    return [csv_text(value) for value in row]


def csv_record(row: dict[str, object]) -> dict[str, object]:
    return {key: csv_text(value) for key, value in row.items()}


def csv_text_in(text: str) -> str:
    """A CSV cell as it was before `csv_text` (also what a spreadsheet program means by a leading apostrophe)."""
    return text[1:] if text.startswith("'") and _needs_quote(text[1:]) else text


def text_cell(cell: Any) -> Any:
    """An openpyxl cell (normal or write-only) whose text is kept as text: openpyxl types any string that
    starts with "=" as a formula."""
    if isinstance(cell.value, str):
        cell.data_type = "s"
    return cell


def write_only_row(ws: Any, row: Sequence[object]) -> list[object]:
    """A row for a write-only sheet's append(), its texts as string cells."""
    from openpyxl.cell import WriteOnlyCell

    return [text_cell(WriteOnlyCell(ws, value=value)) if isinstance(value, str) else value for value in row]


# --- in -------------------------------------------------------------------------------------------------

# Ratio of unpacked to packed size above which a part is not spreadsheet XML but a bomb: real sheets and
# shared strings pack 5 to 30 times; below MIN_RATIO_CHECK bytes the ratio says nothing.
MAX_COMPRESSION_RATIO = 200
MIN_RATIO_CHECK = 1 * 2**20
# What all the parts may unpack to, in uploads allowed (MAX_UPLOAD_BYTES): a workbook packs about ten to one.
UNPACKED_PER_UPLOAD = 10
# What one part may unpack to: openpyxl streams the sheets but loads the shared strings whole (about four
# times their size in memory; the part holding them can have any name), so no part may pass 3 uploads.
PART_PER_UPLOAD = 3


class SpreadsheetRefused(Exception):
    """The file is refused before it is parsed; the message is short, Italian and never quotes the file."""


def _mb(size: int) -> str:
    return format(Decimal(size) / 2**20, ".1f").replace(".", ",").removesuffix(",0")


def check_archive(source: Path | IO[bytes], *, size: int | None = None) -> None:
    """Refuse a workbook (or a .zip of CSV files) larger than an upload may be, or whose parts unpack past
    the limits; `size` is the file's size when `source` is a stream. A file that is not a zip at all is
    left to the reader, which names it as not a workbook."""
    limit = settings.MAX_UPLOAD_BYTES
    if size is None and isinstance(source, Path):
        size = source.stat().st_size
    if size is not None and size > limit:
        raise SpreadsheetRefused(_("Il file supera la dimensione massima di %(mb)s MB.") % {"mb": _mb(limit)})
    try:
        with zipfile.ZipFile(source) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, OSError, EOFError):
        return
    finally:
        if not isinstance(source, Path):
            source.seek(0)
    unpacked = UNPACKED_PER_UPLOAD * limit
    if sum(p.file_size for p in parts) > unpacked:
        raise SpreadsheetRefused(_("Il contenuto del file, decompresso, supera la dimensione massima di %(mb)s MB.")
                                 % {"mb": _mb(unpacked)})
    largest = max((p.file_size for p in parts), default=0)
    if largest > PART_PER_UPLOAD * limit:
        raise SpreadsheetRefused(_("Una parte del file, decompressa, supera la dimensione massima di %(mb)s MB.")
                                 % {"mb": _mb(PART_PER_UPLOAD * limit)})
    for part in parts:
        if part.file_size > MIN_RATIO_CHECK and part.file_size > MAX_COMPRESSION_RATIO * max(part.compress_size, 1):
            raise SpreadsheetRefused(_("Il file contiene una parte compressa oltre %(n)d volte: non è una "
                                       "cartella di lavoro ordinaria.") % {"n": MAX_COMPRESSION_RATIO})


def open_workbook(source: Path | IO[bytes], *, size: int | None = None) -> Any:
    """A read-only openpyxl workbook of a checked file (SpreadsheetRefused before a byte is parsed). Values,
    not formulas: a formula's last computed value is what the person saw."""
    from openpyxl import load_workbook

    check_archive(source, size=size)
    return load_workbook(source, read_only=True, data_only=True)


# The two below carry the sheet's name for the caller's error list, which says the sheet itself.
class TooManyRows(SpreadsheetRefused):
    def __init__(self, sheet: str, max_rows: int):
        self.sheet = sheet
        super().__init__(_("il foglio ha righe oltre la %(n)d: eliminare le righe in più (anche vuote ma "
                           "formattate) o dividere il file") % {"n": max_rows})


class TooManyColumns(SpreadsheetRefused):
    def __init__(self, sheet: str, max_columns: int):
        self.sheet = sheet
        super().__init__(_("l'intestazione ha più di %(n)d colonne") % {"n": max_columns})


def sheet_rows(ws: Any, *, max_rows: int, max_columns: int) -> Iterator[tuple[int, tuple[Any, ...]]]:
    """(row number, cells) of a read-only sheet, every row at most `max_columns` wide; TooManyRows as soon
    as a row past `max_rows` turns up, so a row numbered a million is never waited for."""
    ws.reset_dimensions()  # the declared size is the file's claim: without this openpyxl pads every row to it
    for number, row in enumerate(ws.iter_rows(max_col=max_columns), start=1):
        if number > max_rows:
            raise TooManyRows(ws.title, max_rows)
        yield number, row


def table_rows(ws: Any, *, max_rows: int, max_columns: int) -> Iterator[tuple[int, list[Any]]]:
    """Like sheet_rows for a sheet whose first row is its header: every row as wide as the header (the last
    titled column), at most `max_columns`."""
    width = 0
    for number, row in sheet_rows(ws, max_rows=max_rows, max_columns=max_columns + 1):
        if number == 1:
            titled = [i for i, c in enumerate(row, start=1) if c.value not in (None, "")]
            width = titled[-1] if titled else 0
            if width > max_columns:
                raise TooManyColumns(ws.title, max_columns)
        yield number, list(row[:width])
