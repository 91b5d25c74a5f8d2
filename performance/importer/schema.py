"""The sheets of the plan workbook and how each cell is read (see docs/workbook-format.md)."""
from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _

from organization.models import OrgUnit

from ..models import Assignment, Direction, IndicatorKind, Scorecard
from ..parsing import (
    MAX_INT,
    VALUE_DIGITS,
    NumberTooLarge,
    ParsedValue,
    ValueParseError,
    ValueShape,
    check_column,
    parse_bool,
    parse_date,
    parse_decimal,
    parse_value,
)
from .errors import ImportIssue
from .reader import Sheet


class CellError(ValueError):
    pass


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def column_digits(model: type, name: str) -> tuple[int, int]:
    """(max_digits, decimal_places) of a DecimalField: the bound a cell written there must respect."""
    field = model._meta.get_field(name)
    return field.max_digits, field.decimal_places


#: Weights (objectives, indicators, assignments) are numeric(7, 3); printed realizations numeric(9, 4).
WEIGHT_DIGITS = column_digits(Assignment, "weight")
PRINTED_DIGITS = column_digits(Assignment, "printed_realization")


def _fits(number: Decimal, digits: tuple[int, int], value: object) -> Decimal:
    try:
        return check_column(number, *digits, text=_text(value))
    except NumberTooLarge as exc:  # the issue names sheet, row and column: the message says the bound
        raise CellError(exc.describe()) from exc


def _decimal(value: object, digits: tuple[int, int] = VALUE_DIGITS) -> Decimal | None:
    if value is None or _text(value) == "":
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return _fits(Decimal(str(value)), digits, value)
    try:
        number = parse_decimal(_text(value).rstrip("%"))
    except NumberTooLarge as exc:
        raise CellError(exc.describe()) from exc
    except ValueParseError as exc:
        raise CellError(_("«%(value)s» non è un numero (es. 12 oppure 2,5)") % {"value": _text(value)}) from exc
    return _fits(number, digits, value)


def decimal_in(digits: tuple[int, int]) -> Callable[[object], Decimal | None]:
    """A converter for a number column whose field is narrower than a value (weights, staff figures)."""
    return lambda value: _decimal(value, digits)


def _weight(value: object) -> Decimal | None:
    number = _decimal(value, WEIGHT_DIGITS)
    if number is not None and number < 0:
        raise CellError(_("il peso deve essere maggiore o uguale a zero, non %(value)s") % {"value": _text(value)})
    return number


def _integer(value: object) -> int | None:
    number = _decimal(value)
    if number is None:
        return None
    if number != number.to_integral_value() or number < 0:
        raise CellError(_("«%(value)s» non è un numero intero non negativo") % {"value": _text(value)})
    if number > MAX_INT:  # positions, counts and years are integer columns
        raise CellError(_("«%(value)s» è un numero troppo grande: al massimo %(max)d") % {
            "value": _text(value), "max": MAX_INT})
    return int(number)


def _date(value: object) -> datetime.date | None:
    if value is None or _text(value) == "":
        return None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    try:
        return parse_date(_text(value))
    except (ValueParseError, ValueError) as exc:
        raise CellError(_("«%(value)s» non è una data valida nel formato gg/mm/aaaa") % {"value": _text(value)}) from exc


def _boolean(value: object) -> bool | None:
    try:
        return parse_bool(value)
    except ValueParseError as exc:
        raise CellError(_("«%(value)s» non è SI o NO") % {"value": _text(value)}) from exc


def _value(value: object) -> ParsedValue:
    try:
        return parse_value(value)
    except NumberTooLarge as exc:
        raise CellError(exc.describe()) from exc
    except ValueParseError as exc:
        raise CellError(
            _("«%(value)s» non è un valore riconoscibile: atteso un numero, una percentuale, una data gg/mm/aaaa, SI/NO, NV o una soglia come <30") % {"value": _text(value)}
        ) from exc


