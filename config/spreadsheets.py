"""Spreadsheets out, one set of rules for every writer of .xlsx and CSV.

Out (export_plan, export_results, the open data, the scorecard and context workbooks): what is text stays
text. In .xlsx every text cell is written as a string cell, so "=HYPERLINK(...)" is never a formula and
needs no prefix. In CSV, which has no types, a text starting with = + - @ tab or CR gets a leading
apostrophe, as OWASP recommends against formula injection; numbers ("-3", "+5", "-1,5%") are left alone,
and `csv_text_in` takes the apostrophe off again, so a CSV export imports back unchanged.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any


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
