"""Running header (the chapter's title) and footer ("pagina X di Y") stamped on the merged pages.

Chunks are laid out without them, so a chunk's PDF does not depend on where it lands in the document
and stays valid in the cache when an earlier chunk grows. The stamps of all pages are one small
WeasyPrint document (cached by its content, so it is laid out again only when a page count or a
chapter boundary moves), overlaid page by page onto the merged PDF with pikepdf.
"""
from __future__ import annotations

from dataclasses import dataclass
from html import escape

import pikepdf

#: Where the stamps sit, in mm from the page edges: inside the document's margins (content CSS:
#: top 25 mm, bottom 22 mm), as its own margin boxes would place them.
HEADER_TOP_MM = 10
FOOTER_BOTTOM_MM = 9
SIDE_MM = 20

OVERLAY_CSS = f"""
@page {{ margin: 0 }}
html, body {{ margin: 0; padding: 0 }}
body {{ font-family: 'Titillium Web', 'DejaVu Sans', 'Liberation Sans', sans-serif; font-size: 8pt; color: #4d5a66 }}
.stamp {{ position: relative; break-after: page; overflow: hidden }}
.stamp:last-child {{ break-after: auto }}
.stamp .header {{ position: absolute; top: {HEADER_TOP_MM}mm; left: {SIDE_MM}mm; right: {SIDE_MM}mm;
  text-align: right; border-bottom: 0.4pt solid #b1b1b3; padding-bottom: 1.5mm; white-space: nowrap;
  overflow: hidden; text-overflow: ellipsis }}
.stamp .footer {{ position: absolute; bottom: {FOOTER_BOTTOM_MM}mm; left: {SIDE_MM}mm; right: {SIDE_MM}mm;
  text-align: center }}
"""


@dataclass(frozen=True)
class PageStamp:
    header: str
    footer: str
    size: tuple[float, float]  # width, height in pt


def overlay_html(stamps: list[PageStamp], font_css: str = "") -> str:
    """One page per stamp, each the size of the page it goes on (named @page rules per distinct size)."""
    sizes = sorted({s.size for s in stamps})
    names = {size: f"s{i}" for i, size in enumerate(sizes)}
    page_rules = "".join(f"@page {names[s]} {{ size: {s[0]}pt {s[1]}pt; margin: 0 }}"
                         f".{names[s]} {{ page: {names[s]}; width: {s[0]}pt; height: {s[1]}pt }}" for s in sizes)
    pages = "".join(
        f'<div class="stamp {names[s.size]}">'
        + (f'<div class="header">{escape(s.header)}</div>' if s.header else "")
        + (f'<div class="footer">{escape(s.footer)}</div>' if s.footer else "")
        + "</div>" for s in stamps)
    return (f'<!doctype html><html lang="it"><head><meta charset="utf-8"><style>{font_css}{OVERLAY_CSS}'
            f'{page_rules}</style></head><body>{pages}</body></html>')


def apply_overlay(pdf: pikepdf.Pdf, overlay: pikepdf.Pdf, stamps: list[PageStamp]) -> None:
    """Overlay page i of ``overlay`` on page i of ``pdf``, skipping pages with nothing to stamp."""
    for page, stamp_page, stamp in zip(pdf.pages, overlay.pages, stamps):
        if stamp.header or stamp.footer:
            page.add_overlay(stamp_page)
