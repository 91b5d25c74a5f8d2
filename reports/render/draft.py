"""The draft's fast path: the Relazione laid out in small pieces, in parallel, cached, merged.

Cover, table of contents and each section (or a few consecutive small ones) are separate WeasyPrint
documents ("chunks"), each keyed by sha256(html, css, variant, renderer version) in a disk cache. Only
the chunks whose HTML changed are laid out again, in the process pool, largest first. Page numbers
and running headers are derived afterwards from the chunks' page counts and written onto the merged PDF
(stamp.py), and the table of contents is laid out again with the real page numbers, so no chunk depends
on its page offset.
"""
from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from html import escape
from pathlib import Path
from typing import Protocol

from django.utils.translation import gettext as _

from . import assemble, stamp
from .jobs import RENDERER_VERSION, Job, Rendered, read_cached, sha256
from .pool import run_jobs, start_job

#: Sections that open a page (print.css: chapters, each strategic objective, each scorecard). A chunk starts
#: exactly there and nowhere else, so the chunked draft paginates like the single-pass PDF/A and PDF/UA.
PAGE_BREAK_KINDS = frozenset({"strategic_objective", "unit_scorecard", "individual_scorecard"})
#: The table of contents is first laid out with this page number everywhere: as wide as any real one.
PLACEHOLDER_PAGE = 999
MAX_TOC_PASSES = 3

Progress = Callable[[int, int, str], None]


class SectionLike(Protocol):
    key: str
    number: str
    title: str
    level: int
    kind: str
    html: str


@dataclass
class DraftSource:
    """Everything the draft is made of, already rendered to HTML (no database access from here on)."""

    sections: Sequence[SectionLike]
    css: str
    cover_html: str
    toc_html: Callable[[list[tuple[str, str, int, int | None]]], str]
    info: assemble.DocumentInfo
    cache_dir: Path
    base_url: str
    variant: str = "draft"
    stamp_font: Path | None = None  # TrueType font of the running headers and page numbers


@dataclass
class RenderResult:
    pdf: bytes
    page_count: int
    content_hash: str
    seconds: float
    stats: dict = field(default_factory=dict)


@dataclass
class Chunk:
    key: str
    label: str
    html: str
    css: str
    sections: list[SectionLike] = field(default_factory=list)

    @property
    def anchors(self) -> tuple[str, ...]:
        return tuple(anchor_id(s.key) for s in self.sections)


def anchor_id(key: str) -> str:
    return f"relazione-{key}"


def heading(section: SectionLike) -> str:
    return f"{section.number} {section.title}".strip()


def document(body: str, title: str) -> str:
    """A chunk as a document of its own; a fragment that is already a whole document is kept as is."""
    if "<html" in body[:500].lower():
        return body
    return (f'<!doctype html><html lang="it"><head><meta charset="utf-8"><title>{escape(title)}</title></head>'
            f'<body class="relazione-chunk">{body}</body></html>')


def group_sections(sections: Sequence[SectionLike]) -> list[list[SectionLike]]:
    """Consecutive sections grouped between the points where the document opens a new page anyway (a
    chapter, a strategic objective, a scorecard): cutting anywhere else would add a page break."""
    groups: list[list[SectionLike]] = []
    for section in sections:
        if not groups or section.level == 1 or section.kind in PAGE_BREAK_KINDS:
            groups.append([])
        groups[-1].append(section)
    return groups


