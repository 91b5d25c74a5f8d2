"""The forked process pool the chunks are laid out in.

Created once per process and kept: the Celery worker and the benchmark reuse warm workers (WeasyPrint
imported, fonts decoded). Forked, not spawned: a child starts in milliseconds with everything the parent
had already imported and parsed. A worker that dies breaks the pool; it is thrown away and the render
fails cleanly (the next render gets a new pool).
"""
from __future__ import annotations

import gc
import logging
import multiprocessing
import os
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool

from .jobs import Job, Rendered, render_job, style_for

logger = logging.getLogger(__name__)

_executor: ProcessPoolExecutor | None = None
_owner_pid: int | None = None


def workers() -> int:
    """RELAZIONE_RENDER_WORKERS (default: the CPU count, at most 4); 0 renders in this process."""
    value = os.environ.get("RELAZIONE_RENDER_WORKERS")
    if value is not None and value.strip() != "":
        return max(0, int(value))
    return max(1, min(4, os.cpu_count() or 1))


def get_executor(warm_css: Iterable[str] = ()) -> ProcessPoolExecutor | None:
    """The process's pool (None when configured to render in-process). ``warm_css``: stylesheets to
    parse before the first fork, so the children inherit them."""
    global _executor, _owner_pid
    count = workers()
    if count == 0:
        return None
    if _executor is not None and _owner_pid == os.getpid():
        return _executor
    # A pool inherited through a fork (a Celery prefork child) belongs to the parent: make our own.
    import weasyprint  # noqa: F401  -- imported before forking so that workers start warm

    for css in warm_css:
        warm_up(css)
    current = multiprocessing.current_process()
    if current.daemon:
        # A Celery prefork child is daemonic, and multiprocessing refuses children to daemonic processes
        # (so that they cannot be orphaned). Ours cannot be: a pool worker blocks on its call queue and
        # exits on EOF as soon as this process goes, however it goes.
        current._config["daemon"] = False
    # The collector may be paused in this process while it forks (jobs.gc_paused): workers start with it on.
    _executor = ProcessPoolExecutor(max_workers=count, mp_context=multiprocessing.get_context("fork"),
                                    initializer=gc.enable)
    _owner_pid = os.getpid()
    return _executor


_warmed: set[str] = set()

#: Touches what the Relazione uses (every face of the font, tables, lists, floats, inline SVG with text), so
#: that no pool worker loads a font face or a code path for the first time inside a render.
WARM_UP_HTML = (
    '<h1>Àa</h1><h3>Àa</h3><p>Àa <b>1</b> <i>2</i> <strong><em>3</em></strong> <sup class="flag">4</sup>'
    '<span class="rs-heading-pct">5</span></p><ul><li>6</li></ul>'
    '<table class="rs-table rs-indicators"><colgroup><col class="c-op"><col class="c-ind"><col class="c-num"></colgroup>'
    '<thead><tr><th>7</th><th>8</th><th class="num">9</th></tr></thead>'
    '<tbody><tr class="row-objective"><th>10</th><td><em>11</em></td><td class="num">12</td></tr></tbody></table>'
    '<p style="font-weight: 300">13 <span style="font-weight: 600">14 <i>15</i></span> <b><i>16</i></b></p>'
    '<figure class="rs-figure"><svg viewBox="0 0 100 20" width="100" height="20"><rect width="50" height="10"/>'
    '<text x="1" y="15" font-size="8" font-weight="600">17</text></svg></figure>')


def warm_up(css: str) -> None:
    """Lay out and write a tiny document once before forking: the children then inherit WeasyPrint's
    lazily imported modules, fontconfig's and Pango's caches and the decoded fonts (~0.1-0.3 s each)."""
    from .parse import weasy_html

    if css in _warmed:
        return
    font_config, sheets = style_for(css)
    weasy_html(WARM_UP_HTML, None).render(stylesheets=sheets, font_config=font_config).write_pdf()
    _warmed.add(css)  # only once it worked: a failed warm-up is tried again by the next render


def shutdown() -> None:
    global _executor, _owner_pid
    if _executor is not None and _owner_pid == os.getpid():
        _executor.shutdown(wait=False, cancel_futures=True)
    _executor, _owner_pid = None, None


def start_job(job: Job, *, warm_css: Iterable[str] = ()) -> Callable[[], Rendered]:
    """Start ``job`` in the pool and return a function that waits for its result, so that this process
    can do other work meanwhile (rendered in this process, when the function is called, without a pool)."""
    executor = get_executor(warm_css)
    if executor is None:
        return lambda: render_job(job)
    try:
        future = executor.submit(render_job, job)
    except BrokenProcessPool:
        shutdown()
        raise

    def result() -> Rendered:
        try:
            return future.result()
        except BrokenProcessPool:
            logger.exception("a Relazione render worker died; the pool is replaced")
            shutdown()
            raise

    return result


def run_jobs(jobs: list[Job], on_done: Callable[[Job, Rendered], None], *, warm_css: Iterable[str] = ()) -> None:
    """Render ``jobs`` (largest first, so the long ones do not finish last alone), calling ``on_done``
    in this process as each finishes. Raises the first worker error."""
    if not jobs:
        return
    ordered = sorted(jobs, key=lambda j: len(j.html), reverse=True)
    executor = get_executor(warm_css)
    if executor is None or len(ordered) == 1:
        for job in ordered:
            on_done(job, render_job(job))
        return
    try:
        pending: dict[Future, Job] = {executor.submit(render_job, job): job for job in ordered}
        while pending:
            done, _rest = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                job = pending.pop(future)
                try:
                    result = future.result()
                except BaseException:
                    for other in pending:
                        other.cancel()
                    raise
                on_done(job, result)
    except BrokenProcessPool:
        logger.exception("a Relazione render worker died; the pool is replaced")
        shutdown()
        raise
