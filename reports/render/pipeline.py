"""render_pdf: the Relazione of a cycle as PDF bytes.

draft: the fast path of draft.py (chunks, process pool, cache, stamps). pdfa / pdfua: one WeasyPrint
pass over the whole document, because conformance (PDF/A-3b, PDF/UA-1 with its structure tree) is a
property of one coherent file that a merge of separately produced PDFs would not keep.
"""
from __future__ import annotations

import time
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext as _

from .assemble import DocumentInfo
from .draft import DraftRenderer, DraftSource, Progress, RenderResult
from .jobs import RENDERER_VERSION, gc_paused, sha256

PDF_VARIANTS = {"pdfa": "pdf/a-3b", "pdfua": "pdf/ua-1"}


def cache_dir() -> Path:
    return Path(settings.MEDIA_ROOT) / "cache" / "relazione"


def base_url() -> str:
    return Path(settings.BASE_DIR).as_uri() + "/"


def stamp_font() -> Path | None:
    """The TrueType font of the running headers and page numbers (the document's own Titillium Web)."""
    from reports.content.document import truetype_face

    return truetype_face("regular")


def document_info(cycle) -> DocumentInfo:
    entity = cycle.entity.name
    return DocumentInfo(
        title=_("Relazione sulla Performance %(year)s – %(entity)s") % {"year": cycle.year, "entity": entity},
        author=entity, lang="it-IT", subject=_("Relazione sulla Performance (art. 10 d.lgs. 150/2009)"))


def preload() -> None:
    """Done once when a render worker process starts (Celery's worker_process_init), not in each render:
    import WeasyPrint (about 0.45 s of loading Pango and HarfBuzz through cffi), convert the fonts, parse
    the draft's stylesheet and lay out a tiny document, so that the render pool forked by the first
    render inherits all of it and a cold render pays only for the Relazione itself."""
    from django.utils import translation

    from reports import content

    from . import pool

    with translation.override(settings.LANGUAGE_CODE):
        pool.warm_up(content.document_css("draft"))


def render_pdf(cycle, *, layout: str = "seed", variant: str = "draft", progress: Progress | None = None) -> RenderResult:
    from reports import content

    start = time.perf_counter()
    if variant == "draft":
        # This process builds the sections and merges the chunks: no collector walking its heap meanwhile either.
        with gc_paused():
            sections = content.build_sections(cycle, layout=layout)
            built = time.perf_counter() - start
            source = DraftSource(sections=sections, css=content.document_css(variant),
                                 cover_html=content.cover_html(cycle, variant), toc_html=content.toc_html,
                                 info=document_info(cycle), cache_dir=cache_dir(), base_url=base_url(),
                                 variant=variant, stamp_font=stamp_font())
            result = DraftRenderer(source, progress).run()
        result.stats.setdefault("timings", {})["build_sections"] = round(built, 3)
        result.seconds = time.perf_counter() - start
        return result
    if variant not in PDF_VARIANTS:
        raise ValueError(f"unknown variant {variant!r}")
    return render_single_pass(content.full_document_html(cycle, layout=layout, variant=variant),
                              info=document_info(cycle), variant=variant, progress=progress, start=start)


def render_single_pass(html: str, *, info: DocumentInfo, variant: str, progress: Progress | None = None,
                       start: float | None = None) -> RenderResult:
    from . import deflate
    from .parse import weasy_html

    deflate.install()
    start = time.perf_counter() if start is None else start
    progress = progress or (lambda done, total, label: None)
    progress(0, 2, _("Composizione del documento"))
    with gc_paused():
        document = weasy_html(html, base_url()).render()
        # Title, author and language from here, whatever the HTML says: they go into both the document
        # information dictionary and the XMP packet that PDF/A requires to agree with it.
        document.metadata.title = info.title
        document.metadata.authors = [info.author]
        document.metadata.description = info.subject
        document.metadata.lang = info.lang
        document.metadata.generator = info.creator
        progress(1, 2, _("Scrittura del PDF"))
        content_hash = sha256(RENDERER_VERSION, variant, html)
        pdf = document.write_pdf(pdf_variant=PDF_VARIANTS[variant], pdf_identifier=bytes.fromhex(content_hash[:32]),
                                 custom_metadata=True)
        page_count = len(document.pages)
        del document
    progress(2, 2, _("Relazione pronta"))
    return RenderResult(pdf=pdf, page_count=page_count, content_hash=content_hash,
                        seconds=time.perf_counter() - start, stats={"single_pass": True})
