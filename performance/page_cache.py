"""Rendered fragments of the scorecard page, valid until anything in their cycle changes.

Every write path ends in schedule_recompute() or in one of the services below, and each of them
moves the cycle's generation on once its transaction commits; a fragment is stored under the
generation it was rendered from, so a change is never served stale and nothing needs deleting.
"""
from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

from django.core.cache import cache

from organization.access import ACCESS_KEY, access_generation, bump_generation, generation_of

TIMEOUT = 600


def _key(cycle_id: int) -> str:
    return f"misura:cycle-generation:{cycle_id}"


def generation(cycle_id: int) -> str:
    return generation_of(_key(cycle_id))


def bump(cycle_id: int) -> None:
    """A new generation once the current transaction commits (at once outside a transaction)."""
    bump_generation(_key(cycle_id))


def get(key: str):
    return cache.get(key)


def put(key: str, value) -> None:
    cache.set(key, value, TIMEOUT)


# --- Whole pages -------------------------------------------------------------------------------------
# A page is stored per user, under the generation of its cycle and the generation of who-may-see-what
# (memberships, units); the CSRF token is a placeholder replaced on every response.

CSRF_PLACEHOLDER = "__misura_csrf_token__"


_LOCAL_PAGES = 256  # per process, ~50 KB each: the pages this worker served last
_local: OrderedDict[str, tuple[str, str]] = OrderedDict()


@dataclass(frozen=True)
class PageSlot:
    key: str
    generations: str


def page_lookup(request, cycle_id: int, *parts: str) -> tuple[PageSlot | None, str | None]:
    """(slot to store the page under, the cached page if still valid). No slot when the page must not
    be cached (messages waiting to be shown). One cache round trip when this process served the page
    last: the generations are read, the page itself is in memory."""
    if request.COOKIES.get("messages") or request.session.get("_messages"):
        return None, None
    keys = [_key(cycle_id), ACCESS_KEY]
    found = cache.get_many(keys)
    if len(found) < 2:  # first use: create them
        found = {_key(cycle_id): generation(cycle_id), ACCESS_KEY: access_generation()}
    slot = PageSlot(":".join(("misura:page", str(request.user.pk), str(cycle_id),
                              getattr(request, "LANGUAGE_CODE", ""), *parts)),
                    ":".join(found[k] for k in keys))
    local = _local.get(slot.key)
    if local is not None and local[0] == slot.generations:
        _local.move_to_end(slot.key)
        return slot, local[1]
    shared = cache.get(slot.key)
    if shared is not None and shared[0] == slot.generations:
        _remember(slot.key, shared)
        return slot, shared[1]
    return slot, None


def page_store(slot: PageSlot, html: str) -> None:
    value = (slot.generations, html)
    cache.set(slot.key, value, TIMEOUT)
    _remember(slot.key, value)


def _remember(key: str, value: tuple[str, str]) -> None:
    _local[key] = value
    _local.move_to_end(key)
    while len(_local) > _LOCAL_PAGES:
        _local.popitem(last=False)
