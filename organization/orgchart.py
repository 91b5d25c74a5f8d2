"""Organisation chart of an entity as server-side SVG (pages and WeasyPrint PDFs).

Top-down tree: the ente (or every unit without a parent) on top, children ordered by position then code.
Leaves under one parent are stacked as an indented list, and a level too wide for an A4 portrait page wraps
into several rows, so the viewBox never grows wider than WIDTH however many units there are.
"""
from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

from django.db.models import QuerySet
from django.utils.html import escape
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from reports.svg import (
    MUTED,
    PAD,
    TEXT,
    WIDTH,
    chart_id,
    num,
    svg_document,
    svg_text,
    wrap_text,
)

BOX_W = 148.0
H_GAP = 8.0  # between sibling subtrees in a row
V_GAP = 22.0  # between a box and the row of its children
LIST_INDENT = 12.0  # leaves hang from a line on the left of their parent
LIST_GAP = 6.0
LIST_MAX = 8  # more leaves than this are laid out as wrapped rows instead of one tall list
TRUNK = 12.0  # room on the left of wrapped rows for the line joining them
LINE = "#5D7083"
NAME_SIZE, HEAD_SIZE, KIND_SIZE = 10.5, 9.5, 9.0

# kind -> (fill, border, text colour, head colour, dashed). White text only on fills with ≥ 4.5:1 contrast.
STYLES: dict[str, tuple[str, str, str, str, bool]] = {
    "ente": ("#17324D", "#17324D", "#FFFFFF", "#FFFFFF", False),
    "area": ("#0066CC", "#0066CC", "#FFFFFF", "#FFFFFF", False),
    "servizio": ("#FFFFFF", "#0066CC", TEXT, MUTED, False),
    "ufficio": ("#FFFFFF", "#5D7083", TEXT, MUTED, False),
    "azienda_speciale": ("#FFFFFF", "#17324D", TEXT, MUTED, True),
}


class UnitInput(NamedTuple):
    id: int
    parent_id: int | None
    code: str
    name: str
    kind: str
    head_name: str
    position: int


#: The OrgUnit columns the chart draws, in UnitInput's order (also the keys of a snapshot's unit rows).
UNIT_FIELDS = ("id", "parent_id", "code", "name", "kind", "head_name", "position")


def units_from_queryset(qs: QuerySet) -> list[UnitInput]:
    """OrgUnit rows as plain data, in one query."""
    return [UnitInput(*row) for row in qs.values_list(*UNIT_FIELDS)]


@dataclass
class _Node:
    unit: UnitInput
    children: list[_Node] = field(default_factory=list)


@dataclass
class _Block:
    """A laid-out subtree: markup in local coordinates, its size and where its top box's centre is."""
    width: float
    height: float
    anchor: float
    parts: list[str]


def _forest(units: Sequence[UnitInput]) -> list[_Node]:
    nodes = {u.id: _Node(u) for u in units}
    roots = []
    for node in nodes.values():
        parent = nodes.get(node.unit.parent_id) if node.unit.parent_id is not None else None
        (parent.children if parent else roots).append(node)
    order = lambda n: (n.unit.position, n.unit.code)
    # a parent loop leaves units unreachable from any root: draw them as roots instead of losing them
    seen: set[int] = set()

    def visit(node: _Node) -> None:
        seen.add(node.unit.id)
        node.children = [c for c in sorted(node.children, key=order) if c.unit.id not in seen]
        for child in node.children:
            visit(child)

    roots.sort(key=order)
    for root in roots:
        visit(root)
    for node in sorted(nodes.values(), key=order):
        if node.unit.id not in seen:
            roots.append(node)
            visit(node)
    return roots


def _box(unit: UnitInput, width: float) -> _Block:
    fill, border, colour, head_colour, dashed = STYLES.get(unit.kind, STYLES["servizio"])
    inner = width - 12
    parts, y = [], 6.0
    lines_out: list[str] = []
    if dashed:
        lines_out.append(svg_text(6, y + 9, _("Azienda speciale"), size=KIND_SIZE, fill=head_colour, italic=True))
        y += 12
    name_lines, _cut = wrap_text(unit.name, inner, NAME_SIZE, max_lines=3, bold=True)
    for line in name_lines:
        lines_out.append(svg_text(6, y + 10, line, size=NAME_SIZE, fill=colour, bold=True))
        y += 13
    if unit.head_name:
        head_lines, _cut = wrap_text(unit.head_name, inner, HEAD_SIZE, max_lines=2)
        y += 1
        for line in head_lines:
            lines_out.append(svg_text(6, y + 9, line, size=HEAD_SIZE, fill=head_colour))
            y += 12
    height = y + 6
    dash = ' stroke-dasharray="5 3"' if dashed else ""
    tooltip = unit.name + (f" – {_('responsabile')}: {unit.head_name}" if unit.head_name else "")
    parts.append(
        f'<g class="orgchart-unit"><title>{escape(tooltip)}</title>'
        f'<rect x="0.75" y="0.75" width="{num(width - 1.5)}" height="{num(height - 1.5)}" rx="4" fill="{fill}" '
        f'stroke="{border}" stroke-width="1.5"{dash}/>' + "".join(lines_out) + "</g>"
    )
    return _Block(width, height, width / 2, parts)


def _line(x1: float, y1: float, x2: float, y2: float) -> str:
    return f'<line x1="{num(x1)}" y1="{num(y1)}" x2="{num(x2)}" y2="{num(y2)}" stroke="{LINE}" stroke-width="1.2"/>'


def _moved(block: _Block, x: float, y: float) -> str:
    return f'<g transform="translate({num(x)} {num(y)})">{"".join(block.parts)}</g>'


