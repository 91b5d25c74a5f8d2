"""Celery tasks of the performance app: thin wrappers taking primary keys, safe to run twice."""
from __future__ import annotations

import logging

from celery import shared_task
from django.conf import settings
from django.core.cache import cache
from django.db import transaction

from . import page_cache

logger = logging.getLogger(__name__)

#: Saves arriving within this many seconds of the first one are served by the same recompute.
COALESCE_SECONDS = 2


def _pending_key(cycle_id: int) -> str:
    return f"misura:recompute-pending:{cycle_id}"


@shared_task(acks_late=True, reject_on_worker_lost=True)
def recompute_cycle_task(cycle_id: int) -> dict:
    from .freeze import CycleFrozen
    from .recompute import recompute_cycle

    # Cleared before computing: a save that lands while we compute schedules the next run.
    cache.delete(_pending_key(cycle_id))
    try:
        report = recompute_cycle(cycle_id)
    except CycleFrozen:
        # Scheduled by a save just before the freeze: the freeze itself recomputed the figures.
        logger.info("cycle %s is frozen: its figures are not recomputed", cycle_id)
        return {"frozen": True}
    logger.info("recomputed cycle %s: %s", cycle_id, report)
    return report.__dict__


def schedule_recompute(cycle_id: int) -> None:
    """Ask for a recompute once the current transaction commits; a burst of calls makes one task."""

    def enqueue() -> None:
        page_cache.bump(cycle_id)  # the saved value shows at once; its realization after the recompute
        if settings.CELERY_TASK_ALWAYS_EAGER:
            recompute_cycle_task.delay(cycle_id)
        elif cache.add(_pending_key(cycle_id), 1, timeout=300):
            recompute_cycle_task.apply_async((cycle_id,), countdown=COALESCE_SECONDS)

    transaction.on_commit(enqueue)


@shared_task(acks_late=True, reject_on_worker_lost=True)
def send_deadline_reminders_task() -> dict:
    """Daily (CELERY_BEAT_SCHEDULE): today's deadline reminders and digests. Safe to run twice a day:
    what was already sent today is logged and skipped."""
    # Imported on call like recompute above, so importing this module (services.py does) loads nothing more.
    from dataclasses import asdict

    from django.utils import timezone

    from .reminders import send_reminders

    report = send_reminders(timezone.localdate())
    logger.info("deadline reminders: %s", report)
    return asdict(report)