class DraftRenderer:
    def __init__(self, source: DraftSource, progress: Progress | None = None):
        self.source = source
        self.progress = progress or (lambda done, total, label: None)
        self.css_hash = sha256(source.css)
        self.results: dict[str, Rendered] = {}
        self.rendered: list[str] = []  # labels of the chunks laid out (not from the cache)
        self.cached: list[str] = []
        self.timings: dict[str, float] = {}

    # -- chunks --------------------------------------------------------------------------------------
    def chunk(self, label: str, body: str, sections: list[SectionLike] | None = None) -> Chunk:
        html = document(body, label)
        key = sha256(RENDERER_VERSION, self.source.variant, self.css_hash, "body", html)
        return Chunk(key=key, label=label, html=html, css=self.source.css, sections=sections or [])

    def job(self, chunk: Chunk) -> Job:
        return Job(key=chunk.key, label=chunk.label, html=chunk.html, css=chunk.css, base_url=self.source.base_url,
                   cache_dir=str(self.source.cache_dir), anchors=chunk.anchors)

    def section_chunks(self) -> list[Chunk]:
        chunks = []
        for group in group_sections(self.source.sections):
            body = "".join(f'<div class="relazione-section" id="{anchor_id(s.key)}">{s.html}</div>' for s in group)
            chunks.append(self.chunk(heading(group[0]), body, group))
        return chunks

    def toc_entries(self, pages: dict[str, int] | None) -> list[tuple[str, str, int, int | None]]:
        return [(s.number, s.title, s.level, pages[s.key] + 1 if pages is not None else PLACEHOLDER_PAGE)
                for s in self.source.sections]

    def render(self, chunks: list[Chunk], counter: list[int] | None = None, total: int = 0) -> None:
        """Fill self.results for ``chunks``: from the cache, else laid out in the pool."""
        missing = []
        for chunk in chunks:
            if chunk.key in self.results:
                continue
            cached = read_cached(self.source.cache_dir, chunk.key)
            if cached is None:
                missing.append(self.job(chunk))
                continue
            self.results[chunk.key] = cached
            self.cached.append(chunk.label)
            if counter is not None:
                counter[0] += 1
                self.progress(counter[0], total, chunk.label)

        def done(job: Job, result: Rendered) -> None:
            self.results[job.key] = result
            self.rendered.append(job.label)
            if counter is not None:
                counter[0] += 1
                self.progress(counter[0], total, job.label)

        run_jobs(missing, done, warm_css=[self.source.css])

    # -- the whole document --------------------------------------------------------------------------
    def run(self) -> RenderResult:
        start = time.perf_counter()
        source = self.source
        cover = self.chunk(_("Copertina"), source.cover_html)
        toc_title = _("Indice")
        placeholder_toc = self.chunk(toc_title, source.toc_html(self.toc_entries(None)))
        body_chunks = self.section_chunks()
        chunks = [cover, placeholder_toc, *body_chunks]
        total = len(chunks) + 1
        content_hash = sha256(*(c.key for c in chunks))
        counter = [0]
        self.render(chunks, counter, total)
        self.timings["chunks"] = time.perf_counter() - start

        # The contents take as many pages as the placeholder's (the numbers are right-aligned in a fixed
        # column); laid out with the real numbers in the pool while this process merges the other pages.
        toc_pages = self.results[placeholder_toc.key].page_count
        step = time.perf_counter()
        layout = self.layout(cover, toc_pages, body_chunks)
        toc = self.chunk(toc_title, source.toc_html(self.toc_entries(layout.section_pages)))
        wait_for_toc = self.start(toc)
        self.progress(total - 1, total, _("Unione delle pagine"))
        pdf, sources = assemble.merge([self.results[c.key].pdf_path(source.cache_dir) for c in [cover, *body_chunks]])
        try:
            waited = time.perf_counter()
            self.results[toc.key] = wait_for_toc()
            if self.results[toc.key].page_count != toc_pages:
                toc, layout = self.settle_toc(cover, body_chunks, self.results[toc.key].page_count, toc_title)
            self.timings["toc"] = time.perf_counter() - waited
            assemble.insert(pdf, sources, layout.toc_start, self.results[toc.key].pdf_path(source.cache_dir))
            stamp.apply(pdf, self.stamps(cover, toc, body_chunks, layout, toc_title), source.stamp_font)
            marks = [assemble.Bookmark(toc_title, 1, layout.toc_start)] + [
                assemble.Bookmark(heading(s), s.level, layout.section_pages[s.key]) for s in source.sections]
            assemble.add_outline(pdf, marks)
            assemble.set_metadata(pdf, source.info)
        except BaseException:
            assemble.close(pdf, sources)
            raise
        page_count = len(pdf.pages)
        data = assemble.save(pdf, sources)
        self.timings["merge"] = time.perf_counter() - step
        self.progress(total, total, _("Relazione pronta"))
        seconds = time.perf_counter() - start
        return RenderResult(pdf=data, page_count=page_count, content_hash=content_hash, seconds=seconds, stats={
            "chunks": len(chunks), "rendered": list(self.rendered), "cached": len(self.cached),
            "timings": {k: round(v, 3) for k, v in self.timings.items()},
            "section_pages": {k: v + 1 for k, v in layout.section_pages.items()},
            "parts": [(c.label, c.key, self.results[c.key].page_count) for c in [cover, toc, *body_chunks]]})

    def start(self, chunk: Chunk) -> Callable[[], Rendered]:
        """Like render([chunk]) but without waiting: returns the function that waits."""
        cached = read_cached(self.source.cache_dir, chunk.key)
        if cached is not None:
            self.cached.append(chunk.label)
            return lambda: cached
        wait = start_job(self.job(chunk), warm_css=[self.source.css])

        def result() -> Rendered:
            rendered = wait()
            self.rendered.append(chunk.label)
            return rendered

        return result

    def settle_toc(self, cover: Chunk, body_chunks: list[Chunk], toc_pages: int,
                   toc_title: str) -> tuple[Chunk, DraftRenderer.Layout]:
        """Rare: the real page numbers changed a line break of the contents, and so their page count and
        every number after them. Laid out again until the count settles."""
        for _attempt in range(MAX_TOC_PASSES):
            layout = self.layout(cover, toc_pages, body_chunks)
            toc = self.chunk(toc_title, self.source.toc_html(self.toc_entries(layout.section_pages)))
            self.render([toc])
            if self.results[toc.key].page_count == toc_pages:
                return toc, layout
            toc_pages = self.results[toc.key].page_count
        raise RuntimeError("table of contents page count does not settle")

    # -- page arithmetic -----------------------------------------------------------------------------
    @dataclass
    class Layout:
        toc_start: int
        chunk_starts: dict[str, int]
        section_pages: dict[str, int]  # 0-based
        page_count: int

    def layout(self, cover: Chunk, toc_pages: int, body_chunks: list[Chunk]) -> DraftRenderer.Layout:
        toc_start = self.results[cover.key].page_count
        offset = toc_start + toc_pages
        starts, pages = {}, {}
        for chunk in body_chunks:
            result = self.results[chunk.key]
            starts[chunk.key] = offset
            for section in chunk.sections:
                pages[section.key] = offset + result.anchors.get(anchor_id(section.key), 0)
            offset += result.page_count
        return self.Layout(toc_start=toc_start, chunk_starts=starts, section_pages=pages, page_count=offset)

    def stamps(self, cover: Chunk, toc: Chunk, body_chunks: list[Chunk], layout: DraftRenderer.Layout,
               toc_title: str) -> list[stamp.PageStamp]:
        total = layout.page_count
        footer = _("pagina %(page)s di %(pages)s")
        out = [stamp.PageStamp("", "", size) for size in self.results[cover.key].sizes]
        toc_sizes = self.results[toc.key].sizes
        toc_pages = layout.chunk_starts[body_chunks[0].key] - layout.toc_start if body_chunks else len(toc_sizes)
        for i in range(toc_pages):
            size = toc_sizes[min(i, len(toc_sizes) - 1)]
            out.append(stamp.PageStamp(toc_title, footer % {"page": len(out) + 1, "pages": total}, size))
        # The running header shows the chapter (level 1) the page belongs to, as string-set would.
        chapter_at = sorted((layout.section_pages[s.key], heading(s)) for s in self.source.sections if s.level == 1)
        current, index = "", 0
        for chunk in body_chunks:
            for size in self.results[chunk.key].sizes:
                page = len(out)
                while index < len(chapter_at) and chapter_at[index][0] <= page:
                    current = chapter_at[index][1]
                    index += 1
                out.append(stamp.PageStamp(current, footer % {"page": page + 1, "pages": total}, size))
        return out
