"""The Relazione's PDF pipeline (reports.render): what a reader of the PDF would notice.

Most tests render a synthetic document (30 sections of text and tables, ~50 pages) through the draft
pipeline, so they do not depend on how the sections look; the last ones render the demo cycle.
"""
from __future__ import annotations

import hashlib
import random
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pikepdf
import pytest
from django.conf import settings

from reports.render import stamp
from reports.render.assemble import DocumentInfo
from reports.render.draft import DraftRenderer, DraftSource, group_sections
from reports.render.pipeline import base_url, render_single_pass, stamp_font

pytestmark = pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils (pdftotext) not installed")

FONTS = Path(settings.BASE_DIR) / "static" / "vendor" / "bootstrap-italia" / "fonts" / "Titillium_Web"
CSS = f"""
@font-face {{ font-family: 'Titillium Web'; src: url('{(FONTS / "titillium-web-v10-latin-ext_latin-regular.woff2").as_uri()}') }}
@page {{ size: A4; margin: 25mm 20mm 22mm 20mm;
  @bottom-center {{ content: "QUESTO NON DEVE COMPARIRE" }} }}
body {{ font-family: 'Titillium Web', 'DejaVu Sans', sans-serif; font-size: 10pt }}
h1 {{ break-before: page; font-size: 18pt }}
table {{ border-collapse: collapse; width: 100% }} td, th {{ border: 0.5pt solid #999; padding: 2pt }}
thead {{ display: table-header-group }} tr {{ break-inside: avoid }}
"""
WORDS = ["camera", "commercio", "obiettivo", "indicatore", "valore", "atteso", "realizzazione", "servizi", "imprese", "registro", "territorio"]


@dataclass
class Section:
    key: str
    number: str
    title: str
    level: int
    kind: str
    html: str


def _sections(count: int = 30) -> list[Section]:
    rng = random.Random(7)
    out = []
    for i in range(count):
        level = 1 if i % 6 == 0 else 2
        title = f"Titolo della sezione {i}"
        text = "".join("<p>" + " ".join(rng.choice(WORDS) for _ in range(70)) + ".</p>" for _ in range(rng.randint(1, 3)))
        rows = "".join(f"<tr><td>{i}.{r}</td><td>{' '.join(rng.choice(WORDS) for _ in range(10))}</td>"
                       f"<td>{rng.randint(0, 100)}%</td></tr>" for r in range(rng.randint(10, 50) if i % 3 else 0))
        table = f"<table><thead><tr><th>Cod.</th><th>Indicatore</th><th>%</th></tr></thead><tbody>{rows}</tbody></table>"
        out.append(Section(f"s{i}", str(i), title, level, "narrative",
                           f"<h{level}>{i} {title}</h{level}>{text}{table if rows else ''}"))
    return out


class Toc:
    """toc_html stand-in that remembers the entries of its last call."""

    def __init__(self):
        self.entries = []

    def __call__(self, entries):
        self.entries = entries
        rows = "".join(f"<tr><td>{n}</td><td>{t}</td><td>{p}</td></tr>" for n, t, _l, p in entries)
        return f"<h1>Indice</h1><table>{rows}</table>"


@pytest.fixture
def source(tmp_path) -> DraftSource:
    return DraftSource(sections=_sections(), css=CSS, cover_html="<h1>Relazione sulla Performance 2023</h1>",
                       toc_html=Toc(), info=DocumentInfo("Relazione sulla Performance 2023 – Ente di prova", "Ente di prova"),
                       cache_dir=tmp_path / "cache", base_url=base_url(), stamp_font=stamp_font())


def _text(pdf: Path, page: int) -> str:
    return subprocess.run(["pdftotext", "-layout", "-f", str(page), "-l", str(page), str(pdf), "-"],
                          check=True, capture_output=True, text=True).stdout