def _printed(value: object) -> ParsedValue:
    """A realization % as printed in the source document: numeric(9, 4) once stored."""
    parsed = _value(value)
    if parsed.number is not None:
        _fits(parsed.number, PRINTED_DIGITS, value)
    return parsed


def _target(value: object) -> ParsedValue:
    parsed = _value(value)
    if parsed.shape == ValueShape.NV:
        raise CellError(_("NV non è un risultato atteso valido"))
    return parsed


def _choice(mapping: dict[str, str], label: str) -> Callable[[object], str | None]:
    def convert(value: object) -> str | None:
        text = _text(value).lower()
        if not text:
            return None
        if text not in mapping:
            allowed = ", ".join(sorted(mapping))
            raise CellError(_("«%(value)s» non è un %(label)s valido; valori ammessi: %(allowed)s") % {"value": _text(value), "label": label, "allowed": allowed})
        return mapping[text]

    return convert


KIND_ALIASES = {
    "numero": IndicatorKind.NUMBER, "percentuale": IndicatorKind.PERCENT, "rapporto": IndicatorKind.RATIO,
    "data": IndicatorKind.DATE, "si_no": IndicatorKind.BOOLEAN, "progetto": IndicatorKind.PROJECT,
    "monitoraggio": IndicatorKind.MONITORING,
    **{k.value: k.value for k in IndicatorKind},
}
DIRECTION_ALIASES = {
    "crescente": Direction.HIGHER, "decrescente": Direction.LOWER, "soglia": Direction.THRESHOLD,
    **{d.value: d.value for d in Direction},
}
UNIT_KIND_ALIASES = {k.value: k.value for k in OrgUnit.Kind}
SCORECARD_KIND_ALIASES = {
    "strategica": Scorecard.Kind.STRATEGIC, "comune": Scorecard.Kind.COMMON, "unita": Scorecard.Kind.UNIT,
    "unità": Scorecard.Kind.UNIT, "individuale": Scorecard.Kind.INDIVIDUAL,
    **{k.value: k.value for k in Scorecard.Kind},
}


@dataclass(frozen=True)
class Column:
    name: str
    required: bool = False
    convert: Callable[[object], object] = _text


@dataclass(frozen=True)
class SheetSpec:
    name: str
    columns: tuple[Column, ...]
    required: bool = False
    key: tuple[str, ...] = ("codice",)  # unique within the sheet

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


SHEETS: tuple[SheetSpec, ...] = (
    SheetSpec("unita", (
        Column("codice", True), Column("nome", True),
        Column("tipo", True, _choice(UNIT_KIND_ALIASES, "tipo di unità")),
        Column("padre"), Column("responsabile"), Column("ordine", convert=_integer),
    )),
    SheetSpec("prospettive", (Column("codice", True), Column("nome", True), Column("ordine", convert=_integer)), required=True),
    SheetSpec("obiettivi_strategici", (
        Column("codice", True), Column("prospettiva", True), Column("titolo", True), Column("descrizione"),
        Column("realizzazione_stampata", convert=_printed), Column("ordine", convert=_integer),
    ), required=True),
    SheetSpec("obiettivi_operativi", (
        Column("codice", True), Column("obiettivo_strategico"), Column("titolo", True),
        Column("peso", convert=_weight), Column("comune", convert=_boolean), Column("ordine", convert=_integer),
    ), required=True),
    SheetSpec("indicatori", (
        Column("codice", True), Column("obiettivo_operativo", True), Column("nome", True), Column("algoritmo"),
        Column("tipo", True, _choice(KIND_ALIASES, "tipo di indicatore")),
        Column("direzione", True, _choice(DIRECTION_ALIASES, "direzione")),
        Column("unita_misura"), Column("target", convert=_target), Column("peso", convert=_weight),
        Column("fonte"), Column("comune", convert=_boolean), Column("ordine", convert=_integer),
    ), required=True),
    SheetSpec("schede", (
        Column("codice", True), Column("tipo", True, _choice(SCORECARD_KIND_ALIASES, "tipo di scheda")),
        Column("titolo", True), Column("unita"), Column("titolare"), Column("ordine", convert=_integer),
    )),
    SheetSpec("assegnazioni", (
        Column("scheda", True), Column("indicatore", True), Column("peso", convert=_weight),
        Column("realizzazione_stampata", convert=_printed), Column("ordine", convert=_integer),
    ), key=("scheda", "indicatore")),
    SheetSpec("periodi", (
        Column("codice", True), Column("nome", True), Column("data_riferimento", True, _date),
        Column("scadenza", convert=_date), Column("finale", convert=_boolean),
    )),
    SheetSpec("valori", (
        Column("indicatore", True), Column("periodo", True), Column("valore", convert=_value),
        Column("numeratore", convert=_decimal), Column("denominatore", convert=_decimal),
        Column("motivazione"), Column("nota"),
    ), key=("indicatore", "periodo")),
)
SPECS = {spec.name: spec for spec in SHEETS}

