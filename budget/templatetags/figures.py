"""Italian number formats for the context pages and the Relazione."""
from __future__ import annotations

from decimal import Decimal

from django import template
from django.utils.translation import gettext as _

from performance.parsing import format_number

register = template.Library()


@register.filter
def amount(value: Decimal | int | None, decimals: int = 0) -> str:
    """13232118 → "13.232.118"; nothing → "–"."""
    return "–" if value is None else format_number(value, int(decimals))


@register.filter
def pct(value: Decimal | None, decimals: int = 1) -> str:
    """A percentage already on the 0–100 scale; None is "n.s." (not significant), as the accounts print it."""
    return _("n.s.") if value is None else f"{format_number(value, int(decimals))}%"


@register.filter
def get(mapping, key):
    return mapping.get(key) if mapping else None
