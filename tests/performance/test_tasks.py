"""Recompute through a real Celery worker and the Redis broker (make test starts Redis)."""
from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest
import redis
from django.conf import settings
from django.core.management import call_command
from django.db import connection, transaction

from performance.models import Cycle, Indicator, Measurement
from performance.tasks import recompute_cycle_task, schedule_recompute

pytestmark = pytest.mark.skipif(not settings.REDIS_URL, reason="needs the Redis that make test starts")


@pytest.fixture
def broker():
    client = redis.Redis.from_url(settings.REDIS_URL)
    client.flushdb()
    yield client
    client.flushdb()


@pytest.fixture
def reload_demo(django_db_blocker):
    """Transactional tests empty the database at teardown; put the demo back for the tests after."""
    yield
    with django_db_blocker.unblock():
        call_command("load_demo", password="test-password-123")


@pytest.fixture
def worker(broker):
    env = {**os.environ, "DATABASE_URL": _test_database_url()}
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo", "--loglevel=WARNING",
         "--without-gossip", "--without-mingle", "--without-heartbeat"],
        cwd=settings.BASE_DIR, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    yield process
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()


def _test_database_url() -> str:
    s = connection.settings_dict
    return f"postgres://{s['USER']}@{s['HOST']}:{s['PORT']}/{s['NAME']}"


@pytest.mark.django_db(transaction=True)
def test_a_burst_of_saves_makes_one_recompute_done_by_the_worker(broker, reload_demo, worker):
    cycle = Cycle.objects.get(year=2023)
    measurement = Measurement.objects.get(indicator__cycle=cycle, indicator__code="2.3.01.06")
    for value in ("10", "9", "8", "7", "6"):
        with transaction.atomic():
            measurement.raw_value = value
            measurement.save()
            schedule_recompute(cycle.pk)
    assert broker.llen("celery") == 1, "five saves in a burst must enqueue a single recompute"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if Indicator.objects.get(cycle=cycle, code="2.3.01.06").realization == 50:
            break
        time.sleep(0.3)
    else:
        worker.terminate()
        pytest.fail("the worker did not recompute in time:\n" + (worker.stdout.read() if worker.stdout else ""))
    assert broker.llen("celery") == 0


def test_recompute_task_can_run_twice_with_the_same_outcome(demo_cycle):
    first = recompute_cycle_task.run(demo_cycle.pk)
    second = recompute_cycle_task.run(demo_cycle.pk)
    assert second["changed_indicators"] == 0 and first["indicators"] == second["indicators"]
