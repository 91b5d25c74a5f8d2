"""Celery tasks of the validation app: thin wrappers taking primary keys, safe to run twice."""
from __future__ import annotations

import logging

from celery import shared_task

logger = logging.getLogger(__name__)


@shared_task(acks_late=True, reject_on_worker_lost=True)
def publish_cycle_task(cycle_id: int, edition_id: int, user_id: int, reason: str = "",
                       supersedes_id: int | None = None) -> dict:
    """Render the PDF/A edition (if not done yet) and publish it. acks_late + reject_on_worker_lost: a
    worker killed mid-way gives the message back; the render and the publication are both idempotent."""
    from django.core.exceptions import ValidationError

    from .publication import complete_publication

    try:
        publication = complete_publication(cycle_id, edition_id, user_id, reason, supersedes_id)
    except ValidationError as exc:
        # Nothing was published; the publication page shows the state and offers to publish again.
        logger.warning("cycle %s: publication refused: %s", cycle_id, "; ".join(exc.messages))
        return {"cycle": cycle_id, "edition": edition_id, "publication": None, "error": exc.messages}
    return {"cycle": cycle_id, "edition": edition_id, "publication": publication.number if publication else None}
