"""Parsing of values and targets as people write them ("1.284", "98,77%", "30/06/2023", "SI", "<30").

Pure functions, no database: used by the importer, the forms and the engine.
"""
from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from enum import Enum

from django.utils.translation import gettext as _


class ValueShape(str, Enum):
    EMPTY = "empty"
    NUMBER = "number"
    PERCENT = "percent"
    DATE = "date"
    INVALID_DATE = "invalid_date"  # looks like a date but is none (00/01/1900, 31/02/2023)
    BOOLEAN = "boolean"
    NV = "nv"
    MONITORING = "monitoring"


@dataclass(frozen=True)
class ParsedValue:
    raw: str
    shape: ValueShape
    number: Decimal | None = None
    date: datetime.date | None = None
    boolean: bool | None = None
    operator: str = ""  # "<", "<=", ">", ">=" for thresholds


class ValueParseError(ValueError):
    pass


#: The value and target columns (Measurement.value_number, numerator, denominator; Indicator.target_number)
#: are numeric(20, 6): 14 digits before the decimal point. A longer number overflowed PostgreSQL (500) and
#: on SQLite was stored, then broke every page that read it back, so the parser refuses it.
VALUE_DIGITS = (20, 6)


class NumberTooLarge(ValueParseError):
    """A number its database column cannot hold (max_digits, decimal_places of the DecimalField)."""

    def __init__(self, text: str, max_digits: int, decimal_places: int):
        super().__init__(text)
        self.text = text
        self.integer_digits = max_digits - decimal_places

    def describe(self, field: str | None = None) -> str:
        """The Italian message, naming the field ("valore", "peso"...) unless the place already does
        (an importer's issue names its sheet, row and column)."""
        params = {"text": self.text, "field": field, "digits": self.integer_digits}
        if field is None:
            return _("«%(text)s» è un numero troppo grande: al massimo %(digits)d cifre prima della virgola.") % params
        return _("«%(text)s» è un numero troppo grande per il campo «%(field)s»: al massimo %(digits)d cifre "
                 "prima della virgola.") % params


def fits_column(number: Decimal, max_digits: int, decimal_places: int) -> bool:
    """Whether a DecimalField(max_digits, decimal_places) holds `number` once rounded to its decimals."""
    if not number.is_finite():
        return False
    limit = Decimal(10) ** (max_digits - decimal_places)
    if abs(number) >= limit:  # checked first: quantize() of a huge number would itself overflow
        return False
    return abs(number.quantize(Decimal(1).scaleb(-decimal_places), rounding=ROUND_HALF_UP)) < limit


def check_column(number: Decimal, max_digits: int, decimal_places: int, text: str | None = None) -> Decimal:
    """`number` if its column holds it, else NumberTooLarge (the same bound for every channel)."""
    if not fits_column(number, max_digits, decimal_places):
        raise NumberTooLarge(text if text is not None else format(number, "f"), max_digits, decimal_places)
    return number


#: PostgreSQL integer columns: ids are bigint (BigAutoField), versions and positions int.
MAX_BIGINT = 2**63 - 1
MAX_INT = 2**31 - 1
_ASCII_DIGITS = re.compile(r"[0-9]{1,19}")


def parse_bounded_int(raw: object, minimum: int, maximum: int) -> int | None:
    """The integer written in plain ASCII digits within [minimum, maximum], else None.

    Every number a request carries (ids, years, versions, paging) goes through here: `str.isdigit()`
    accepts "²" that int() refuses (500), and int() accepts "+5", " 5", "1_000" and "٥"; a number past its
    column overflowed the query."""
    if not isinstance(raw, str) or not _ASCII_DIGITS.fullmatch(raw):
        return None
    value = int(raw)
    return value if minimum <= value <= maximum else None


def parse_id(raw: object) -> int | None:
    """A database id (1 … bigint) from a URL, query string or form field, else None."""
    return parse_bounded_int(raw, 1, MAX_BIGINT)


_DATE_RE = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")
_ISO_DATE_RE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[ T]00:00(?::00)?)?$")
_OPERATORS = {"<=": "<=", "≤": "<=", ">=": ">=", "≥": ">=", "<": "<", ">": ">"}
_TRUE = {"si", "sì", "s", "vero", "true", "yes", "1"}
_FALSE = {"no", "n", "falso", "false", "0"}


def parse_decimal(text: str) -> Decimal:
    """Italian or plain decimal notation: "1.284" → 1284, "2,60" → 2.60, "-25" → -25, "2.60" → 2.60."""
    s = text.strip().replace("\u00a0", "").replace(" ", "")
    if not s:
        raise ValueParseError("empty")
    if "," in s:
        s = s.replace(".", "").replace(",", ".")
    elif s.count(".") == 1:
        whole, frac = s.split(".")
        # "1.284" is a thousands separator in Italian; "2.60" or "0.5" a decimal point.
        if len(frac) == 3 and whole.lstrip("+-") not in ("", "0"):
            s = whole + frac
    elif s.count(".") > 1:
        s = s.replace(".", "")
    if not re.fullmatch(r"[+-]?\d+(\.\d+)?", s):
        raise ValueParseError(text)
    try:
        number = Decimal(s)
    except InvalidOperation as exc:  # pragma: no cover - the regex already guards this
        raise ValueParseError(text) from exc
    return check_column(number, *VALUE_DIGITS, text=text.strip())