def _write(tmp_path: Path, data: bytes, name: str = "out.pdf") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_draft_pages_are_the_chunks_pages_with_numbers_and_headers(source, tmp_path):
    result = DraftRenderer(source).run()
    path = _write(tmp_path, result.pdf)
    parts = result.stats["parts"]
    # Cover, table of contents and every chunk, in order, nothing lost or added by the merge.
    assert result.page_count == sum(pages for _label, _key, pages in parts) > 30
    assert sum(len(pikepdf.open(source.cache_dir / f"{key}.pdf").pages) for _l, key, _p in parts) == result.page_count
    assert len(pikepdf.open(path).pages) == result.page_count
    n = result.page_count
    assert "pagina" not in _text(path, 1)  # the cover is counted but not numbered
    assert f"pagina 2 di {n}" in _text(path, 2)
    last = _text(path, n)
    assert f"pagina {n} di {n}" in last
    # The running header names the chapter the last page belongs to (section 24 opens the last chapter).
    assert "24 TITOLO DELLA SEZIONE 24" in last
    # The chunks' own margin boxes are suppressed: numbers come only from the stamps.
    everything = subprocess.run(["pdftotext", str(path), "-"], check=True, capture_output=True, text=True).stdout
    assert "QUESTO NON DEVE COMPARIRE" not in everything


def test_table_of_contents_points_at_the_page_where_each_section_starts(source, tmp_path):
    result = DraftRenderer(source).run()
    path = _write(tmp_path, result.pdf)
    toc = source.toc_html.entries
    assert [t for _n, t, _l, _p in toc] == [s.title for s in source.sections]
    assert all(isinstance(p, int) for *_rest, p in toc)
    for (number, title, _level, page), section in zip(toc, source.sections):
        assert f"{number} {title}" in _text(path, page), f"{title} not on page {page}"
        assert result.stats["section_pages"][section.key] == page
    toc_text = _text(path, 2)
    assert "Titolo della sezione 29" in toc_text and str(toc[-1][3]) in toc_text
    # Bookmarks: the table of contents and every section, nested under their chapters.
    with pikepdf.open(path) as pdf, pdf.open_outline() as outline:
        chapters = outline.root
        assert chapters[0].title == "Indice"
        assert [c.title for c in chapters[1:]] == [f"{s.number} {s.title}" for s in source.sections if s.level == 1]
        assert len(chapters[1].children) == 5


class GrowingToc(Toc):
    """Contents whose real page numbers make them a page longer than the placeholder's (as a long title
    wrapping differently could): every page number after them moves by one."""

    def __call__(self, entries):
        html = super().__call__(entries)
        real = all(p != 999 for *_rest, p in entries)
        return html + ('<p style="break-before: page">Note all\'indice.</p>' if real else "")


def test_contents_that_grow_with_the_real_numbers_are_laid_out_until_the_numbers_hold(source, tmp_path):
    source.toc_html = GrowingToc()
    result = DraftRenderer(source).run()
    path = _write(tmp_path, result.pdf)
    parts = {label: pages for label, _key, pages in result.stats["parts"]}
    toc_pages = parts["Indice"]
    assert toc_pages == 2  # the entries' page and the extra one
    for (number, title, _level, page), section in zip(source.toc_html.entries, source.sections):
        assert f"{number} {title}" in _text(path, page), f"{title} not on page {page}"
        assert result.stats["section_pages"][section.key] == page
    assert "Note all'indice." in _text(path, 1 + toc_pages)


def test_re_render_lays_out_only_the_changed_chunk(source, tmp_path):
    first = DraftRenderer(source).run()
    assert first.stats["cached"] == 0
    again = DraftRenderer(source).run()
    assert again.stats["rendered"] == [] and again.content_hash == first.content_hash
    assert again.page_count == first.page_count
    changed = source.sections[13]
    changed.html = changed.html.replace("<p>", "<p>Valore corretto. ", 1)
    third = DraftRenderer(source).run()
    group = next(g for g in group_sections(source.sections) if changed in g)
    assert third.stats["rendered"] == [f"{group[0].number} {group[0].title}"]  # the chunk holding section 13
    assert third.content_hash != first.content_hash
    assert "Valore corretto." in subprocess.run(["pdftotext", str(_write(tmp_path, third.pdf)), "-"],
                                                check=True, capture_output=True, text=True).stdout


