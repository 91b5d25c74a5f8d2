"""A recompute lost with its worker must not block the next ones: the pending marker is short-lived, the
running one is kept alive by the task's heartbeat, and the beat task schedules a lost recompute again.

The cache is the real Redis of make test; the broker is replaced by a list of sent recomputes."""
from __future__ import annotations

import time
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.core.cache import cache
from django.utils import timezone

from config import heartbeat as heartbeat_module
from performance import recompute as recompute_module
from performance import tasks
from performance.models import Cycle, Measurement

pytestmark = pytest.mark.skipif(not tasks.settings.REDIS_URL, reason="needs the Redis that make test starts")


@pytest.fixture
def sent(monkeypatch) -> list[int]:
    sent: list[int] = []
    monkeypatch.setattr(tasks.recompute_cycle_task, "apply_async", lambda args, countdown: sent.append(args[0]))
    return sent


def schedule(cycle_id: int, callbacks) -> None:
    with callbacks(execute=True):
        tasks.schedule_recompute(cycle_id)


def test_the_pending_marker_lives_one_heartbeat_timeout_not_minutes(demo_cycle, sent, settings,
                                                                     django_capture_on_commit_callbacks):
    schedule(demo_cycle.pk, django_capture_on_commit_callbacks)
    schedule(demo_cycle.pk, django_capture_on_commit_callbacks)
    assert sent == [demo_cycle.pk]  # still one recompute for a burst of saves
    ttl = cache._cache.get_client().ttl(cache.make_and_validate_key(tasks._pending_key(demo_cycle.pk)))
    assert 0 < ttl <= settings.HEARTBEAT_TIMEOUT


def test_a_save_after_a_lost_recompute_schedules_again_once_the_marker_expires(
        demo_cycle, sent, settings, django_capture_on_commit_callbacks):
    settings.HEARTBEAT_TIMEOUT = 1
    schedule(demo_cycle.pk, django_capture_on_commit_callbacks)  # its worker dies before running it
    while cache.get(tasks._pending_key(demo_cycle.pk)):
        time.sleep(0.1)
    schedule(demo_cycle.pk, django_capture_on_commit_callbacks)
    assert sent == [demo_cycle.pk, demo_cycle.pk]


def test_a_running_recompute_keeps_its_marker_alive_longer_than_its_ttl_then_clears_it(
        demo_cycle, monkeypatch, settings):
    settings.HEARTBEAT_TIMEOUT = 1
    monkeypatch.setattr(heartbeat_module, "interval", lambda: 0.05)
    key = tasks._running_key(demo_cycle.pk)
    seen = []

    def long_recompute(cycle_id):
        deadline = time.monotonic() + 1.5  # longer than the marker's own TTL (1 s)
        while time.monotonic() < deadline:
            seen.append(bool(cache.get(key)))
            time.sleep(0.1)
        return SimpleNamespace(changed_indicators=0)

    monkeypatch.setattr(recompute_module, "recompute_cycle", long_recompute)
    tasks.recompute_cycle_task.run(demo_cycle.pk)
    assert seen and all(seen)
    assert cache.get(key) is None


def saved_long_ago(cycle: Cycle, settings) -> None:
    """Values saved after the last recompute, the last one longer ago than the heartbeat timeout."""
    then = timezone.now() - timedelta(seconds=3 * settings.HEARTBEAT_TIMEOUT)
    Cycle.objects.filter(pk=cycle.pk).update(computed_at=then - timedelta(seconds=1))
    Measurement.objects.filter(indicator__cycle=cycle).update(updated_at=then)


def test_the_beat_task_schedules_a_recompute_lost_with_its_worker_once(demo_cycle, sent, settings):
    saved_long_ago(demo_cycle, settings)
    assert tasks.recover_interrupted_recomputes_task.run() == {"scheduled": [demo_cycle.pk]}
    assert tasks.recover_interrupted_recomputes_task.run() == {"scheduled": []}  # now pending
    assert sent == [demo_cycle.pk]


def test_the_beat_task_leaves_cycles_up_to_date_running_or_frozen(demo_cycle, sent, settings):
    Cycle.objects.filter(pk=demo_cycle.pk).update(computed_at=timezone.now())
    assert tasks.cycles_behind() == []
    saved_long_ago(demo_cycle, settings)
    cache.set(tasks._running_key(demo_cycle.pk), 1, 30)
    assert tasks.cycles_behind() == []
    cache.delete(tasks._running_key(demo_cycle.pk))
    Cycle.objects.filter(pk=demo_cycle.pk).update(state=Cycle.State.UNDER_VALIDATION)
    assert tasks.cycles_behind() == [] and sent == []
