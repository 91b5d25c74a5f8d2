"""Editions whose worker died: the heartbeat, the request that finds one, the beat task that restarts it.

render_pdf is replaced by a small PDF (as in test_editions.py): these tests are about the edition's life
cycle. The real worker killed mid-render is in tests/drills/.
"""
from __future__ import annotations

import threading
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from config import heartbeat as heartbeat_module
from reports import render as render_package
from reports import services
from reports.models import ReportEdition
from reports.render.draft import RenderResult
from reports.services import MAX_ATTEMPTS, recover_interrupted_editions, request_edition, run_edition
from reports.tasks import recover_interrupted_editions_task

from .test_editions import _pdf

State = ReportEdition.State


def user(name: str):
    return get_user_model().objects.get(username=name)


def long_ago(settings) -> timezone.datetime:
    """A heartbeat older than the timeout."""
    return timezone.now() - timedelta(seconds=2 * settings.HEARTBEAT_TIMEOUT + 1)


@pytest.fixture
def small_render(monkeypatch):
    calls = []

    def render_pdf(cycle, *, layout, variant, progress=None):
        calls.append(variant)
        return RenderResult(pdf=_pdf(), page_count=3, content_hash="c" * 64, seconds=0.01)

    monkeypatch.setattr(render_package, "render_pdf", render_pdf)
    return calls


@pytest.fixture
def requested(demo_cycle, django_capture_on_commit_callbacks) -> ReportEdition:
    with django_capture_on_commit_callbacks(execute=False):
        return request_edition(demo_cycle, variant="draft", acting_user=user("struttura"))


def rendering(edition: ReportEdition, beat) -> ReportEdition:
    """The edition as a worker left it at 6 of 33 sections, last heartbeat at ``beat``."""
    ReportEdition.objects.filter(pk=edition.pk).update(state=State.RUNNING, progress_done=6, progress_total=33,
                                                       heartbeat_at=beat)
    return ReportEdition.objects.get(pk=edition.pk)


def relazioni(settings) -> list[Path]:
    folder = Path(settings.MEDIA_ROOT) / "relazioni"
    return sorted(folder.iterdir()) if folder.exists() else []


def test_heartbeat_calls_beat_from_a_thread_until_the_block_ends(monkeypatch):
    monkeypatch.setattr(heartbeat_module, "interval", lambda: 0.01)
    beats, three = [], threading.Event()

    def beat():
        beats.append(threading.current_thread().name)
        if len(beats) >= 3:
            three.set()

    with heartbeat_module.heartbeat(beat, name="test-beat"):
        assert three.wait(timeout=30), "the heartbeat thread did not beat"
    assert set(beats) == {"test-beat"}
    assert not any(t.name == "test-beat" for t in threading.enumerate())  # stopped with the block


def test_a_failing_beat_does_not_fail_the_work(monkeypatch):
    monkeypatch.setattr(heartbeat_module, "interval", lambda: 0.01)
    tried = threading.Event()

    def beat():
        tried.set()
        raise ConnectionError("database gone")

    with heartbeat_module.heartbeat(beat, name="failing-beat"):
        assert tried.wait(timeout=30)
        result = "the work goes on"
    assert result == "the work goes on"


def test_a_request_joins_a_rendering_edition_whose_heartbeat_is_fresh(demo_cycle, requested,
                                                                       django_capture_on_commit_callbacks):
    rendering(requested, timezone.now())
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        again = request_edition(demo_cycle, variant="draft", acting_user=user("segretario"))
    assert again.pk == requested.pk and callbacks == []


def test_a_request_after_the_worker_died_fails_the_stuck_edition_and_starts_afresh(
        demo_cycle, requested, settings, django_capture_on_commit_callbacks):
    rendering(requested, long_ago(settings))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        fresh = request_edition(demo_cycle, variant="draft", acting_user=user("segretario"))
    stuck = ReportEdition.objects.get(pk=requested.pk)
    assert fresh.pk != stuck.pk and fresh.state == State.QUEUED and fresh.number == stuck.number + 1
    assert stuck.state == State.FAILED and not stuck.file and not stuck.sha256
    assert stuck.error.startswith("Composizione interrotta: il processo di lavoro si è fermato")
    assert len(callbacks) == 1  # the new edition's render is enqueued


def test_the_failed_row_says_the_render_was_interrupted(demo_cycle, requested, settings, as_user):
    rendering(requested, long_ago(settings))
    request_edition(demo_cycle, variant="draft", acting_user=user("struttura"))
    row = as_user("struttura").get(f"/cicli/{demo_cycle.pk}/relazione/edizioni/{requested.number}/stato/")
    assert "Composizione interrotta" in row.content.decode()
    assert as_user("struttura").get(
        f"/cicli/{demo_cycle.pk}/relazione/edizioni/{requested.number}/file/").status_code == 404