def test_progress_is_reported_per_chunk(source):
    calls = []
    DraftRenderer(source, progress=lambda done, total, label: calls.append((done, total, label))).run()
    total = calls[-1][1]
    assert calls[-1][0] == total and total == len(DraftRenderer(source).section_chunks()) + 3
    assert [d for d, _t, _l in calls] == sorted(d for d, _t, _l in calls)


def test_draft_metadata(source, tmp_path):
    path = _write(tmp_path, DraftRenderer(source).run().pdf)
    with pikepdf.open(path) as pdf:
        assert str(pdf.docinfo["/Title"]) == "Relazione sulla Performance 2023 – Ente di prova"
        assert str(pdf.docinfo["/Author"]) == "Ente di prova"
        assert str(pdf.Root.Lang) == "it-IT"
        meta = pdf.open_metadata()
        assert meta["dc:title"] == "Relazione sulla Performance 2023 – Ente di prova"
        assert "it-IT" in str(meta.get("dc:language"))


def test_pdfa_single_pass_claims_pdfa_in_xmp(source, tmp_path):
    body = "".join(s.html for s in source.sections[:6])
    html = f"<!doctype html><html><head><style>{CSS}</style></head><body>{body}</body></html>"
    info = DocumentInfo("Relazione sulla Performance 2023 – Ente di prova", "Ente di prova")
    result = render_single_pass(html, info=info, variant="pdfa")
    path = _write(tmp_path, result.pdf)
    with pikepdf.open(path) as pdf:
        meta = pdf.open_metadata()
        assert meta["pdfaid:part"] == "3" and meta["pdfaid:conformance"] == "B"
        assert str(pdf.Root.Lang) == "it-IT"
        assert str(pdf.docinfo["/Title"]) == info.title
    # The page numbers come from the document's own CSS in the single pass.
    assert "QUESTO NON DEVE COMPARIRE" in _text(path, 1)


def test_demo_cycle_draft_renders(demo_cycle, tmp_path, settings):
    content = pytest.importorskip("reports.content")
    from reports.render import render_pdf

    result = render_pdf(demo_cycle, layout="seed", variant="draft")
    path = _write(tmp_path, result.pdf)
    sections = content.build_sections(demo_cycle, layout="seed")
    with pikepdf.open(path) as pdf:
        assert len(pdf.pages) == result.page_count
        assert "Bergamo" in str(pdf.docinfo["/Title"]) and "2023" in str(pdf.docinfo["/Title"])
    for section in sections:
        page = result.stats["section_pages"][section.key]
        assert section.title.split()[0].lower() in _text(path, page).lower(), section.key
    assert f"pagina {result.page_count} di {result.page_count}" in _text(path, result.page_count)
    assert hashlib.sha256(result.pdf).hexdigest()


def test_demo_draft_table_of_contents_prints_the_page_of_every_section(demo_cycle, tmp_path):
    from reports.render import render_pdf

    result = render_pdf(demo_cycle, layout="seed", variant="draft")
    path = _write(tmp_path, result.pdf)
    toc_text = _text(path, 2)
    pages = result.stats["section_pages"]
    # "1.1 Attrattività del territorio ....... 19": the number printed is the page the section starts on.
    for key, title in (("so-1-1", "Attrattività del territorio"), ("bilancio-di-genere", "BILANCIO DI GENERE"),
                       ("metodo", "Il metodo di calcolo")):
        line = next(line for line in toc_text.splitlines() if title in line)
        assert line.rstrip().endswith(str(pages[key])), (key, line)
        assert title.split()[-1].lower() in _text(path, pages[key]).lower(), key


def test_the_pool_starts_inside_a_daemonic_process_as_celery_prefork_children_are(monkeypatch):
    import multiprocessing

    from reports.render import pool

    pool.shutdown()
    monkeypatch.setenv("RELAZIONE_RENDER_WORKERS", "2")
    current = multiprocessing.current_process()
    monkeypatch.setitem(current._config, "daemon", True)
    try:
        executor = pool.get_executor()
        assert executor is not None and executor.submit(sum, [1, 2]).result(timeout=60) == 3
    finally:
        pool.shutdown()


