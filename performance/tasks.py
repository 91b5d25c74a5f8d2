"""Celery tasks of the performance app: thin wrappers taking primary keys, safe to run twice."""
from __future__ import annotations

import logging

from datetime import datetime

from celery import shared_task
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import F, Max, Q

from config.heartbeat import cache_heartbeat

from . import page_cache

logger = logging.getLogger(__name__)

#: Saves arriving within this many seconds of the first one are served by the same recompute.
COALESCE_SECONDS = 2


def _pending_key(cycle_id: int) -> str:
    return f"misura:recompute-pending:{cycle_id}"


def _running_key(cycle_id: int) -> str:
    return f"misura:recompute-running:{cycle_id}"


@shared_task(acks_late=True, reject_on_worker_lost=True)
def recompute_cycle_task(cycle_id: int) -> dict:
    from .freeze import CycleFrozen
    from .recompute import recompute_cycle

    # Cleared before computing: a save that lands while we compute schedules the next run.
    cache.delete(_pending_key(cycle_id))
    # In progress, for the beat task (recover_interrupted_recomputes): alive as long as this task beats.
    running = _running_key(cycle_id)
    cache.set(running, 1, timeout=settings.HEARTBEAT_TIMEOUT)
    try:
        with cache_heartbeat(running, name=f"recompute-{cycle_id}"):
            report = recompute_cycle(cycle_id)
    except CycleFrozen:
        # Scheduled by a save just before the freeze: the freeze itself recomputed the figures.
        logger.info("cycle %s is frozen: its figures are not recomputed", cycle_id)
        return {"frozen": True}
    finally:
        cache.delete(running)
    logger.info("recomputed cycle %s: %s", cycle_id, report)
    return report.__dict__


def _enqueue(cycle_id: int) -> bool:
    """Send one recompute unless one is pending. The pending marker lives one HEARTBEAT_TIMEOUT (not the
    five minutes it used to): if the worker holding the message dies (it keeps a countdown message
    unacknowledged until it runs), the next save, or the beat task, schedules again within that time
    instead of being swallowed until Redis gives the message back. A message that merely waits longer
    than that in a busy queue gets a twin: a second recompute of the same data, which changes nothing."""
    if cache.add(_pending_key(cycle_id), 1, timeout=settings.HEARTBEAT_TIMEOUT):
        recompute_cycle_task.apply_async((cycle_id,), countdown=COALESCE_SECONDS)
        return True
    return False


def schedule_recompute(cycle_id: int) -> None:
    """Ask for a recompute once the current transaction commits; a burst of calls makes one task."""

    def enqueue() -> None:
        page_cache.bump(cycle_id)  # the saved value shows at once; its realization after the recompute
        if settings.CELERY_TASK_ALWAYS_EAGER:
            recompute_cycle_task.delay(cycle_id)
        else:
            _enqueue(cycle_id)

    transaction.on_commit(enqueue)


def cycles_behind(now: datetime | None = None) -> list[int]:
    """Cycles open to changes with a value saved after their last recompute, longer than HEARTBEAT_TIMEOUT
    ago (so not one whose recompute is simply about to run), and no recompute pending or running: the
    recompute scheduled for that save was lost with its worker."""
    from config.heartbeat import stale_before

    from .freeze import FROZEN_STATES
    from .models import Cycle

    candidates = (Cycle.objects.exclude(state__in=FROZEN_STATES)
                  .annotate(last_saved=Max("indicators__measurements__updated_at"))
                  .filter(last_saved__lt=stale_before(now))
                  .filter(Q(computed_at__isnull=True) | Q(computed_at__lt=F("last_saved")))
                  .values_list("pk", flat=True))
    return [pk for pk in candidates if not cache.get(_pending_key(pk)) and not cache.get(_running_key(pk))]


@shared_task(acks_late=True, reject_on_worker_lost=True)
def recover_interrupted_recomputes_task() -> dict:
    """Beat (CELERY_BEAT_SCHEDULE), every HEARTBEAT_TIMEOUT seconds: a recompute lost with its worker is
    scheduled again without waiting for the next save. Idempotent: the pending marker makes one task."""
    sent = [pk for pk in cycles_behind() if _enqueue(pk)]
    if sent:
        logger.warning("recompute scheduled again for cycles %s (lost with a worker)", sent)
    return {"scheduled": sent}


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
