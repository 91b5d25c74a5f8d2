"""relazione_cold and relazione_warm: the demo cycle's Relazione (draft) against headless Chromium.

DESIGN.md: a cold render (empty cache) no slower than `chromium --headless --print-to-pdf` of the same
HTML (full_document_html, start-up included), and a re-render after one value changes ≤ 0.5 s and no
slower than a warm Chromium page printing the changed HTML (Playwright, page.pdf() after set_content).

The cold render is a freshly started Celery worker's first render: the process has run
pipeline.preload() when it started (WeasyPrint imported, stylesheet parsed; reports/tasks.py), the
render pool is forked inside the timing, and the cache (a temporary MEDIA_ROOT) is empty.
"preload_seconds" is that start-up work timed in a fresh interpreter, and "seconds_with_preload" the
sum: the render as a process that had imported nothing would see it. "seconds_warm_pool" repeats the
cold render with the pool already running, as a long-lived worker sees it.
The warm case changes one demo measurement (then restores it), recomputes, and re-renders.

Environment: BENCH_CHROMIUM (/usr/bin/chromium).
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

from tests.bench.page_load import ENTITY_CODE, BenchFailed, _ensure_demo

CHROMIUM = os.environ.get("BENCH_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-pdf-header-footer", "--disable-dev-shm-usage"]

# Runs in a child process: Playwright's sync API leaves an event loop behind that Django then takes
# for an async context. Loads the first HTML, prints once (warm-up), loads the second, times page.pdf().
PLAYWRIGHT_SCRIPT = r"""
import json, sys, time
from playwright.sync_api import sync_playwright
chromium, before, after, out = sys.argv[1:5]
with sync_playwright() as p:
    browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox", "--disable-gpu"])
    page = browser.new_page()
    page.set_content(open(before, encoding="utf-8").read(), wait_until="load")
    page.pdf(path=out, prefer_css_page_size=True, print_background=True)
    start = time.perf_counter()
    page.set_content(open(after, encoding="utf-8").read(), wait_until="load")
    loaded = time.perf_counter()
    page.pdf(path=out, prefer_css_page_size=True, print_background=True)
    done = time.perf_counter()
    browser.close()
