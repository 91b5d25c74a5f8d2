"""Celery tasks of the reports app: thin wrappers taking primary keys, safe to run twice."""
from __future__ import annotations

import logging

from celery import shared_task
from celery.signals import worker_process_init

logger = logging.getLogger(__name__)


@worker_process_init.connect
def preload_renderer(**_kwargs) -> None:
    """A worker process gets WeasyPrint and the Relazione's stylesheet ready when it starts, not when
    the first render is requested (reports/render/pipeline.py preload)."""
    from .render.pipeline import preload

    try:
        preload()
    except Exception:  # a worker that cannot preload still serves every other task; the render will say why
        logger.exception("the Relazione renderer could not be preloaded")


@shared_task(acks_late=True, reject_on_worker_lost=True)
def render_relazione_task(edition_id: int) -> dict:
    """Render one edition. acks_late + reject_on_worker_lost: a render whose pool child dies gives the
    message back and the next worker picks the edition up again (run_edition takes an interrupted one).
    A worker killed whole gives nothing back before the broker's visibility timeout: the edition's
    heartbeat stops, and recover_interrupted_editions_task (or the next request) starts it again."""
    from .services import run_edition

    edition = run_edition(edition_id)
    logger.info("edition %s: %s (%s pages, %s s)", edition.pk, edition.state, edition.page_count, edition.seconds)
    return {"edition": edition.pk, "state": edition.state, "page_count": edition.page_count}


@shared_task(acks_late=True, reject_on_worker_lost=True)
def recover_interrupted_editions_task() -> dict:
    """Beat (CELERY_BEAT_SCHEDULE), every HEARTBEAT_TIMEOUT seconds: editions whose worker died are marked
    failed and started again, without waiting for someone to ask. Idempotent: each edition is re-checked
    under its row lock, so two runs (or a run and a request) restart it once."""
    from .services import recover_interrupted_editions

    report = recover_interrupted_editions()
    if any(report.values()):
        logger.warning("interrupted editions: %s", report)
    return report
