"""The sheets of the context workbook (chapter 1 and the bilancio di genere) and how each cell is read.

See docs/context-workbook-format.md. Cells are converted with the plan importer's machinery
(performance.importer.schema.parse_sheets); the converters here add what the context needs: amounts
where "-" means empty, context values kept as printed decimals, column lists and ranges.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from budget.models import (
    BalanceIndex,
    BudgetLine,
    DeclaredTotal,
    Participation,
    Section,
)
from organization.models import (
    Absence,
    ContextRow,
    Gender,
    Organ,
    ParentalLeave,
    StaffBreakdown,
    StaffCount,
    StaffYear,
)
from performance.importer.schema import (
    CellError,
    Column,
    SheetSpec,
    _choice,
    _decimal,
    _integer,
    _text,
    column_digits,
)
from performance.parsing import ValueParseError, parse_decimal

#: a context table has at most this many value columns (valore_1 … valore_12)
MAX_VALUES = 12
#: rows a context sheet may have, header included (the demo's longest has 42): what lies
#: beyond is refused before it is read (performance/importer/reader.py)
MAX_ROWS = 10_000
#: rows are replaced per year; years before this are certainly a typo
FIRST_YEAR = 1990
# parse_sheets checks a key only when every part is filled; ours may have blank parts (soggetto, area),
# so uniqueness is checked in validate.py with KEYS and this key is never filled.
_NO_KEY = ("-",)
_DASHES = {"-", "–", "—"}
_SLUG = re.compile(r"^[a-z][a-z0-9_]*$")
_TABLE_CODE = re.compile(r"^[a-z0-9][a-z0-9_-]*$")


def _clean(value: object) -> object:
    # Copied from PDFs and word processors, negative numbers often carry a typographic minus.
    return value.replace("\u2212", "-").strip() if isinstance(value, str) else value


# The columns the numbers go to: a cell they cannot hold is refused here, naming its place, instead of
# overflowing PostgreSQL (500) or, on SQLite, being stored and breaking the pages that read it.
MONEY_DIGITS = column_digits(BudgetLine, "actual")
PERCENT_DIGITS = column_digits(Participation, "declared_percent")
PART_TIME_DIGITS = column_digits(StaffCount, "part_time_percent")
FTE_DIGITS = column_digits(StaffYear, "declared_fte")
DAYS_DIGITS = column_digits(Absence, "days")


def _amount(value: object, digits: tuple[int, int] = MONEY_DIGITS) -> Decimal | None:
    """A number in Italian or Excel form; "-" (as printed for "nothing") is empty."""
    value = _clean(value)
    if isinstance(value, str) and value in _DASHES:
        return None
    return _decimal(value, digits)


def _non_negative(value: object, digits: tuple[int, int] = MONEY_DIGITS) -> Decimal | None:
    number = _amount(value, digits)
    if number is not None and number < 0:
        raise CellError(_("deve essere maggiore o uguale a zero, non %(value)s") % {"value": _text(value)})
    return number


def _amount_in(digits: tuple[int, int], convert: Callable[..., Decimal | None] = _amount,
               ) -> Callable[[object], Decimal | None]:
    return lambda value: convert(value, digits)


def _year(value: object) -> int | None:
    number = _integer(value)
    if number is not None and number < FIRST_YEAR:
        raise CellError(_("«%(value)s» non è un anno valido") % {"value": _text(value)})
    return number


def _max(length: int, convert: Callable[[object], object] = _text) -> Callable[[object], object]:
    def check(value: object) -> object:
        result = convert(value)
        if isinstance(result, str) and len(result) > length:
            raise CellError(_("testo troppo lungo: al massimo %(n)d caratteri, qui %(len)d") % {"n": length, "len": len(result)})
        return result

    return check


def _slug(value: object) -> str | None:
    text = _text(value)
    if not text:
        return None
    if not _SLUG.match(text) or len(text) > 60:
        raise CellError(_("«%(value)s» non è un codice valido: lettere minuscole, cifre e _, iniziando con una lettera (es. patrimonio_netto)") % {"value": text})
    return text


def _table_code(value: object) -> str | None:
    text = _text(value)
    if not text:
        return None
    if not _TABLE_CODE.match(text) or len(text) > 40:
        raise CellError(_("«%(value)s» non è un codice di tabella valido: lettere minuscole, cifre, - e _ (es. forze_lavoro)") % {"value": text})
    return text


def context_value(value: object) -> str | None:
    """A context table cell: a number as a canonical decimal string keeping the printed decimals
    ("9,4" → "9.4", "12,0" → "12.0", "4.884" → "4884"), "-" or blank as None, anything else as text."""
    value = _clean(value)
    if value is None or isinstance(value, bool):
        return None if value is None else _text(value)
    if isinstance(value, (int, float, Decimal)):
        return format(Decimal(str(value)), "f")
    text = _text(value)
    if not text or text in _DASHES:
        return None
    try:
        return format(parse_decimal(text), "f")
    except ValueParseError:
        return text  # "n.s.", "4,38%", a note: shown as printed


def _columns(value: object) -> list[str]:
    text = _text(value)
    names = [name.strip() for name in text.split("|")]
    if not text or any(not name for name in names):
        raise CellError(_("elencare le intestazioni delle colonne separate da « | » (es. 2021 | 2022 | 2023), senza voci vuote"))
    if len(names) > MAX_VALUES:
        raise CellError(_("al massimo %(n)d colonne, qui %(count)d") % {"n": MAX_VALUES, "count": len(names)})
    return names


def _ranges(value: object) -> list[int]:
    """ "1-6" or "1, 3, 5-7" (1-based, as people count columns) → sorted 0-based indexes."""
    text = _text(value).replace(" ", "")
    if not text:
        return []
    indexes: set[int] = set()
    for part in text.split(","):
        match = re.fullmatch(r"(\d+)(?:-(\d+))?", part)
        first, last = (int(match.group(1)), int(match.group(2) or match.group(1))) if match else (0, 0)
        if not match or first < 1 or last < first:
            raise CellError(_("«%(value)s» non è un elenco di colonne valido: numeri da 1 e intervalli, es. 1-6 oppure 1, 3, 5-7") % {"value": _text(value)})
        indexes.update(range(first - 1, last))
    return sorted(indexes)


def _choices(choices: type, aliases: dict[str, str], label: str) -> Callable[[object], str | None]:
    return _choice({**{str(c.value).lower(): c.value for c in choices}, **aliases}, label)


# Labels are module constants: translated lazily, when a message is written.
SECTION = _choices(Section, {}, gettext_lazy("sezione"))
DECLARED_KEY = _choices(DeclaredTotal.Key, {}, gettext_lazy("totale"))
INDEX_FORMAT = _choices(BalanceIndex.Format, {}, gettext_lazy("formato"))
ORGAN_KIND = _choices(Organ.Kind, {"collegio": Organ.Kind.AUDITORS, "collegio dei revisori": Organ.Kind.AUDITORS}, gettext_lazy("tipo di organo"))
GENDER = _choices(Gender, {"donne": Gender.WOMEN, "donna": Gender.WOMEN, "d": Gender.WOMEN,
                           "uomini": Gender.MEN, "uomo": Gender.MEN, "u": Gender.MEN}, gettext_lazy("genere"))
CONTRACT = _choices(StaffCount.Contract, {
    "pieno": StaffCount.Contract.FULL_TIME, "tempo pieno": StaffCount.Contract.FULL_TIME,
    "parziale": StaffCount.Contract.PART_TIME, "tempo parziale": StaffCount.Contract.PART_TIME,
    "part-time": StaffCount.Contract.PART_TIME}, gettext_lazy("contratto"))
DIMENSION = _choices(StaffBreakdown.Dimension, {"età": StaffBreakdown.Dimension.AGE,
                                                "titolo di studio": StaffBreakdown.Dimension.EDUCATION,
                                                "anzianità": StaffBreakdown.Dimension.SENIORITY}, gettext_lazy("dimensione"))
CAUSE = _choices(Absence.Cause, {"congedo parentale": Absence.Cause.PARENTAL, "altre cause": Absence.Cause.OTHER},
                 gettext_lazy("causa di assenza"))
PAY = _choices(ParentalLeave.Pay, {"100%": ParentalLeave.Pay.FULL, "30%": ParentalLeave.Pay.PARTIAL,
                                   "0%": ParentalLeave.Pay.UNPAID, "non retribuito": ParentalLeave.Pay.UNPAID},
               gettext_lazy("retribuzione"))
ROW_STYLE = _choices(ContextRow.Style, {}, gettext_lazy("stile"))

YEAR = Column("anno", convert=_year)
SUBJECT = Column("soggetto")
POSITION = Column("ordine", convert=_integer)
VALUE_COLUMNS = tuple(f"valore_{n}" for n in range(1, MAX_VALUES + 1))

CONTEXT_SHEETS: tuple[SheetSpec, ...] = (
    SheetSpec("conto_economico", (
        YEAR, SUBJECT, Column("sezione", True, SECTION), Column("codice", True, _max(10)),
        Column("voce", True, _max(200)), Column("voce_superiore"), Column("preventivo", convert=_amount),
        Column("consuntivo", convert=_amount), POSITION,
    ), key=_NO_KEY),
    SheetSpec("totali_dichiarati", (
        YEAR, SUBJECT, Column("totale", True, DECLARED_KEY), Column("preventivo", convert=_amount),
        Column("consuntivo", convert=_amount),
    ), key=_NO_KEY),
    SheetSpec("interventi_economici", (
        YEAR, SUBJECT, Column("linea", True, _max(300)), Column("previsione", convert=_amount),
        Column("costi", convert=_amount), POSITION,
    ), key=_NO_KEY),
    SheetSpec("componenti_bilancio", (
        YEAR, Column("codice", True, _slug), Column("voce", True, _max(200)),
        Column("valore", True, _amount), Column("fonte", convert=_max(300)),
    ), key=_NO_KEY),
    SheetSpec("indici", (
        Column("gruppo", True, _max(100)), Column("codice", True, _slug), Column("indice", True, _max(300)),
        Column("formula", True, _max(500)), Column("formato", True, INDEX_FORMAT),
        Column("decimali", convert=_integer), POSITION,
    ), key=_NO_KEY),
    SheetSpec("partecipazioni", (
        YEAR, Column("societa", True, _max(200)), Column("capitale_sociale", True, _amount),
        Column("valore_nominale", True, _amount), Column("percentuale", convert=_amount_in(PERCENT_DIGITS)), POSITION,
    ), key=_NO_KEY),
    SheetSpec("organi", (
        YEAR, Column("tipo", True, ORGAN_KIND), Column("nome", True, _max(200)), Column("funzioni"),
        Column("composizione"), Column("componenti", convert=_integer), POSITION,
    ), key=_NO_KEY),
    SheetSpec("dotazione_organica", (
        YEAR, Column("area", True, _max(100)), Column("dotazione", True, _integer), Column("nota", convert=_max(300)),
        POSITION,
    ), key=_NO_KEY),
    SheetSpec("personale", (
        YEAR, Column("area", convert=_max(100)), Column("genere", True, GENDER), Column("contratto", convert=CONTRACT),
        Column("percentuale_part_time", convert=_amount_in(PART_TIME_DIGITS)), Column("dipendenti", True, _integer),
        POSITION,
    ), key=_NO_KEY),
    SheetSpec("personale_annuale", (
        YEAR, Column("fte_dichiarati", convert=_amount_in(FTE_DIGITS, _non_negative)), Column("nota"),
    ), key=_NO_KEY),
    SheetSpec("personale_classi", (
        YEAR, Column("dimensione", True, DIMENSION), Column("classe", True, _max(100)),
        Column("genere", True, GENDER), Column("dipendenti", True, _integer), POSITION,
    ), key=_NO_KEY),
    SheetSpec("assenze", (
        YEAR, Column("causa", True, CAUSE), Column("giorni", True, _amount_in(DAYS_DIGITS, _non_negative)), POSITION,
    ), key=_NO_KEY),
    SheetSpec("congedi_parentali", (
        YEAR, Column("genere", True, GENDER), Column("retribuzione", True, PAY),
        Column("giorni", True, _amount_in(DAYS_DIGITS, _non_negative)), POSITION,
    ), key=_NO_KEY),
    SheetSpec("contesto_tabelle", (
        Column("codice", True, _table_code), Column("titolo", True, _max(300)), Column("fonte", convert=_max(300)),
        Column("periodo", convert=_max(100)), Column("intestazione_righe", convert=_max(200)),
        Column("colonne", True, _columns), Column("colonne_sommabili", convert=_ranges), Column("nota"), POSITION,
    ), key=_NO_KEY),
    SheetSpec("contesto_righe", (
        Column("tabella", True), Column("voce", True, _max(300)), Column("stile", convert=ROW_STYLE),
        *(Column(name, convert=context_value) for name in VALUE_COLUMNS), POSITION,
    ), key=_NO_KEY),
)
SPECS = {spec.name: spec for spec in CONTEXT_SHEETS}

#: what must be unique within each sheet (blank parts included); "anno" is the resolved year
KEYS: dict[str, tuple[str, ...]] = {
    "conto_economico": ("anno", "soggetto", "codice"),
    "totali_dichiarati": ("anno", "soggetto", "totale"),
    "interventi_economici": ("anno", "soggetto", "linea"),
    "componenti_bilancio": ("anno", "codice"),
    "indici": ("codice",),
    "partecipazioni": ("anno", "societa"),
    "organi": ("anno", "nome"),
    "dotazione_organica": ("anno", "area"),
    "personale": ("anno", "area", "genere", "contratto", "percentuale_part_time"),
    "personale_annuale": ("anno",),
    "personale_classi": ("anno", "dimensione", "classe", "genere"),
    "assenze": ("anno", "causa"),
    "congedi_parentali": ("anno", "genere", "retribuzione"),
    "contesto_tabelle": ("codice",),
}
#: sheets whose rows belong to the report year only (no "anno" column)
REPORT_YEAR_SHEETS = ("indici", "contesto_tabelle", "contesto_righe")
