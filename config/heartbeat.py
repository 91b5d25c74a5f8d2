"""Heartbeats of work in flight: a render, a publication, a recompute says "still alive" every few seconds.

A worker killed with SIGKILL (out of memory, a node lost, a deploy gone wrong) runs no ``finally`` and no
signal handler, and Redis hands its unacknowledged message to another worker only after the broker's
visibility timeout (config/settings.py). What it was doing would look "in progress" for that long. So the
work itself records a heartbeat, from a small daemon thread that does not depend on the work reporting
progress (a render chunk can take seconds), and whatever finds a heartbeat older than
``settings.HEARTBEAT_TIMEOUT`` seconds takes the work as interrupted (reports/services.py,
performance/tasks.py). The thread dies with its process, so a killed worker stops beating at once.
"""
from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import close_old_connections, connections
from django.utils import timezone

logger = logging.getLogger(__name__)


def timeout() -> timedelta:
    """How old a heartbeat may be before the work is taken as interrupted."""
    return timedelta(seconds=settings.HEARTBEAT_TIMEOUT)


def interval() -> float:
    """How often a heartbeat is written: four times per timeout, so one slow write does not look like a death."""
    return settings.HEARTBEAT_TIMEOUT / 4


def is_stale(beat: datetime | None, now: datetime | None = None) -> bool:
    """True when the last heartbeat (None: none ever) is older than the timeout."""
    return beat is None or (now or timezone.now()) - beat > timeout()


def stale_before(now: datetime | None = None) -> datetime:
    """Heartbeats earlier than this are stale (for queries)."""
    return (now or timezone.now()) - timeout()


@contextmanager
def heartbeat(beat: Callable[[], object], *, name: str = "heartbeat") -> Iterator[None]:
    """Call ``beat()`` every ``interval()`` seconds in a daemon thread while the block runs.

    ``beat`` writes the heartbeat (an UPDATE, a cache TTL). It runs in its own thread, so with its own
    database connection, closed when the block ends. A failing beat is logged and tried again at the next
    interval: the work itself must not fail because a heartbeat could not be written.
    """
    stop = threading.Event()

    def run() -> None:
        try:
            while not stop.wait(interval()):
                try:
                    beat()
                except Exception:  # noqa: BLE001 - logged; the next beat tries again
                    logger.exception("%s: the heartbeat could not be written", name)
                    close_old_connections()
        finally:
            connections.close_all()  # this thread's connections only (they are per thread)

    thread = threading.Thread(target=run, name=name, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=10)


@contextmanager
def cache_heartbeat(key: str, *, name: str) -> Iterator[None]:
    """``heartbeat`` for a marker in the shared cache: keeps ``key`` alive one HEARTBEAT_TIMEOUT at a time,
    so it expires soon after its process dies (a recompute running, a publication pending)."""
    with heartbeat(lambda: cache.touch(key, settings.HEARTBEAT_TIMEOUT), name=name):
        yield
