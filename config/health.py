"""GET /salute/: is the application up and can it read its database? For load balancers and the
docker-compose healthcheck, and the baseline of the scorecard page benchmark (tests/bench/page_load.py).

Anonymous, one query, no session read or write (so no cookie), never cached.
"""
from __future__ import annotations

import logging

from django.db import DatabaseError
from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_safe

from organization.models import Entity

logger = logging.getLogger(__name__)


@require_safe
def health(request: HttpRequest) -> JsonResponse:
    try:
        # One row by primary key: proves the connection, the credentials and the schema, costs nothing.
        Entity.objects.only("pk").order_by("pk").first()
    except DatabaseError:
        logger.exception("health check: database unavailable")
        response = JsonResponse({"status": "error", "database": "unavailable"}, status=503)
    else:
        response = JsonResponse({"status": "ok"})
    response["Cache-Control"] = "no-store"
    return response
