"""Economic context tables as the pages and the Relazione show them: values in Italian format, and the
total rows checked against the rows above them where the column adds up."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from performance.parsing import format_number


@dataclass(frozen=True)
class TableInput:
    code: str
    title: str
    source: str
    period: str
    note: str
    label_heading: str
    columns: list[str]
    summable_columns: list[int]


@dataclass(frozen=True)
class RowInput:
    label: str
    style: str  # "", "titolo", "totale"
    values: list[str | None]


@dataclass(frozen=True)
class TotalMismatch:
    row: str
    column: str
    printed: Decimal
    computed: Decimal


@dataclass(frozen=True)
class RowView:
    label: str
    style: str
    cells: list[str]


@dataclass(frozen=True)
class TableView:
    table: TableInput
    rows: list[RowView]
    mismatches: list[TotalMismatch]


def _number(value: str | None) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(value)
    except InvalidOperation:
        return None


def _shown(value: str | None) -> str:
    number = _number(value)
    if number is None:
        return value or ""
    # Keep the decimals the source printed ("9,4", "12,0"): the exponent of the stored decimal says how many.
    decimals = max(0, -number.as_tuple().exponent) if isinstance(number.as_tuple().exponent, int) else 0
    return format_number(number, decimals)


def table_view(table: TableInput, rows: list[RowInput]) -> TableView:
    """Every row formatted; each total row compared, column by column where the column adds up, with the
    sum of the plain rows since the previous total (a table may carry several blocks)."""
    width = len(table.columns)
    views: list[RowView] = []
    mismatches: list[TotalMismatch] = []
    block: list[RowInput] = []
    for row in rows:
        cells = [_shown(v) for v in (row.values + [None] * width)[:width]]
        views.append(RowView(row.label, row.style, cells))
        if row.style == "totale":
            for column in table.summable_columns:
                if column >= width:
                    continue
                printed = _number(row.values[column] if column < len(row.values) else None)
                parts = [_number(r.values[column] if column < len(r.values) else None) for r in block]
                if printed is None or not parts or any(p is None for p in parts):
                    continue
                computed = sum(parts, Decimal(0))
                if computed != printed:
                    mismatches.append(TotalMismatch(row.label, table.columns[column], printed, computed))
            block = []
        elif row.style != "titolo":
            block.append(row)
    return TableView(table, views, mismatches)
