"""One WeasyPrint render of one small HTML document (a chunk of the Relazione), as run in a pool worker.

The worker writes the PDF and its facts (page count, page sizes, on which page each anchor landed) to
the disk cache itself, so only a few hundred bytes travel back to the parent process.
"""
from __future__ import annotations

import gc
import hashlib
import json
import logging
import os
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

#: Bump when anything that changes the bytes of a cached chunk changes (this package, WeasyPrint).
RENDERER_VERSION = "relazione-render-3/weasyprint-70"

logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)  # one line per page laid out: noise

#: Appended to every chunk's stylesheet: chunk bodies must not depend on their page offset, so page
#: numbers and running headers are stamped afterwards on the merged document (stamp.py).
#: !important so that it wins over author styles too (a user stylesheet otherwise loses to them).
_MARGIN_BOXES = ("top-left-corner", "top-left", "top-center", "top-right", "top-right-corner", "right-top",
                 "right-middle", "right-bottom", "bottom-right-corner", "bottom-right", "bottom-center",
                 "bottom-left", "bottom-left-corner", "left-bottom", "left-middle", "left-top")
NO_MARGIN_BOXES_CSS = "\n".join(
    f"@page{sel} {{ {' '.join(f'@{box} {{ content: none !important }}' for box in _MARGIN_BOXES)} }}"
    for sel in ("", ":first", ":left", ":right", ":blank"))


def sha256(*parts: str | bytes) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.encode() if isinstance(part, str) else part)
        digest.update(b"\0")
    return digest.hexdigest()


@dataclass(frozen=True)
class Job:
    """What a worker needs: picklable, no Django objects."""

    key: str  # cache key (sha256 of html + css + variant + renderer version)
    label: str
    html: str
    css: str
    base_url: str
    cache_dir: str
    anchors: tuple[str, ...] = ()  # ids whose page we need (section starts)


@dataclass
class Rendered:
    """Facts about a chunk's PDF stored next to it in the cache (<key>.json)."""

    key: str
    page_count: int
    anchors: dict[str, int] = field(default_factory=dict)  # id -> 0-based page within the chunk
    sizes: list[tuple[float, float]] = field(default_factory=list)  # page width, height in pt
    seconds: float = 0.0
    cached: bool = False

    def pdf_path(self, cache_dir: str | Path) -> Path:
        return Path(cache_dir) / f"{self.key}.pdf"


# Per process: parsed stylesheet and font configuration for each CSS text. Decompressing the woff2
# fonts costs ~0.1 s per document; shared here it is paid once per worker (or once before the fork).
_STYLES: dict[str, tuple[object, list]] = {}


def style_for(css: str) -> tuple[object, list]:
    from weasyprint import CSS
    from weasyprint.text.fonts import FontConfiguration

    from . import deflate

    deflate.install()
    key = sha256(css)
    if key not in _STYLES:
        font_config = FontConfiguration()
        _STYLES[key] = (font_config, [CSS(string=css, font_config=font_config),
                                      CSS(string=NO_MARGIN_BOXES_CSS, font_config=font_config)])
    return _STYLES[key]


def read_cached(cache_dir: str | Path, key: str) -> Rendered | None:
    meta = Path(cache_dir) / f"{key}.json"
    if not meta.exists() or not (Path(cache_dir) / f"{key}.pdf").exists():
        return None
    try:
        data = json.loads(meta.read_text())
    except (OSError, ValueError):
        return None
    return Rendered(key=key, page_count=data["page_count"], anchors=data["anchors"],
                    sizes=[tuple(s) for s in data["sizes"]], seconds=0.0, cached=True)


def _write_atomic(path: Path, data: bytes) -> None:
    # Two renders of the same chunk may race (two workers, two editions): each writes a private file
    # and renames it, so a reader sees either nothing or a whole file.
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@contextmanager
def gc_paused() -> Iterator[None]:
    """No automatic garbage collection while a document is laid out and written, one young-generation
    collection afterwards. WeasyPrint allocates hundreds of thousands of objects per document (boxes,
    styles, text runs), so the collector keeps running and walking the growing tree: measured on the
    demo's chunks, that is a sixth of their CPU (4.33 s with, 3.6 s without). The cycles it leaves
    (about 16,000 objects per chunk) are all young and are freed by one generation-0 pass (5 ms)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
        gc.collect(0)


def render_job(job: Job) -> Rendered:
    """Lay out and write one document, store it in the cache, return its facts."""
    from .parse import weasy_html

    start = time.perf_counter()
    font_config, sheets = style_for(job.css)
    with gc_paused():
        document = weasy_html(job.html, job.base_url).render(stylesheets=sheets, font_config=font_config)
        wanted = set(job.anchors)
        anchors: dict[str, int] = {}
        for index, page in enumerate(document.pages):
            for name in page.anchors:
                if name in wanted and name not in anchors:
                    anchors[name] = index
        pdf = document.write_pdf()
        # CSS px to PDF points: 1px = 0.75pt.
        sizes = [(round(p.width * 0.75, 2), round(p.height * 0.75, 2)) for p in document.pages]
        del document
    result = Rendered(key=job.key, page_count=len(sizes), anchors=anchors, sizes=sizes,
                      seconds=time.perf_counter() - start)
    folder = Path(job.cache_dir)
    folder.mkdir(parents=True, exist_ok=True)
    _write_atomic(folder / f"{job.key}.pdf", pdf)
    _write_atomic(folder / f"{job.key}.json", json.dumps(
        {"page_count": result.page_count, "anchors": anchors, "sizes": sizes}).encode())
    return result
