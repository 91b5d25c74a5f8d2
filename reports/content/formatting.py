"""Figures as the Relazione prints them: Italian numbers, dates as dd/mm/yyyy, percentages "98,77%"."""
from __future__ import annotations

import datetime
from decimal import Decimal

from django.utils.translation import gettext as _

from performance.models import Indicator, Measurement
from performance.parsing import format_number

MONTHS = ("gennaio", "febbraio", "marzo", "aprile", "maggio", "giugno", "luglio", "agosto", "settembre",
          "ottobre", "novembre", "dicembre")


def pct(value: Decimal | float | None, decimals: int | None = None) -> str:
    """100.00 → "100%", 98.77 → "98,77%"; None → "–"."""
    if value is None:
        return "–"
    return f"{format_number(value, decimals)}%"


def long_date(day: datetime.date) -> str:
    """"30 giugno 2024", whatever the active language (the Relazione is Italian)."""
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def _decimals_written(raw: str) -> int | None:
    """How many decimals the person typed ("40,0%" → 1), so "40,0%" is not printed as "40%"."""
    body = raw.strip().rstrip("%").strip()
    if "," in body:
        return len(body.rsplit(",", 1)[1])
    return None


def measurement_text(measurement: Measurement | None) -> str:
    """The achieved value from its typed fields, in Italian format; the raw text only when it is no value."""
    if measurement is None:
        return "–"
    if measurement.is_nv:
        return "NV"
    if measurement.value_date is not None:
        return measurement.value_date.strftime("%d/%m/%Y")
    if measurement.value_bool is not None:
        return _("SI") if measurement.value_bool else _("NO")
    if measurement.value_number is not None:
        raw = measurement.raw_value or ""
        text = format_number(measurement.value_number, _decimals_written(raw))
        return f"{text}%" if raw.strip().endswith("%") else text
    if measurement.numerator is not None and measurement.denominator:
        return format_number(measurement.numerator / measurement.denominator, 2)
    return measurement.raw_value or "–"


REALIZATION_WORDS = {
    "nv": "NV",
    "monitoring": "monitoraggio",
    "not_computable": "n.c.",
    "missing": "–",
}


def realization_text(indicator: Indicator) -> str:
    """The engine's stored realization; NV and monitoring say so instead of a number."""
    score = indicator._score()
    if score is None:
        return "–"
    if score.realization is not None:
        return pct(score.realization)
    word = REALIZATION_WORDS.get(score.status, "–")
    return _("monitoraggio") if word == "monitoraggio" else word
