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
    """Render one edition. acks_late + reject_on_worker_lost: a worker killed mid-render gives the
    message back and the next worker picks the edition up again (run_edition takes a running one)."""
    from .services import run_edition

    edition = run_edition(edition_id)
    logger.info("edition %s: %s (%s pages, %s s)", edition.pk, edition.state, edition.page_count, edition.seconds)
    return {"edition": edition.pk, "state": edition.state, "page_count": edition.page_count}
