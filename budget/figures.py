"""Chapter 1's economic figures, computed from their inputs: conto economico totals, differences and
percentages, interventi economici by line, balance-sheet indices, participations.

Pure: plain Decimal in, plain data out (budget/selectors.py turns rows into inputs). Every total the
source document prints is compared with the computed one and a difference is reported as a Mismatch,
never silently preferred: the page shows ours and flags theirs.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext as _

from performance.parsing import format_number

from .formula import FormulaError, describe, evaluate, parse, substitute

SECTIONS = ("A", "B", "C", "D", "E")
HUNDRED = Decimal(100)


def _sum(values: Iterable[Decimal | None]) -> Decimal | None:
    """Missing amounts count as 0, but a sum of nothing known stays unknown (shown as "-", not "0")."""
    known = [v for v in values if v is not None]
    return sum(known, Decimal(0)) if known else None


def _rounded(value: Decimal, decimals: int) -> Decimal:
    # Reports round half up (as spreadsheets do), not the banker's rounding of Decimal's default.
    return value.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)


def format_amount(value: Decimal | int | None, decimals: int = 0) -> str:
    """"13.232.118" (rounded half up); "–" for a missing amount."""
    if value is None:
        return "–"
    return format_number(_rounded(Decimal(value), decimals), decimals)


def format_euro(value: Decimal | None, decimals: int = 0) -> str:
    """"€ 106.446"; "" for a missing amount."""
    if value is None:
        return ""
    return f"€ {format_number(_rounded(value, decimals), decimals)}"


def format_percent(value: Decimal | None, decimals: int = 0) -> str:
    """A percentage already on the 0-100 scale: "7,6%"; "n.s." (non significativo) when missing."""
    if value is None:
        return _("n.s.")
    return f"{format_number(_rounded(value, decimals), decimals)}%"


@dataclass(frozen=True)
class Amounts:
    forecast: Decimal | None
    actual: Decimal | None

    @property
    def difference(self) -> Decimal | None:
        """Scostamento: actual - forecast, a missing side counting as 0."""
        if self.forecast is None and self.actual is None:
            return None
        return (self.actual or Decimal(0)) - (self.forecast or Decimal(0))

    @property
    def percent(self) -> Decimal | None:
        """Variazione %: difference over |forecast|, unrounded. None ("n.s.") without a forecast, with a
        zero one, or when forecast and actual have opposite signs, where a percentage means nothing (the
        seed's -114% on a result going from -2.006.000 to +279.470)."""
        if not self.forecast:
            return None
        if self.actual is not None and self.actual * self.forecast < 0:
            return None
        difference = self.difference
        assert difference is not None
        return difference / abs(self.forecast) * HUNDRED

    def __add__(self, other: Amounts) -> Amounts:
        return Amounts(_sum([self.forecast, other.forecast]), _sum([self.actual, other.actual]))

    def __neg__(self) -> Amounts:
        return Amounts(None if self.forecast is None else -self.forecast, None if self.actual is None else -self.actual)

    def __sub__(self, other: Amounts) -> Amounts:
        return self + (-other)


def _total(amounts: Iterable[Amounts]) -> Amounts:
    items = list(amounts)
    return Amounts(_sum(a.forecast for a in items), _sum(a.actual for a in items))


@dataclass(frozen=True)
class Mismatch:
    key: str  # a DeclaredTotal key, a parent line's code, or "CE" (interventi vs conto economico)
    label: str
    column: str  # "forecast" / "actual"
    declared: Decimal | None
    computed: Decimal | None

    @property
    def message(self) -> str:
        column = _("preventivo") if self.column == "forecast" else _("consuntivo")
        return _("%(label)s, %(column)s: il documento riporta %(declared)s, la somma delle voci dà %(computed)s.") % {
            "label": self.label, "column": column,
            "declared": format_number(self.declared) if self.declared is not None else "-",
            "computed": format_number(self.computed) if self.computed is not None else "-"}


def _compare(key: str, label: str, declared: Amounts, computed: Amounts) -> list[Mismatch]:
    """A mismatch per column where something is declared and differs (a missing computed side is 0)."""
    found = []
    for column in ("forecast", "actual"):
        said: Decimal | None = getattr(declared, column)
        got: Decimal | None = getattr(computed, column)
        if said is not None and said != (got or Decimal(0)):
            found.append(Mismatch(key, label, column, said, got))
    return found


# ---------------------------------------------------------------------------------------------- conto economico

@dataclass(frozen=True)
class LineInput:
    section: str
    code: str
    label: str
    parent_code: str | None
    forecast: Decimal | None
    actual: Decimal | None
    position: int = 0


@dataclass(frozen=True)
class DeclaredInput:
    key: str
    forecast: Decimal | None
    actual: Decimal | None


@dataclass(frozen=True)
class LineFigure:
    code: str
    label: str
    level: int  # 0: adds to the section; 1: detail of the line above, never added
    amounts: Amounts


@dataclass(frozen=True)
class SectionFigure:
    key: str  # "A".."E", as DeclaredTotal.Key and BudgetLine.section
    label: str
    lines: list[LineFigure]
    total: Amounts

    @property
    def code(self) -> str:
        return self.key


@dataclass(frozen=True)
class IncomeStatement:
    sections: list[SectionFigure]
    current_result: Amounts
    result: Amounts
    mismatches: list[Mismatch] = field(default_factory=list)

    def section(self, code: str) -> SectionFigure:
        return next(s for s in self.sections if s.key == code)


def section_label(code: str) -> str:
    return {
        "A": _("A) Proventi correnti"), "B": _("B) Oneri correnti"), "C": _("C) Gestione finanziaria"),
        "D": _("D) Gestione straordinaria"), "E": _("E) Rettifiche di valore attività finanziaria"),
    }.get(code, code)


def declared_label(key: str) -> str:
    return {
        "A": _("Totale proventi correnti (A)"), "B": _("Totale oneri correnti (B)"),
        "A-B": _("Risultato della gestione corrente (A)-(B)"), "C": _("Gestione finanziaria (C)"),
        "D": _("Gestione straordinaria (D)"), "E": _("Rettifiche di valore (E)"),
        "RIS": _("Risultato economico d'esercizio"), "INT": _("Totale interventi economici"),
    }.get(key, key)


def income_statement(lines: Sequence[LineInput], declared: Sequence[DeclaredInput]) -> IncomeStatement:
    """Sections A..E (always all five, so every statement reads the same) with their lines in order,
    sub-lines right under their parent; totals from the top-level lines only; the declared totals and
    each parent line checked against the sums."""
    ordered = sorted(enumerate(lines), key=lambda item: (item[1].position, item[0]))
    codes = {line.code for line in lines}
    children: dict[str, list[LineInput]] = {}
    tops: dict[str, list[LineInput]] = {code: [] for code in SECTIONS}
    for _index, line in ordered:
        # a parent that is not there cannot absorb its child: the line then counts like any other
        if line.parent_code and line.parent_code in codes:
            children.setdefault(line.parent_code, []).append(line)
        else:
            tops.setdefault(line.section, []).append(line)

    mismatches: list[Mismatch] = []
    sections: list[SectionFigure] = []
    totals: dict[str, Amounts] = {}
    for code, top_lines in tops.items():
        figures: list[LineFigure] = []
        for line in top_lines:
            amounts = Amounts(line.forecast, line.actual)
            figures.append(LineFigure(line.code, line.label, 0, amounts))
            subs = children.get(line.code, [])
            for sub in subs:
                figures.append(LineFigure(sub.code, sub.label, 1, Amounts(sub.forecast, sub.actual)))
            if subs:
                detail = _total(Amounts(s.forecast, s.actual) for s in subs)
                # here the parent is what the document states and its detail what we add up
                mismatches += _compare(line.code, line.label, amounts, detail)
        totals[code] = _total(f.amounts for f in figures if f.level == 0)
        sections.append(SectionFigure(code, section_label(code), figures, totals[code]))

    current = totals["A"] - totals["B"]
    result = _total([current, totals["C"], totals["D"], totals["E"]])
    computed = {**totals, "A-B": current, "RIS": result}
    for item in declared:
        if item.key in computed:  # "INT" belongs to actions()
            mismatches += _compare(item.key, declared_label(item.key), Amounts(item.forecast, item.actual),
                                   computed[item.key])
    return IncomeStatement(sections, current, result, mismatches)


# ------------------------------------------------------------------------------------------ interventi economici

@dataclass(frozen=True)
class ActionInput:
    label: str
    forecast: Decimal | None
    actual: Decimal | None
    position: int = 0


@dataclass(frozen=True)
class ActionsFigure:
    lines: list[tuple[str, Amounts]]
    total: Amounts
    mismatches: list[Mismatch]


def actions(lines: Sequence[ActionInput], declared: DeclaredInput | None,
            statement_line: Amounts | None) -> ActionsFigure:
    """Interventi economici by line of action; the total checked against the printed one and against
    the conto economico's "interventi economici" line, which must be the same money."""
    ordered = [line for _i, line in sorted(enumerate(lines), key=lambda item: (item[1].position, item[0]))]
    rows = [(line.label, Amounts(line.forecast, line.actual)) for line in ordered]
    total = _total(amounts for _label, amounts in rows)
    mismatches: list[Mismatch] = []
    if declared is not None:
        mismatches += _compare("INT", declared_label("INT"), Amounts(declared.forecast, declared.actual), total)
    if statement_line is not None:
        mismatches += _compare("CE", _("Interventi economici nel conto economico"), statement_line, total)
    return ActionsFigure(rows, total, mismatches)


# ------------------------------------------------------------------------------------------------------- indici

@dataclass(frozen=True)
class IndexInput:
    code: str
    group: str
    label: str
    formula: str
    format: str  # "percentuale" / "rapporto" / "euro" / "numero"
    decimals: int = 2
    position: int = 0


@dataclass(frozen=True)
class IndexFigure:
    code: str
    group: str
    label: str
    formula_text: str
    format: str
    decimals: int
    values: dict[int, Decimal | None]
    shown: dict[int, str]
    errors: dict[int, str]
    substituted: dict[int, str]


def format_index(value: Decimal | None, fmt: str, decimals: int) -> str:
    """"4,38%" (a ratio shown ×100), "1,64", "€ 106.446", "83,41"; "n.d." when not computable."""
    if value is None:
        return _("n.d.")
    if fmt == "percentuale":
        return format_percent(value * HUNDRED, decimals)
    if fmt == "euro":
        return format_euro(value, decimals)
    return format_number(_rounded(value, decimals), decimals)


def indices(defs: Sequence[IndexInput], components: dict[int, dict[str, Decimal]], labels: dict[str, str],
            years: list[int]) -> list[IndexFigure]:
    """Each index evaluated for each year; a formula that does not parse, a missing component or a zero
    divisor gives "n.d." and says why in errors (the page lists them for the struttura tecnica)."""
    figures = []
    for _i, item in sorted(enumerate(defs), key=lambda pair: (pair[1].position, pair[1].code, pair[0])):
        values: dict[int, Decimal | None] = {}
        shown: dict[int, str] = {}
        errors: dict[int, str] = {}
        substituted: dict[int, str] = {}
        try:
            expr = parse(item.formula)
        except FormulaError as exc:
            for year in years:
                values[year], shown[year], errors[year], substituted[year] = None, _("n.d."), str(exc), ""
            figures.append(IndexFigure(item.code, item.group, item.label, item.formula, item.format, item.decimals,
                                       values, shown, errors, substituted))
            continue
        for year in years:
            amounts = components.get(year, {})
            substituted[year] = substitute(expr, amounts)
            try:
                values[year] = evaluate(expr, amounts)
            except FormulaError as exc:
                values[year] = None
                errors[year] = str(exc)
            shown[year] = format_index(values[year], item.format, item.decimals)
        figures.append(IndexFigure(item.code, item.group, item.label, describe(expr, labels), item.format,
                                   item.decimals, values, shown, errors, substituted))
    return figures


# ------------------------------------------------------------------------------------------------ partecipazioni

@dataclass(frozen=True)
class ParticipationInput:
    company: str
    share_capital: Decimal
    nominal_value: Decimal
    declared_percent: Decimal | None
    position: int = 0


@dataclass(frozen=True)
class ParticipationFigure:
    company: str
    share_capital: Decimal
    nominal_value: Decimal
    percent: Decimal | None  # 0-100, unrounded
    declared_percent: Decimal | None
    mismatch: bool


def declared_decimals(value: Decimal) -> int:
    """The decimals a declared figure carries. The column stores four places ("2.3400"), so the trailing
    zeros are dropped first; "49,00" then counts as 0 decimals, which only makes the check kinder."""
    exponent = value.normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def participations(rows: Sequence[ParticipationInput]) -> list[ParticipationFigure]:
    """Each company's share = nominal value ÷ share capital; flagged when the printed share is not that
    share rounded to the printed decimals."""
    figures = []
    for _i, row in sorted(enumerate(rows), key=lambda pair: (pair[1].position, pair[1].company, pair[0])):
        percent = row.nominal_value / row.share_capital * HUNDRED if row.share_capital else None
        mismatch = False
        if row.declared_percent is not None:
            mismatch = percent is None or _rounded(percent, declared_decimals(row.declared_percent)) != \
                row.declared_percent
        figures.append(ParticipationFigure(row.company, row.share_capital, row.nominal_value, percent,
                                           row.declared_percent, mismatch))
    return figures
