"""2.1 Mappa strategica as server-side SVG: one row per perspective, one box per strategic objective with
its realization, as the seed draws it. Same rules as reports/charts.py: SVG 1.1 only (WeasyPrint draws
it), explicit colours, role="img" with a <title> and a <desc> that lists every objective and its %,
the % printed in every box (colour is never the only cue)."""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from reports.svg import MUTED, PAD, TEXT, WIDTH, chart_id, num, svg_document, svg_text, wrap_text

from .formatting import pct

LABEL_W = 138.0
GAP = 8.0
COLUMNS = 2
BOX_H = 66.0
TITLE_SIZE, PCT_SIZE, LABEL_SIZE = 9.5, 15.0, 9.5
PERSPECTIVE_FILLS = ("#17324D", "#0066CC", "#008055", "#995C00", "#5D7083", "#CC334D")  # white text ≥ 4.5:1
BOX_FILL, BOX_BORDER, BAR_BG, BAR_FG = "#F2F7FC", "#0066CC", "#D9DADB", "#0066CC"


@dataclass(frozen=True)
class MapObjective:
    code: str
    title: str
    realization: Decimal | None


@dataclass(frozen=True)
class MapPerspective:
    name: str
    objectives: Sequence[MapObjective]


def _box(x: float, y: float, w: float, objective: MapObjective) -> list[str]:
    parts = [f'<rect x="{num(x)}" y="{num(y)}" width="{num(w)}" height="{num(BOX_H)}" rx="3" fill="{BOX_FILL}" '
             f'stroke="{BOX_BORDER}" stroke-width="1"/>']
    lines, _cut = wrap_text(f"{objective.code} {objective.title.upper()}", w - 16, TITLE_SIZE, max_lines=2, bold=True)
    for i, line in enumerate(lines):
        parts.append(svg_text(x + 8, y + 14 + i * 12, line, size=TITLE_SIZE, bold=True))
    parts.append(svg_text(x + 8, y + BOX_H - 12, pct(objective.realization), size=PCT_SIZE, bold=True))
    # A bar of the realization (0–100) beside the figure: the number stays the primary cue.
    bar_x, bar_w = x + 70, w - 80
    value = 0.0 if objective.realization is None else max(0.0, min(100.0, float(objective.realization)))
    parts.append(f'<rect x="{num(bar_x)}" y="{num(y + BOX_H - 22)}" width="{num(bar_w)}" height="8" fill="{BAR_BG}"/>')
    if value:
        parts.append(f'<rect x="{num(bar_x)}" y="{num(y + BOX_H - 22)}" width="{num(bar_w * value / 100)}" height="8" '
                     f'fill="{BAR_FG}"/>')
    return parts


def strategic_map_svg(perspectives: Sequence[MapPerspective], *, title: str) -> SafeString:
    """Perspectives as rows, objectives as boxes two per line, each with its realization %."""
    cid = chart_id("strategymap", title, [(p.name, list(p.objectives)) for p in perspectives])
    body: list[str] = []
    y = PAD
    title_lines, _cut = wrap_text(title, WIDTH - 2 * PAD, 14, max_lines=2, bold=True)
    for line in title_lines:
        body.append(svg_text(PAD, y + 13, line, size=14, bold=True))
        y += 18
    y += 6
    box_w = (WIDTH - 2 * PAD - LABEL_W - GAP - (COLUMNS - 1) * GAP) / COLUMNS
    described = []
    for index, perspective in enumerate(perspectives):
        lines_needed = max(1, math.ceil(len(perspective.objectives) / COLUMNS))
        row_h = lines_needed * BOX_H + (lines_needed - 1) * GAP
        fill = PERSPECTIVE_FILLS[index % len(PERSPECTIVE_FILLS)]
        body.append(f'<rect x="{num(PAD)}" y="{num(y)}" width="{num(LABEL_W)}" height="{num(row_h)}" rx="3" '
                    f'fill="{fill}"/>')
        label_lines, _cut = wrap_text(perspective.name.upper().replace("-", "- "), LABEL_W - 14, LABEL_SIZE, max_lines=5, bold=True)
        label_lines = [line.replace("- ", "-") for line in label_lines]  # the split was only a break chance
        top = y + row_h / 2 - (len(label_lines) * 13) / 2 + 10
        for i, line in enumerate(label_lines):
            body.append(svg_text(PAD + 7, top + i * 13, line, size=LABEL_SIZE, bold=True, fill="#FFFFFF"))
        for i, objective in enumerate(perspective.objectives):
            col, line_no = i % COLUMNS, i // COLUMNS
            x = PAD + LABEL_W + GAP + col * (box_w + GAP)
            body.extend(_box(x, y + line_no * (BOX_H + GAP), box_w, objective))
        if not perspective.objectives:
            body.append(svg_text(PAD + LABEL_W + GAP, y + 20, _("Nessun obiettivo strategico."), fill=MUTED))
        described.append(f"{perspective.name}: " + (", ".join(
            f"{o.code} {o.title} {pct(o.realization)}" for o in perspective.objectives) or _("nessun obiettivo")))
        y += row_h + GAP * 1.5
    desc = _("Mappa strategica: per ciascuna prospettiva, gli obiettivi strategici e la loro percentuale di "
             "realizzazione. ") + "; ".join(described) + "."
    if not perspectives:
        body.append(svg_text(PAD, y + 14, _("Nessuna prospettiva nel piano."), fill=TEXT))
        y += 24
    return svg_document(cid, WIDTH, math.ceil(y + PAD), title, desc, body, "strategymap")