def test_stamps_are_text_in_an_embedded_font_inside_the_page_margins(source, tmp_path):
    result = DraftRenderer(source).run()
    path = _write(tmp_path, result.pdf)
    fonts = subprocess.run(["pdffonts", str(path)], check=True, capture_output=True, text=True).stdout.splitlines()[2:]
    assert fonts and all(line.split()[-5] == "yes" for line in fonts)  # every font embedded, the stamps' too
    # pdftotext -bbox: the footer of page 2 sits in the bottom margin, right-aligned to the text column.
    html = subprocess.run(["pdftotext", "-bbox", "-f", "2", "-l", "2", str(path), "-"], check=True,
                          capture_output=True, text=True).stdout
    words = re.findall(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>', html)
    footer = [w for w in words if w[4] in ("pagina", "di")]
    assert footer and all(float(w[1]) > 841.89 - 16 * 72 / 25.4 for w in footer)
    last = max(float(w[2]) for w in words if float(w[1]) > 800)
    assert abs(last - (595.28 - stamp.RIGHT_MM * stamp.MM)) < 1.5


def test_a_header_too_long_for_the_line_is_cut_with_an_ellipsis():
    font = stamp.load_font(stamp_font())
    room = 100.0
    fitted = font.fit("Rendicontazione della performance organizzativa e individuale " * 3, 7.5, room)
    assert fitted.endswith(b"\x85") and font.width(fitted, 7.5) <= room
    assert font.fit("Indice", 7.5, room) == b"Indice"
    assert font.encode("Attività – più") == "Attività – più".encode("cp1252")


def test_preload_readies_the_renderer_once_per_worker_process():
    from celery.signals import worker_process_init

    from reports import content
    from reports.render import pool
    from reports.render.pipeline import preload
    from reports.tasks import preload_renderer

    assert any(getattr(receiver(), "__name__", "") == preload_renderer.__name__
               for _key, receiver in worker_process_init.receivers)
    from django.utils import translation

    preload()
    with translation.override(settings.LANGUAGE_CODE):
        assert content.document_css("draft") in pool._warmed
    assert "weasyprint" in sys.modules


def test_chunk_streams_are_deflated_at_the_default_level_and_still_read_back(source, tmp_path):
    """deflate.py replaces pydyf's level-9 compression with a copy of its code: it must still apply to
    the pydyf release installed (a new release keeps the original and this test says so), and what it
    writes must decode to the same page text."""
    import pydyf
    import zlib

    from reports.render import deflate

    assert deflate.install(), f"pydyf {pydyf.__version__}: review deflate.py against its Stream.data and bump PYDYF_VERSION"
    stream = pydyf.Stream([b"BT /F1 10 Tf (camera di commercio) Tj ET"] * 50, compress=True)
    body = stream.data.split(b"stream\n", 1)[1].rsplit(b"\nendstream", 1)[0]
    assert zlib.decompress(body) == b"\n".join([b"BT /F1 10 Tf (camera di commercio) Tj ET"] * 50)
    assert body == zlib.compress(zlib.decompress(body), deflate.LEVEL)
    result = DraftRenderer(source).run()
    assert "Titolo della sezione 7" in _text(_write(tmp_path, result.pdf), result.stats["section_pages"]["s7"])


def test_a_chunk_render_restores_the_collector_and_leaves_no_garbage_cycles(source):
    """jobs.gc_paused: the collector is off while WeasyPrint works and one pass frees its cycles after,
    so a long-lived worker does not grow with every render."""
    import gc

    from reports.render.jobs import render_job

    renderer = DraftRenderer(source)
    job = renderer.job(renderer.section_chunks()[1])
    render_job(job)  # first render: caches (fonts, styles) fill up once
    gc.collect()
    before = len(gc.get_objects())
    for _ in range(3):
        render_job(job)
    assert gc.isenabled()
    assert len(gc.get_objects()) - before < 500
    gc.disable()
    try:
        render_job(job)
        assert not gc.isenabled()  # left as the caller had it, with the render's cycles already freed
        assert gc.get_count()[0] < 700
    finally:
        gc.enable()