Record = dict[str, object]


def parse_sheets(sheets: dict[str, Sheet], specs: tuple[SheetSpec, ...] = SHEETS,
                 ) -> tuple[dict[str, list[tuple[int, Record]]], list[ImportIssue]]:
    """Convert every cell; returns records per sheet (with their row number) and every issue found.

    ``specs`` are the sheets the workbook may hold (the plan's by default; the context workbook has its own).
    """
    issues: list[ImportIssue] = []
    names = [spec.name for spec in specs]
    records: dict[str, list[tuple[int, Record]]] = {name: [] for name in names}
    for name in sheets:
        if name not in names:
            issues.append(ImportIssue(name, None, "", _("foglio sconosciuto; i fogli ammessi sono: %(names)s") % {"names": ", ".join(names)}))
    for spec in specs:
        sheet = sheets.get(spec.name)
        if sheet is None:
            if spec.required:
                issues.append(ImportIssue(spec.name, None, "", _("foglio mancante")))
            continue
        if not sheet.header or not any(sheet.header):
            issues.append(ImportIssue(spec.name, 1, "", _("foglio vuoto: manca la riga di intestazione")))
            continue
        known = {c.name for c in spec.columns}
        for position, title in enumerate(sheet.header, start=1):
            if title and title not in known:
                issues.append(ImportIssue(spec.name, 1, title, _("colonna sconosciuta; le colonne ammesse sono: %(names)s") % {"names": ", ".join(c.name for c in spec.columns)}))
        if len(set(h for h in sheet.header if h)) != len([h for h in sheet.header if h]):
            issues.append(ImportIssue(spec.name, 1, "", _("intestazione con colonne ripetute")))
        for column in spec.columns:
            if column.required and column.name not in sheet.header:
                issues.append(ImportIssue(spec.name, 1, column.name, _("colonna obbligatoria mancante")))
        index = {title: i for i, title in enumerate(sheet.header) if title in known}
        seen: dict[tuple, int] = {}
        for row_number, cells in sheet.rows:
            record: Record = {}
            for column in spec.columns:
                i = index.get(column.name)
                raw = cells[i] if i is not None and i < len(cells) else None
                if column.required and _text(raw) == "":
                    if i is not None:
                        issues.append(ImportIssue(spec.name, row_number, column.name, _("valore obbligatorio mancante")))
                    record[column.name] = None
                    continue
                try:
                    record[column.name] = column.convert(raw)
                except CellError as exc:
                    issues.append(ImportIssue(spec.name, row_number, column.name, str(exc)))
                    record[column.name] = None
            key = tuple(record.get(k) for k in spec.key)
            if all(key):
                if key in seen:
                    issues.append(ImportIssue(spec.name, row_number, spec.key[0], _("%(key)s è già presente alla riga %(row)d") % {"key": " / ".join(map(str, key)), "row": seen[key]}))
                else:
                    seen[key] = row_number
            records[spec.name].append((row_number, record))
    return records, issues
