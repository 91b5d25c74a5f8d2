"""Italian number formats for the context pages and the Relazione."""
from __future__ import annotations

from decimal import Decimal

from django import template

from budget.figures import format_amount, format_percent

register = template.Library()


@register.filter
def amount(value: Decimal | int | None, decimals: int = 0) -> str:
    """13232118 → "13.232.118"; nothing → "–". Rounded as budget.figures rounds (half up), so a page and
    the figures computed for it never differ in the last digit."""
    return format_amount(value, int(decimals))


@register.filter
def pct(value: Decimal | None, decimals: int = 1) -> str:
    """A percentage already on the 0–100 scale; None is "n.s." (not significant), as the accounts print it."""
    return format_percent(value, int(decimals))


@register.filter
def get(mapping, key):
    return mapping.get(key) if mapping else None