def test_run_edition_leaves_an_edition_another_worker_is_rendering(requested, small_render):
    rendering(requested, timezone.now())
    assert run_edition(requested.pk).state == State.RUNNING and small_render == []


def test_the_render_keeps_its_edition_alive_while_it_runs(requested, monkeypatch, settings):
    """The heartbeat, not the progress callbacks, keeps a long render from looking interrupted: here the
    render reports no progress at all and its heartbeat is made old, then one beat happens."""
    beats = []

    @contextmanager
    def one_beat_on_demand(beat, *, name):
        beats.append(beat)
        yield

    def slow_render(cycle, *, layout, variant, progress=None):
        ReportEdition.objects.filter(pk=requested.pk).update(heartbeat_at=long_ago(settings))
        assert services.interrupted(ReportEdition.objects.get(pk=requested.pk))
        beats[0]()
        assert not services.interrupted(ReportEdition.objects.get(pk=requested.pk))
        return RenderResult(pdf=_pdf(), page_count=3, content_hash="c" * 64, seconds=0.01)

    monkeypatch.setattr(services, "heartbeat", one_beat_on_demand)
    monkeypatch.setattr(render_package, "render_pdf", slow_render)
    assert run_edition(requested.pk).state == State.DONE and len(beats) == 1


def test_a_render_ending_after_its_edition_was_taken_as_interrupted_stores_no_file(
        requested, monkeypatch, settings, django_capture_on_commit_callbacks):
    def render_then_be_reaped(cycle, *, layout, variant, progress=None):
        # Heartbeats lost (the machine stalled): the beat task restarts the edition while this render runs.
        ReportEdition.objects.filter(pk=requested.pk).update(heartbeat_at=long_ago(settings))
        recover_interrupted_editions()
        return RenderResult(pdf=_pdf(), page_count=3, content_hash="c" * 64, seconds=0.01)

    monkeypatch.setattr(render_package, "render_pdf", render_then_be_reaped)
    with django_capture_on_commit_callbacks(execute=False):
        late = run_edition(requested.pk)
    assert late.state == State.FAILED and not late.file and relazioni(settings) == []
    restarted = ReportEdition.objects.get(cycle=requested.cycle, state=State.QUEUED)
    assert restarted.attempt == 2


def test_the_beat_task_restarts_interrupted_editions_once_and_leaves_the_others(
        demo_cycle, requested, settings, small_render, django_capture_on_commit_callbacks):
    rendering(requested, long_ago(settings))
    with django_capture_on_commit_callbacks(execute=False):
        alive = rendering(request_edition(demo_cycle, variant="pdfa", acting_user=user("struttura")), timezone.now())
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        report = recover_interrupted_editions_task.run()
        again = recover_interrupted_editions_task.run()
    assert report == {"restarted": 1, "given_up": 0, "resent": 0}
    assert again == {"restarted": 0, "given_up": 0, "resent": 0}
    assert len(callbacks) == 1
    assert ReportEdition.objects.get(pk=requested.pk).state == State.FAILED
    assert ReportEdition.objects.get(pk=alive.pk).state == State.RUNNING
    restarted = ReportEdition.objects.get(cycle=demo_cycle, variant="draft", state=State.QUEUED)
    assert (restarted.attempt, restarted.requested_by, restarted.layout) == (2, requested.requested_by, "seed")
    assert run_edition(restarted.pk).state == State.DONE and small_render == ["draft"]  # what the worker does
    assert ReportEdition.objects.filter(cycle=demo_cycle, variant="draft", state=State.DONE).count() == 1


def test_the_beat_task_gives_up_on_an_edition_interrupted_too_many_times(
        requested, settings, django_capture_on_commit_callbacks):
    ReportEdition.objects.filter(pk=requested.pk).update(attempt=MAX_ATTEMPTS)
    rendering(requested, long_ago(settings))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert recover_interrupted_editions()["given_up"] == 1
    assert callbacks == [] and not ReportEdition.objects.filter(state__in=(State.QUEUED, State.RUNNING)).exists()


def test_the_beat_task_sends_again_a_queued_edition_no_worker_took(
        requested, settings, django_capture_on_commit_callbacks):
    waited = timezone.now() - timedelta(seconds=services.RESEND_QUEUED_AFTER * settings.HEARTBEAT_TIMEOUT + 1)
    ReportEdition.objects.filter(pk=requested.pk).update(heartbeat_at=waited)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert recover_interrupted_editions()["resent"] == 1
        assert recover_interrupted_editions()["resent"] == 0  # sent again once, not every minute
    assert len(callbacks) == 1 and ReportEdition.objects.get(pk=requested.pk).state == State.QUEUED