def parse_date(text: str) -> datetime.date:
    m = _DATE_RE.match(text.strip())
    if m:
        day, month, year = (int(g) for g in m.groups())
    else:
        m = _ISO_DATE_RE.match(text.strip())
        if not m:
            raise ValueParseError(text)
        year, month, day = (int(g) for g in m.groups())
    return datetime.date(year, month, day)  # ValueError for 00/01/1900 or 31/02/2023


def parse_value(raw: object) -> ParsedValue:
    """Recognise the shape of a cell. Raises ValueParseError for text that is no value at all."""
    if raw is None:
        return ParsedValue("", ValueShape.EMPTY)
    if isinstance(raw, bool):
        return ParsedValue("SI" if raw else "NO", ValueShape.BOOLEAN, boolean=raw)
    if isinstance(raw, datetime.datetime):
        raw = raw.date()
    if isinstance(raw, datetime.date):
        return ParsedValue(raw.strftime("%d/%m/%Y"), ValueShape.DATE, date=raw)
    if isinstance(raw, (int, float, Decimal)):
        number = check_column(Decimal(str(raw)), *VALUE_DIGITS, text=str(raw))
        return ParsedValue(format_number(number), ValueShape.NUMBER, number=number)
    text = str(raw).strip()
    if not text:
        return ParsedValue("", ValueShape.EMPTY)
    low = text.lower()
    if low in ("nv", "n.v.", "n/v"):
        return ParsedValue(text, ValueShape.NV)
    if low in ("monitoraggio", "monitoring"):
        return ParsedValue(text, ValueShape.MONITORING)
    if low in _TRUE - {"1"}:
        return ParsedValue(text, ValueShape.BOOLEAN, boolean=True)
    if low in _FALSE - {"0"}:
        return ParsedValue(text, ValueShape.BOOLEAN, boolean=False)
    if _DATE_RE.match(text) or _ISO_DATE_RE.match(text):
        try:
            return ParsedValue(text, ValueShape.DATE, date=parse_date(text))
        except ValueError:
            return ParsedValue(text, ValueShape.INVALID_DATE)
    operator = ""
    body = text
    for symbol in ("<=", ">=", "≤", "≥", "<", ">"):
        if body.startswith(symbol):
            operator, body = _OPERATORS[symbol], body[len(symbol):].strip()
            break
    # Thresholds may carry a unit: "≤ 5 giorni", "<30 gg".
    body = re.sub(r"\s*(giorni|gg\.?|giorno)$", "", body, flags=re.IGNORECASE)
    is_percent = body.endswith("%")
    if is_percent:
        body = body[:-1]
    number = parse_decimal(body)
    return ParsedValue(text, ValueShape.PERCENT if is_percent else ValueShape.NUMBER, number=number, operator=operator)


def parse_bool(raw: object) -> bool | None:
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    if isinstance(raw, bool):
        return raw
    low = str(raw).strip().lower()
    if low in _TRUE:
        return True
    if low in _FALSE:
        return False
    raise ValueParseError(str(raw))


def format_number(value: Decimal | int | float | None, decimals: int | None = None) -> str:
    """Italian formatting: 1284.5 → "1.284,5"; integers without decimals."""
    if value is None:
        return ""
    d = Decimal(str(value))
    if decimals is not None:
        d = d.quantize(Decimal(1).scaleb(-decimals))
    sign = "-" if d < 0 else ""
    d = abs(d)
    text = format(d.normalize() if decimals is None else d, "f")
    whole, _, frac = text.partition(".")
    groups = []
    while len(whole) > 3:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    groups.insert(0, whole)
    out = ".".join(groups)
    return f"{sign}{out},{frac}" if frac else f"{sign}{out}"


def target_fields(parsed: ParsedValue | None) -> dict:
    """The Indicator fields a written target stands for (one mapping for importer, admin and forms)."""
    shape = parsed.shape if parsed else ValueShape.EMPTY
    return {
        "target_raw": parsed.raw if parsed else "",
        "target_number": parsed.number if shape in (ValueShape.NUMBER, ValueShape.PERCENT) else None,
        "target_date": parsed.date if shape == ValueShape.DATE else None,
        "target_bool": parsed.boolean if shape == ValueShape.BOOLEAN else None,
        "target_operator": parsed.operator if parsed else "",
    }


def value_fields(parsed: ParsedValue | None) -> dict:
    """The Measurement fields a written value stands for."""
    shape = parsed.shape if parsed else ValueShape.EMPTY
    return {
        "raw_value": parsed.raw if parsed else "",
        "value_number": parsed.number if shape in (ValueShape.NUMBER, ValueShape.PERCENT) else None,
        "value_date": parsed.date if shape == ValueShape.DATE else None,
        "value_bool": parsed.boolean if shape == ValueShape.BOOLEAN else None,
        "is_nv": shape == ValueShape.NV,
    }
