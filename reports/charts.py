"""Server-side SVG bar charts for report pages and WeasyPrint PDFs.

Pure functions: plain data in, a markup-safe SVG string out. Only SVG 1.1 features WeasyPrint draws
(no CSS variables, no foreignObject, no JavaScript), explicit colours and a fixed viewBox, so the same markup
works inline in a Bootstrap Italia page and in a PDF. Accessibility: role="img" with <title> and <desc>
(the data in words), a text legend, a value on every bar and a hatch on every other series, so colour is
never the only cue.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.html import escape
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from performance.parsing import format_number

from .svg import (  # noqa: F401  (re-exported: the org chart and the PDF import them from here too)
    FONT_FAMILY, GRID, MUTED, PAD, TEXT, WIDTH, chart_id, format_value, num, svg_document, svg_text, text_width,
    wrap_text,
)

# (fill colour, hatched): solid and hatched alternate so adjacent series differ by texture, not only colour.
# All colours reach 3:1 against white as graphical objects and 4.5:1 against white text.
SERIES_STYLES: tuple[tuple[str, bool], ...] = (
    ("#0066CC", False), ("#17324D", True), ("#008055", False), ("#995C00", True), ("#5D7083", False),
    ("#CC334D", True),
)

Series = Sequence[tuple[str, Sequence[Decimal | int | None]]]


def _nice_ticks(low: Decimal, high: Decimal, max_ticks: int) -> list[Decimal]:
    span = high - low
    if span <= 0:
        return [Decimal(0)]
    raw = span / max(max_ticks - 1, 1)
    magnitude = Decimal(10) ** (len(str(int(raw))) - 1) if raw >= 1 else Decimal("0.1")
    step = next((m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw), 10 * magnitude)
    ticks, tick = [], (low / step).to_integral_value(rounding="ROUND_CEILING") * step
    while tick <= high:
        ticks.append(tick)
        tick += step
    return ticks


# ---------------------------------------------------------------- chart model

@dataclass
class _Segment:
    series: int
    lane: int
    start: Decimal
    end: Decimal
    inside: str = ""  # stacked charts write the value inside the segment when it fits


@dataclass
class _Group:
    label: str
    segments: list[_Segment] = field(default_factory=list)
    # (lane, where the bar ends, text, negative side)
    ends: list[tuple[int, Decimal, str, bool]] = field(default_factory=list)
    tooltip: str = ""
    detail: str = ""  # stacked: "35 + 12", shown after the total when a segment is too small for its value
    show_detail: bool = False

    def end_labels(self) -> list[tuple[int, Decimal, str, bool]]:
        if not self.show_detail:
            return self.ends
        return [(lane, at, f"{text} ({self.detail})", neg) for lane, at, text, neg in self.ends]


def _describe(categories: Sequence[str], series: Series, unit: str, decimals: int) -> list[str]:
    return [
        f"{category}: " + ", ".join(f"{name} {format_value(values[i], unit, decimals)}" for name, values in series)
        for i, category in enumerate(categories)
    ]


def _check(categories: Sequence[str], series: Series) -> None:
    for name, values in series:
        if len(values) != len(categories):
            raise ValueError(f"La serie «{name}» ha {len(values)} valori per {len(categories)} categorie.")


def _grouped(categories: Sequence[str], series: Series, unit: str, decimals: int) -> list[_Group]:
    lines = _describe(categories, series, unit, decimals)
    groups = []
    for i, category in enumerate(categories):
        group = _Group(category, tooltip=lines[i])
        for s, (_name, values) in enumerate(series):
            value = values[i]
            if value is None:
                group.ends.append((s, Decimal(0), format_value(None), False))
                continue
            value = Decimal(value)
            group.segments.append(_Segment(s, s, Decimal(0), value))
            group.ends.append((s, value, format_value(value, unit, decimals), value < 0))
        groups.append(group)
    return groups


def _stacked(categories: Sequence[str], series: Series, unit: str, decimals: int) -> list[_Group]:
    lines = _describe(categories, series, unit, decimals)
    groups = []
    for i, category in enumerate(categories):
        group = _Group(category, tooltip=lines[i])
        positive = negative = Decimal(0)
        present = missing = 0
        parts: list[str] = []
        for s, (_name, values) in enumerate(series):
            if values[i] is None:
                missing += 1
                continue
            value = Decimal(values[i])
            present += 1
            parts.append(("− " if value < 0 else "+ ") + format_number(abs(value), decimals))
            base = positive if value >= 0 else negative
            if value:
                group.segments.append(_Segment(s, 0, base, base + value, format_number(value, decimals)))
            if value >= 0:
                positive += value
            else:
                negative += value
        if not present:
            group.ends.append((0, Decimal(0), format_value(None), False))
        else:
            text = format_value(positive + negative, unit, decimals)
            if missing:
                text += " (" + _("in parte n.d.") + ")"
            at, neg = (negative, True) if positive == 0 and negative < 0 else (positive, False)
            group.ends.append((0, at, text, neg))
            group.detail = " ".join(parts).removeprefix("+ ")
        groups.append(group)
    return groups


def _settle(groups: list[_Group], geometry, fits) -> tuple[float, float]:
    """Scale and zero position once every stacked bar whose small segments hide their value shows the detail.

    Showing a detail widens the end labels, which shrinks the scale and may hide more values: repeat until
    stable (it ends because details are only ever switched on).
    """
    while True:
        scale, zero = geometry()
        hidden = [g for g in groups if g.detail and not g.show_detail
                  and any(seg.inside and not fits(seg, scale) for seg in g.segments)]
        if not hidden:
            return scale, zero
        for g in hidden:
            g.show_detail = True


def _style_defs(cid: str, count: int) -> str:
    parts = []
    for s in range(count):
        colour, hatched = SERIES_STYLES[s % len(SERIES_STYLES)]
        if hatched:
            # diagonal lines drawn in the tile (no patternTransform) so every renderer draws the same hatch
            parts.append(
                f'<pattern id="{cid}-p{s}" patternUnits="userSpaceOnUse" width="6" height="6">'
                f'<rect x="0" y="0" width="6" height="6" fill="#FFFFFF"/>'
                f'<path d="M0,6 L6,0 M-1.5,1.5 L1.5,-1.5 M4.5,7.5 L7.5,4.5" stroke="{colour}" stroke-width="1.6"/>'
                f"</pattern>"
            )
    return f"<defs>{''.join(parts)}</defs>" if parts else ""


def _paint(cid: str, s: int) -> tuple[str, str]:
    colour, hatched = SERIES_STYLES[s % len(SERIES_STYLES)]
    return (f"url(#{cid}-p{s})" if hatched else colour), colour


def _header(cid: str, title: str, series: Series) -> tuple[list[str], float]:
    """Visible title and text legend; returns the markup and the y where the plot can start."""
    body = []
    lines, _cut = wrap_text(title, WIDTH - 2 * PAD, 15, max_lines=3, bold=True)
    y = PAD + 14
    for line in lines:
        body.append(svg_text(PAD, y, line, size=15, bold=True))
        y += 19
    x, y = PAD, y + 2
    for s, (name, _values) in enumerate(series):
        item = 14 + 6 + text_width(name, 11) + 18
        if x > PAD and x + item > WIDTH - PAD:
            x, y = PAD, y + 20
        fill, stroke = _paint(cid, s)
        body.append(f'<rect x="{num(x)}" y="{num(y)}" width="14" height="14" fill="{fill}" stroke="{stroke}"/>')
        body.append(svg_text(x + 20, y + 11, name))
        x += item
    return body, y + 28


def _category_label(lines: list[str], x: float, y: float, anchor: str) -> str:
    return "".join(svg_text(x, y + i * 13, line, anchor=anchor) for i, line in enumerate(lines))


# ---------------------------------------------------------------- horizontal bars

def _horizontal(cid: str, title: str, groups: list[_Group], series: Series, stacked: bool) -> tuple[list[str], float]:
    body, top = _header(cid, title, series)
    label_w, value_size = 188.0, 10.5
    lanes = 1 if stacked else len(series)
    bar_h, bar_gap = (20.0, 0.0) if stacked else (14.0, 3.0)
    plot_left, plot_right = PAD + label_w + 8, WIDTH - PAD
    values = [v for g in groups for seg in g.segments for v in (seg.start, seg.end)] + [Decimal(0)]
    low, high = min(values), max(values)
    if low == high:
        high = low + 1

    def geometry() -> tuple[float, float]:
        ends = [end for g in groups for end in g.end_labels()]
        right = max([text_width(t, value_size, stacked) + 6 for _l, _a, t, neg in ends if not neg] + [0])
        left = max([text_width(t, value_size, stacked) + 6 for _l, _a, t, neg in ends if neg] + [0])
        scale = (plot_right - plot_left - left - right) / float(high - low)
        return scale, plot_left + left + float(-low) * scale

    def fits(seg: _Segment, scale: float) -> bool:
        return text_width(seg.inside, value_size, True) + 6 <= float(abs(seg.end - seg.start)) * scale

    scale, zero = _settle(groups, geometry, fits)

    def x_of(v: Decimal) -> float:
        return zero + float(v) * scale

    rows, y = [], top + 4
    for g in groups:
        lines, _cut = wrap_text(g.label, label_w, 11, max_lines=3)
        bars_h = lanes * bar_h + (lanes - 1) * bar_gap
        height = max(bars_h, len(lines) * 13)
        rows.append((g, lines, y + (height - len(lines) * 13) / 2, y + (height - bars_h) / 2))
        y += height + 12
    bottom = y - 6
    ticks = _nice_ticks(low, high, max(2, int((x_of(high) - x_of(low)) / 90) + 1))
    for t in ticks:
        body.append(f'<line x1="{num(x_of(t))}" y1="{num(top)}" x2="{num(x_of(t))}" y2="{num(bottom)}" '
                    f'stroke="{GRID}" stroke-width="1"/>')
        body.append(svg_text(x_of(t), bottom + 13, format_number(t), size=9.5, fill=MUTED, anchor="middle"))
    for g, lines, gy, by in rows:
        part = [f"<title>{escape(g.tooltip)}</title>",
                _category_label(lines, PAD + label_w, gy + 10, "end")]
        for seg in g.segments:
            fill, stroke = _paint(cid, seg.series)
            x0, x1 = sorted((x_of(seg.start), x_of(seg.end)))
            ly = by + seg.lane * (bar_h + bar_gap)
            if seg.start != seg.end:
                part.append(f'<rect x="{num(x0)}" y="{num(ly)}" width="{num(max(x1 - x0, 0.8))}" '
                            f'height="{num(bar_h)}" fill="{fill}" stroke="{stroke}" stroke-width="0.8"/>')
            if seg.inside and fits(seg, scale):
                part.append(_inside_label(cid, seg.series, (x0 + x1) / 2, ly + bar_h / 2 + 3.6, seg.inside, value_size))
        for lane, at, text, neg in g.end_labels():
            ly = by + lane * (bar_h + bar_gap) + bar_h / 2 + 3.6
            x = x_of(at) + (-4 if neg else 4)
            part.append(svg_text(x, ly, text, size=value_size, anchor="end" if neg else "start", bold=stacked))
        body.append(f'<g class="chart-category">{"".join(part)}</g>')
    body.append(f'<line x1="{num(zero)}" y1="{num(top)}" x2="{num(zero)}" y2="{num(bottom)}" '
                f'stroke="{TEXT}" stroke-width="1.5"/>')
    return body, bottom + 22


def _inside_label(cid: str, s: int, x: float, y: float, text: str, size: float) -> str:
    _colour, hatched = SERIES_STYLES[s % len(SERIES_STYLES)]
    if not hatched:
        return svg_text(x, y, text, size=size, fill="#FFFFFF", anchor="middle", bold=True)
    # dark text on a white plate: readable over the hatch
    w = text_width(text, size, True) + 4
    return (f'<rect x="{num(x - w / 2)}" y="{num(y - size + 1)}" width="{num(w)}" height="{num(size + 2)}" '
            f'fill="#FFFFFF"/>' + svg_text(x, y, text, size=size, anchor="middle", bold=True))


# ---------------------------------------------------------------- vertical columns

def _vertical(cid: str, title: str, groups: list[_Group], series: Series, stacked: bool) -> tuple[list[str], float]:
    body, top = _header(cid, title, series)
    value_size, plot_h = 10.0, 240.0
    lanes = 1 if stacked else len(series)
    values = [v for g in groups for seg in g.segments for v in (seg.start, seg.end)] + [Decimal(0)]
    low, high = min(values), max(values)
    if low == high:
        high = low + 1
    ticks = _nice_ticks(low, high, 6)
    axis_w = max(text_width(format_number(t), 9.5) for t in ticks) + 6
    plot_left, plot_right = PAD + axis_w, WIDTH - PAD
    slot = (plot_right - plot_left) / max(len(groups), 1)
    bar_w = min(36.0, slot * 0.8 / lanes)
    # value labels turn vertical when they are wider than their column
    rotate = False

    def geometry() -> tuple[float, float]:
        nonlocal rotate
        ends = [end for g in groups for end in g.end_labels()]
        longest = max([text_width(t, value_size, stacked) for _l, _a, t, _n in ends] + [0])
        rotate = longest > bar_w + (slot * 0.2 / lanes)
        room = longest + 6 if rotate else 14
        up = room if any(not n for *_r, n in ends) else 0
        down = room if any(n for *_r, n in ends) else 0
        scale = (plot_h - up - down) / float(high - low)
        return scale, top + up + float(high) * scale

    def fits(seg: _Segment, scale: float) -> bool:
        return (float(abs(seg.end - seg.start)) * scale >= value_size + 4
                and text_width(seg.inside, value_size, True) <= bar_w - 4)

    scale, zero = _settle(groups, geometry, fits)

    def y_of(v: Decimal) -> float:
        return zero - float(v) * scale

    bottom = top + plot_h
    for t in ticks:
        body.append(f'<line x1="{num(plot_left)}" y1="{num(y_of(t))}" x2="{num(plot_right)}" y2="{num(y_of(t))}" '
                    f'stroke="{GRID}" stroke-width="1"/>')
        body.append(svg_text(plot_left - 4, y_of(t) + 3.5, format_number(t), size=9.5, fill=MUTED, anchor="end"))
    label_h = 0.0
    for i, g in enumerate(groups):
        cx = plot_left + slot * (i + 0.5)
        x_start = cx - lanes * bar_w / 2
        lines, _cut = wrap_text(g.label, slot - 6, 10.5, max_lines=4)
        label_h = max(label_h, len(lines) * 12.5)
        part = [f"<title>{escape(g.tooltip)}</title>"]
        part += [svg_text(cx, bottom + 14 + j * 12.5, line, size=10.5, anchor="middle") for j, line in enumerate(lines)]
        for seg in g.segments:
            fill, stroke = _paint(cid, seg.series)
            y0, y1 = sorted((y_of(seg.start), y_of(seg.end)))
            x = x_start + seg.lane * bar_w
            if seg.start != seg.end:
                part.append(f'<rect x="{num(x + 1)}" y="{num(y0)}" width="{num(bar_w - 2)}" '
                            f'height="{num(max(y1 - y0, 0.8))}" fill="{fill}" stroke="{stroke}" stroke-width="0.8"/>')
            if seg.inside and fits(seg, scale):
                part.append(_inside_label(cid, seg.series, x + bar_w / 2, (y0 + y1) / 2 + 3.5, seg.inside, value_size))
        for lane, at, text, neg in g.end_labels():
            x = x_start + (lane + 0.5) * bar_w
            y = y_of(at) + (4 if neg else -4)
            if rotate:
                part.append(svg_text(x + 3.5, y, text, size=value_size, anchor="end" if neg else "start",
                                     bold=stacked, extra=f' transform="rotate(-90 {num(x + 3.5)} {num(y)})"'))
            else:
                part.append(svg_text(x, y + (value_size if neg else 0), text, size=value_size, anchor="middle",
                                     bold=stacked))
        body.append(f'<g class="chart-category">{"".join(part)}</g>')
    body.append(f'<line x1="{num(plot_left)}" y1="{num(zero)}" x2="{num(plot_right)}" y2="{num(zero)}" '
                f'stroke="{TEXT}" stroke-width="1.5"/>')
    return body, bottom + 14 + label_h + 6


# ---------------------------------------------------------------- public API

def _chart(kind: str, title: str, categories: Sequence[str], series: Series, unit: str, horizontal: bool,
           decimals: int) -> SafeString:
    _check(categories, series)
    stacked = kind == "stacked"
    cid = chart_id("chart", kind, title, list(categories), [(n, list(v)) for n, v in series], unit, horizontal,
                   decimals)
    groups = (_stacked if stacked else _grouped)(categories, series, unit, decimals)
    body, height = (_horizontal if horizontal else _vertical)(cid, title, groups, series, stacked)
    summary = _("Grafico a barre sovrapposte") if stacked else _("Grafico a barre")
    if unit:
        summary += " " + _("(valori in %(unit)s)") % {"unit": unit}
    desc = f"{summary}. " + "; ".join(g.tooltip for g in groups) + "."
    return svg_document(cid, WIDTH, height, title, desc, [_style_defs(cid, len(series)), *body], "chart")


def grouped_bar_chart(title: str, categories: Sequence[str], series: Series, *, unit: str = "",
                      horizontal: bool = True, decimals: int = 0) -> SafeString:
    """One bar per series side by side for each category (e.g. preventivo vs consuntivo by line)."""
    return _chart("grouped", title, categories, series, unit, horizontal, decimals)


def stacked_bar_chart(title: str, categories: Sequence[str], series: Series, *, unit: str = "",
                      horizontal: bool = True, decimals: int = 0) -> SafeString:
    """The series stacked in one bar per category, total at the end (e.g. staff by area, women + men)."""
    return _chart("stacked", title, categories, series, unit, horizontal, decimals)