def _leaf_list(node: _Node) -> _Block:
    box = _box(node.unit, BOX_W)
    parts, y, last_mid = list(box.parts), box.height + LIST_GAP, box.height
    for child in node.children:
        leaf = _box(child.unit, BOX_W - LIST_INDENT)
        parts.append(_moved(leaf, LIST_INDENT, y))
        last_mid = y + leaf.height / 2
        parts.append(_line(LIST_INDENT / 2, last_mid, LIST_INDENT, last_mid))
        y += leaf.height + LIST_GAP
    parts.insert(0, _line(LIST_INDENT / 2, box.height, LIST_INDENT / 2, last_mid))
    return _Block(BOX_W, y - LIST_GAP, BOX_W / 2, parts)


def _rows(blocks: list[_Block], limit: float) -> list[list[_Block]]:
    rows: list[list[_Block]] = [[]]
    used = 0.0
    for block in blocks:
        needed = block.width + (H_GAP if rows[-1] else 0)
        if rows[-1] and used + needed > limit:
            rows.append([])
            used, needed = 0.0, block.width
        rows[-1].append(block)
        used += needed
    return rows


def _children_rows(blocks: list[_Block], limit: float, connect: bool) -> tuple[list[str], float, float, list]:
    """Place child blocks in rows; returns markup, width, height and per-row (y, first centre, last centre)."""
    rows = _rows(blocks, limit)
    if len(rows) > 1 and connect:
        rows = _rows(blocks, limit - TRUNK)
    indent = TRUNK if len(rows) > 1 and connect else 0.0
    parts, buses, y, width = [], [], 0.0, 0.0
    for row in rows:
        x = indent
        centres = []
        for block in row:
            parts.append(_moved(block, x, y))
            centres.append(x + block.anchor)
            if connect:
                parts.append(_line(x + block.anchor, y - V_GAP / 2, x + block.anchor, y))
            x += block.width + H_GAP
        width = max(width, x - H_GAP)
        buses.append((y - V_GAP / 2, centres[0], centres[-1]))
        y += max(b.height for b in row) + V_GAP
    return parts, width, y - V_GAP, buses


def _layout(node: _Node, limit: float) -> _Block:
    if not node.children:
        return _box(node.unit, BOX_W)
    if all(not c.children for c in node.children) and len(node.children) <= LIST_MAX:
        return _leaf_list(node)
    box = _box(node.unit, BOX_W)
    blocks = [_layout(c, limit) for c in node.children]
    parts, width, height, buses = _children_rows(blocks, limit, connect=True)
    width = max(width, BOX_W)
    anchor = width / 2 if len(buses) == 1 else min(width / 2, buses[0][2])
    top = box.height + V_GAP
    out = [_moved(box, anchor - BOX_W / 2, 0), _line(anchor, box.height, anchor, top - V_GAP / 2)]
    if len(buses) == 1:
        bus_y, first, last = buses[0]
        out.append(_line(min(first, anchor), top + bus_y, max(last, anchor), top + bus_y))
    else:
        # wrapped rows hang from a trunk on the left, so no line crosses a box
        trunk = TRUNK / 2
        out.append(_line(trunk, top + buses[0][0], trunk, top + buses[-1][0]))
        for i, (bus_y, _first, last) in enumerate(buses):
            out.append(_line(trunk, top + bus_y, max(last, anchor) if i == 0 else last, top + bus_y))
    out.append(f'<g transform="translate(0 {num(top)})">{"".join(parts)}</g>')
    return _Block(width, top + height, anchor, out)


def _describe(roots: Iterable[_Node]) -> str:
    def label(unit: UnitInput) -> str:
        extra = [_("azienda speciale")] if unit.kind == "azienda_speciale" else []
        if unit.head_name:
            extra.append(_("responsabile: %(head)s") % {"head": unit.head_name})
        return unit.name + (f" ({'; '.join(extra)})" if extra else "")

    sentences: list[str] = []

    def visit(node: _Node, described: bool) -> None:
        if not described:
            sentences.append(label(node.unit) + ".")
        if node.children:
            names = [label(c.unit) if not c.children else c.unit.name for c in node.children]
            sentences.append(_("Da %(unit)s dipendono: %(children)s.") % {
                "unit": node.unit.name, "children": ", ".join(names)})
        for child in node.children:
            visit(child, described=not child.children)

    for root in roots:
        visit(root, described=False)
    return " ".join(sentences)


def org_chart_svg(units: Sequence[UnitInput], *, title: str) -> SafeString:
    """The units as an accessible top-down tree no wider than WIDTH (A4 portrait at about 1:1)."""
    units = list(units)
    cid = chart_id("orgchart", title, units)
    roots = _forest(units)
    limit = WIDTH - 2 * PAD
    title_lines, _cut = wrap_text(title, limit, 15, max_lines=3, bold=True)
    body = [svg_text(PAD, PAD + 14 + i * 19, line, size=15, bold=True) for i, line in enumerate(title_lines)]
    top = PAD + 19 * len(title_lines) + 10
    if not roots:
        body.append(svg_text(PAD, top + 14, _("Nessuna unità organizzativa."), fill=MUTED))
        return svg_document(cid, WIDTH, top + 30, title, _("Nessuna unità organizzativa."), body, "orgchart")
    blocks = [_layout(root, limit) for root in roots]
    parts, width, height, _buses = _children_rows(blocks, limit, connect=False)
    left = PAD + max(0.0, (limit - width) / 2)  # centred; never wider than the page
    body.append(f'<g transform="translate({num(left)} {num(top)})">{"".join(parts)}</g>')
    desc = _describe(roots)
    return svg_document(cid, WIDTH, math.ceil(top + height + PAD), title, desc, body, "orgchart")
