"""The Relazione as one printable document: stylesheet, cover, table of contents and the whole HTML.

document_css(variant) is shared by the single-pass render (full_document_html) and the chunked one,
which lays out each section alone and numbers the pages afterwards; toc_html(entries) serves the latter
(page numbers given), full_document_html puts a table of contents with target-counter() in the former.
"""
from __future__ import annotations

import datetime
import hashlib
import os
import tempfile
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from string import Template

from django.conf import settings
from django.template.loader import render_to_string
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from performance.models import Cycle
from reports.models import ReportEdition

from .formatting import long_date
from .sections import SectionHTML, build_sections

CSS_PATH = Path(__file__).with_name("print.css")
FONT_DIR = Path(settings.BASE_DIR) / "static" / "vendor" / "bootstrap-italia" / "fonts" / "Titillium_Web"
FONT_FAMILY = "'Titillium Web', 'DejaVu Sans', 'Liberation Sans', sans-serif"
#: (weight, style, file suffix) of the Titillium Web faces the Relazione uses.
FONT_FACES = (
    (400, "normal", "regular"), (400, "italic", "italic"), (600, "normal", "600"), (600, "italic", "600italic"),
    (700, "normal", "700"), (700, "italic", "700italic"), (300, "normal", "300"),
)

TocEntry = tuple[str, str, int, "int | None"]


def truetype_face(suffix: str) -> Path | None:
    """One Titillium Web face ("regular", "700", ...) as TrueType, or None in a stripped checkout (where the
    DejaVu Sans fallback takes over)."""
    woff2 = FONT_DIR / f"titillium-web-v10-latin-ext_latin-{suffix}.woff2"
    return _as_truetype(woff2) if woff2.exists() else None


def _font_faces() -> str:
    rules = []
    for weight, style, suffix in FONT_FACES:
        if (path := truetype_face(suffix)) is not None:
            rules.append(f"@font-face {{ font-family: 'Titillium Web'; font-weight: {weight}; font-style: {style}; "
                         f"src: url('{path.as_uri()}') format('truetype'); }}")
    return "\n".join(rules)


def _as_truetype(woff2: Path) -> Path:
    """The font as plain TrueType, converted once into the render cache. WeasyPrint decodes WOFF2 in Python
    (brotli and fontTools): 0.3 s for the seven faces in every process that lays out a document, against
    0.02 s for the same fonts as TrueType."""
    stat = woff2.stat()
    version = hashlib.sha256(f"{stat.st_size}:{stat.st_mtime_ns}".encode()).hexdigest()[:12]
    target = Path(settings.MEDIA_ROOT) / "cache" / "fonts" / f"{woff2.stem}-{version}.ttf"
    if not target.exists():
        from fontTools.ttLib import TTFont

        target.parent.mkdir(parents=True, exist_ok=True)
        font = TTFont(woff2)
        font.flavor = None
        fd, tmp = tempfile.mkstemp(dir=target.parent, suffix=".ttf")
        os.close(fd)
        try:
            font.save(tmp)
            os.replace(tmp, target)  # two processes converting at once both end with a whole file
        finally:
            Path(tmp).unlink(missing_ok=True)
    return target


def _watermark() -> str:
    # A fixed box repeats on every page; as a pseudo-element of <body> it needs nothing in the HTML,
    # so a section laid out alone by the chunked renderer carries it too.
    text = _("BOZZA").replace('"', "")
    return (f'body::before {{ content: "{text}"; position: fixed; top: 118mm; left: -20mm; width: 210mm; '
            "text-align: center; font: 700 96pt " + FONT_FAMILY + "; color: rgba(180, 30, 50, 0.10); "
            "letter-spacing: 0.12em; transform: rotate(-45deg); z-index: 1000; }")


@lru_cache(maxsize=8)
def _css(variant: str, language: str, fonts: str) -> str:
    template = Template(CSS_PATH.read_text(encoding="utf-8"))
    return template.substitute(
        fonts=fonts, family=FONT_FAMILY, page_word=_("pagina"), of_word=_("di"),
        watermark=_watermark() if variant == ReportEdition.Variant.DRAFT else "")


def document_css(variant: str = "draft") -> str:
    """The print stylesheet; the draft variant adds the "BOZZA" watermark on every page."""
    from django.utils.translation import get_language

    # The font rules are made on every call: they make sure the converted fonts are still on disk.
    return _css(variant, get_language() or "it", _font_faces())


def variant_label(variant: str) -> str:
    try:
        return str(ReportEdition.Variant(variant).label)
    except ValueError:
        return variant


def cover_html(cycle: Cycle, variant: str = "draft", *, day: datetime.date | None = None) -> str:
    day = day or datetime.date.today()
    return render_to_string("reports/sections/cover.html", {
        "entity": cycle.entity.name, "year": cycle.year, "date": long_date(day),
        "variant": variant_label(variant), "draft": variant == ReportEdition.Variant.DRAFT,
        "due": long_date(cycle.relazione_due) if cycle.relazione_due else "",
    })


def _toc_label(number: str, title: str, level: int) -> str:
    if number:
        shown = f"{number}." if level == 1 and "." not in number else number
        return format_html('<span class="toc-number">{}</span> {}', shown, title)
    return escape(title)


def toc_html(entries: Sequence[TocEntry]) -> str:
    """The table of contents with the page numbers given (the chunked renderer knows them afterwards)."""
    items = []
    for number, title, level, page in entries:
        shown = str(int(page)) if page is not None else ""
        items.append(f'<li class="toc-l{min(level, 3)}"><span class="toc-title">'
                     f'{_toc_label(number, title, level)}</span><span class="toc-page">{shown}</span></li>')
    return _toc_wrapper("".join(items))


def _toc_wrapper(items: str) -> str:
    return (f'<nav class="toc" aria-labelledby="toc-title"><h1 id="toc-title">{escape(_("Indice"))}</h1>'
            f"<ol>{items}</ol></nav>")


def linked_toc_html(sections: Sequence[SectionHTML]) -> str:
    """The table of contents of the single-pass document: page numbers from target-counter()."""
    items = "".join(
        f'<li class="toc-l{min(s.level, 3)}"><a class="toc-title" href="#sezione-{escape(s.key)}">'
        f'{_toc_label(s.number, s.title, s.level)}</a>'
        f'<a class="toc-page" href="#sezione-{escape(s.key)}" aria-hidden="true"></a></li>'
        for s in sections)
    return _toc_wrapper(items)


def document_title(cycle: Cycle) -> str:
    return _("Relazione sulla Performance %(year)s – %(entity)s") % {"year": cycle.year, "entity": cycle.entity.name}


def full_document_html(cycle: Cycle, *, layout: str = "seed", variant: str = "draft",
                       sections: Sequence[SectionHTML] | None = None) -> str:
    """Cover, table of contents and every section as one HTML document (single-pass renders, Chromium)."""
    sections = build_sections(cycle, layout=layout) if sections is None else sections
    return render_to_string("reports/document.html", {
        "title": document_title(cycle), "author": cycle.entity.name,
        "description": _("Relazione sulla Performance (art. 10 d.lgs. 150/2009)"),
        "css": mark_safe(document_css(variant)), "cover": mark_safe(cover_html(cycle, variant)),
        "toc": mark_safe(linked_toc_html(sections)), "body": mark_safe("".join(s.html for s in sections)),
    })
