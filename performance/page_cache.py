"""Rendered fragments of the scorecard page, valid until anything in their cycle changes.

Every write path ends in schedule_recompute() or in one of the services below, and each of them
moves the cycle's generation on once its transaction commits; a fragment is stored under the
generation it was rendered from, so a change is never served stale and nothing needs deleting.
"""
from __future__ import annotations

import uuid

from django.core.cache import cache
from django.db import transaction

from organization.access import ACCESS_KEY, access_generation

TIMEOUT = 600


def _key(cycle_id: int) -> str:
    return f"misura:cycle-generation:{cycle_id}"


def generation(cycle_id: int) -> str:
    value = cache.get(_key(cycle_id))
    if value is None:
        value = uuid.uuid4().hex
        if not cache.add(_key(cycle_id), value, timeout=None):
            value = cache.get(_key(cycle_id)) or value
    return value


def bump(cycle_id: int) -> None:
    """A new generation once the current transaction commits (at once outside a transaction)."""
    transaction.on_commit(lambda: cache.set(_key(cycle_id), uuid.uuid4().hex, timeout=None))


def get(key: str):
    return cache.get(key)


def put(key: str, value) -> None:
    cache.set(key, value, TIMEOUT)


# --- Whole pages -------------------------------------------------------------------------------------
# A page is stored per user, under the generation of its cycle and the generation of who-may-see-what
# (memberships, units); the CSRF token is a placeholder replaced on every response.

CSRF_PLACEHOLDER = "__misura_csrf_token__"


def page_key(request, cycle_id: int, *parts: str) -> str | None:
    """None when the page must not come from the cache (messages waiting to be shown)."""
    if request.COOKIES.get("messages") or request.session.get("_messages"):
        return None
    language = getattr(request, "LANGUAGE_CODE", "")
    keys = [_key(cycle_id), ACCESS_KEY]
    found = cache.get_many(keys)
    if len(found) < 2:  # first use: create them
        found = {_key(cycle_id): generation(cycle_id), ACCESS_KEY: access_generation()}
    return ":".join(("misura:page", str(request.user.pk), str(cycle_id), language, *parts,
                     *(found[k] for k in keys)))