print(json.dumps({"set_content": loaded - start, "pdf": done - loaded}))
"""


def _cycle():
    from performance.models import Cycle

    _ensure_demo()
    cycle = Cycle.objects.select_related("entity").filter(entity__code=ENTITY_CODE).order_by("-year").first()
    if cycle is None:
        raise BenchFailed(f"no cycle for {ENTITY_CODE}")
    return cycle


def _pages(path: Path) -> int:
    import pikepdf

    with pikepdf.open(path) as pdf:
        return len(pdf.pages)


def _chromium_cli(html_path: Path, folder: Path) -> tuple[float, int]:
    out = folder / "chromium.pdf"
    start = time.perf_counter()
    subprocess.run([CHROMIUM, *CHROMIUM_FLAGS, f"--print-to-pdf={out}", html_path.as_uri()], check=True,
                   capture_output=True, timeout=300)
    return time.perf_counter() - start, _pages(out)


def _media(folder: Path):
    from django.test import override_settings

    return override_settings(MEDIA_ROOT=str(folder / "media"))


PRELOAD_SCRIPT = r"""
import json, os, time
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
import django
django.setup()
start = time.perf_counter()
from reports.render.pipeline import preload
preload()
print(json.dumps({"preload": time.perf_counter() - start}))
"""


def _preload_seconds(media: Path) -> float:
    """What a worker process does once when it starts (pipeline.preload), timed in a fresh interpreter."""
    env = {**os.environ, "MEDIA_ROOT": str(media)}
    out = subprocess.run([sys.executable, "-c", PRELOAD_SCRIPT], check=True, capture_output=True, text=True,
                         timeout=300, env=env, cwd=Path(__file__).resolve().parents[2])
    return json.loads(out.stdout.strip().splitlines()[-1])["preload"]


def bench_relazione_cold() -> dict:
    from reports.content import full_document_html

    from reports.render import pool, render_pdf
    from reports.render.pipeline import preload

    cycle = _cycle()
    with tempfile.TemporaryDirectory() as tmp, _media(Path(tmp)):
        folder = Path(tmp)
        html = folder / "relazione.html"
        html.write_text(full_document_html(cycle, layout="seed", variant="draft"), encoding="utf-8")
        baseline, baseline_pages = min(_chromium_cli(html, folder) for _ in range(2))
        preload_seconds = _preload_seconds(folder / "preload-media")

        # A freshly started worker: preloaded when its process started, no render pool yet (forked inside
        # the timing), nothing in the cache.
        preload()
        pool.shutdown()
        start = time.perf_counter()
        result = render_pdf(cycle, layout="seed", variant="draft")
        seconds = time.perf_counter() - start
        breakdown = dict(result.stats.get("timings", {}))

        shutil.rmtree(folder / "media" / "cache" / "relazione", ignore_errors=True)  # the chunks, not the fonts
        start = time.perf_counter()
        again = render_pdf(cycle, layout="seed", variant="draft")
        warm_pool = time.perf_counter() - start
        if result.stats["cached"] or again.stats["cached"]:
            raise BenchFailed("the cache was not empty for a cold render")
    return {"bench": "relazione_cold", "seconds": round(seconds, 3), "baseline": "chromium_cli_print",
            "baseline_seconds": round(baseline, 3), "speedup": round(baseline / seconds, 2),
            "pages": result.page_count, "baseline_pages": baseline_pages, "chunks": result.stats.get("chunks"),
            "seconds_warm_pool": round(warm_pool, 3),
            "preload_seconds": round(preload_seconds, 3),
            "seconds_with_preload": round(seconds + preload_seconds, 3),
            "breakdown": breakdown, "breakdown_warm_pool": again.stats.get("timings", {})}


def _change_one_value(cycle):
    """The demo's first numeric final value, +1, through the model and a recompute. Returns an undo."""
    from performance.models import Measurement
    from performance.recompute import recompute_cycle

    measurement = (Measurement.objects.filter(indicator__cycle=cycle, period__is_final=True, value_number__isnull=False)
                   .order_by("indicator__code").first())
    if measurement is None:
        raise BenchFailed("no numeric measurement in the demo")
    old_raw, old_number = measurement.raw_value, measurement.value_number
    Measurement.objects.filter(pk=measurement.pk).update(value_number=old_number + Decimal(1),
                                                         raw_value=str(old_number + Decimal(1)).replace(".", ","))
    recompute_cycle(cycle.pk)

    def undo():
        Measurement.objects.filter(pk=measurement.pk).update(value_number=old_number, raw_value=old_raw)
        recompute_cycle(cycle.pk)

    return measurement.indicator.code, undo


def bench_relazione_warm() -> dict:
    from reports.content import full_document_html

    from reports.render import render_pdf

    cycle = _cycle()
    with tempfile.TemporaryDirectory() as tmp, _media(Path(tmp)):
        folder = Path(tmp)
        before = folder / "before.html"
        after = folder / "after.html"
        before.write_text(full_document_html(cycle, layout="seed", variant="draft"), encoding="utf-8")
        render_pdf(cycle, layout="seed", variant="draft")  # fills the cache and warms the pool
        render_pdf(cycle, layout="seed", variant="draft")
        code, undo = _change_one_value(cycle)
        try:
            start = time.perf_counter()
            result = render_pdf(cycle, layout="seed", variant="draft")
            seconds = time.perf_counter() - start
            after.write_text(full_document_html(cycle, layout="seed", variant="draft"), encoding="utf-8")
        finally:
            undo()
        if before.read_text(encoding="utf-8") == after.read_text(encoding="utf-8"):
            raise BenchFailed(f"changing {code} did not change the document")
        out = subprocess.run([sys.executable, "-c", PLAYWRIGHT_SCRIPT, CHROMIUM, str(before), str(after),
                              str(folder / "pw.pdf")], check=True, capture_output=True, text=True, timeout=300)
        chromium = json.loads(out.stdout.strip().splitlines()[-1])
    baseline = chromium["pdf"]
    return {"bench": "relazione_warm", "seconds": round(seconds, 3), "baseline": "chromium_warm_page_print",
            "baseline_seconds": round(baseline, 3), "speedup": round(baseline / seconds, 2),
            "pages": result.page_count, "changed_indicator": code, "chunks_rendered": result.stats.get("rendered"),
            "breakdown": result.stats.get("timings", {}),
            "baseline_set_content_seconds": round(chromium["set_content"], 3), "target_seconds": 0.5}
