"""SVG building blocks shared by the charts (reports/charts.py) and the org chart (organization/orgchart.py):
text measuring and wrapping, stable ids, numbers, text elements and the accessible document wrapper."""
from __future__ import annotations

import hashlib
from decimal import Decimal

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from performance.parsing import format_number

FONT_FAMILY = "'Titillium Web', Arial, sans-serif"
WIDTH = 640
PAD = 12
TEXT = "#17324D"  # Bootstrap Italia dark: 12.6:1 on white
MUTED = "#5D7083"  # secondary: 5.0:1 on white, still AA for text
GRID = "#D9DADB"



def text_width(text: str, size: float, bold: bool = False) -> float:
    """Approximate rendered width (Arial metrics, the widest font in our family list)."""
    total = 0.0
    for ch in text:
        if ch in "il.,:;'|!j ":
            total += 0.28
        elif ch in "mwMW":
            total += 0.85
        elif ch.isupper() or ch in "€%&":
            total += 0.68
        else:
            total += 0.55
    return total * size * (1.07 if bold else 1.0)


def wrap_text(text: str, width: float, size: float, *, max_lines: int = 3, bold: bool = False) -> tuple[list[str], bool]:
    """Words into lines no wider than `width`; returns (lines, truncated). Over-long text ends with "…"."""
    lines: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}" if current else word
        if current and text_width(candidate, size, bold) > width:
            lines.append(current)
            current = word
        else:
            current = candidate
    if current:
        lines.append(current)
    truncated = len(lines) > max_lines
    lines = lines[:max_lines] or [""]
    # a single word wider than the box, or the cut-off last line, is shortened by characters
    for i, line in enumerate(lines):
        last = i == len(lines) - 1
        if text_width(line, size, bold) > width or (last and truncated):
            while line and text_width(line + "…", size, bold) > width:
                line = line[:-1]
            lines[i] = line.rstrip() + "…"
            truncated = True
    return lines, truncated


def chart_id(prefix: str, *parts: object) -> str:
    """Stable id from the inputs: same data, same bytes; different charts on one page never clash."""
    return f"{prefix}-{hashlib.sha256(repr(parts).encode()).hexdigest()[:10]}"


def num(value: float) -> str:
    """Coordinates with one decimal, never "-0.0", so the output is byte-stable."""
    text = f"{value:.1f}"
    return "0" if text in ("0.0", "-0.0") else text.removesuffix(".0")


def svg_text(x: float, y: float, text: str, *, size: float = 11, fill: str = TEXT, anchor: str = "start",
             bold: bool = False, italic: bool = False, extra: str = "") -> str:
    attrs = f'x="{num(x)}" y="{num(y)}" font-size="{num(size)}" fill="{fill}"'
    if anchor != "start":
        attrs += f' text-anchor="{anchor}"'
    if bold:
        attrs += ' font-weight="bold"'
    if italic:
        attrs += ' font-style="italic"'
    return f"<text {attrs}{extra}>{escape(text)}</text>"


def svg_document(cid: str, width: float, height: float, title: str, desc: str, body: list[str],
                 css_class: str) -> SafeString:
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" version="1.1" class="{css_class}" id="{cid}" role="img" '
        f'aria-labelledby="{cid}-title {cid}-desc" width="100%" viewBox="0 0 {num(width)} {num(height)}" '
        f'font-family="{FONT_FAMILY}">'
        f'<title id="{cid}-title">{escape(title)}</title><desc id="{cid}-desc">{escape(desc)}</desc>'
        f'<rect x="0" y="0" width="{num(width)}" height="{num(height)}" fill="#FFFFFF"/>'
    )
    return mark_safe(head + "".join(body) + "</svg>")


# ---------------------------------------------------------------- values

def format_value(value: Decimal | int | None, unit: str = "", decimals: int = 0) -> str:
    if value is None:
        return _("n.d.")
    text = format_number(value, decimals)
    if unit == "€":
        return f"€ {text}"
    if unit == "%":
        return f"{text}%"
    return f"{text} {unit}" if unit else text
