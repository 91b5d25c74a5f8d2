"""Publishing after the worker rendering the PDF/A died: the interrupted render is not joined, a new one is
rendered and published, and the marker of the publishing task in flight does not outlive its heartbeat.
(The real worker killed mid-publication is in tests/drills/.)"""
from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.core.cache import cache
from django.utils import timezone

from reports import render as render_package
from reports.models import ReportEdition
from reports.render.draft import RenderResult
from reports.services import request_edition
from validation import publication as service
from validation import tasks
from validation.models import Publication

from .conftest import user

pytestmark = pytest.mark.django_db


@pytest.fixture
def sent(monkeypatch) -> list[tuple]:
    sent: list[tuple] = []
    monkeypatch.setattr(tasks.publish_cycle_task, "delay", lambda *args: sent.append(args))
    return sent


def test_publishing_again_after_the_render_was_interrupted_renders_a_new_edition_and_sends_its_task(
        demo_cycle, validated, sent, settings, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = service.publish(demo_cycle, acting_user=user("struttura")).edition
    dead = timezone.now() - timedelta(seconds=2 * settings.HEARTBEAT_TIMEOUT + 1)
    ReportEdition.objects.filter(pk=first.pk).update(state="running", progress_done=1, heartbeat_at=dead)
    with django_capture_on_commit_callbacks(execute=True):
        again = service.publish(demo_cycle, acting_user=user("segretario")).edition
    assert again.pk != first.pk and again.variant == "pdfa" and again.state == "queued"
    assert ReportEdition.objects.get(pk=first.pk).state == "failed"
    assert [args[1] for args in sent] == [first.pk, again.pk]


def test_the_publishing_task_marker_lives_one_heartbeat_timeout(demo_cycle, validated, sent, settings,
                                                                 django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        edition = service.publish(demo_cycle, acting_user=user("struttura")).edition
    ttl = cache._cache.get_client().ttl(cache.make_and_validate_key(service._pending_key(edition.pk)))
    assert 0 < ttl <= settings.HEARTBEAT_TIMEOUT


def test_the_publishing_task_waits_for_the_render_another_worker_does_and_takes_it_over_when_it_dies(
        demo_cycle, validated, settings, monkeypatch, django_capture_on_commit_callbacks):
    from tests.reports.test_editions import _pdf

    monkeypatch.setattr(render_package, "render_pdf", lambda cycle, **kw: RenderResult(
        pdf=_pdf(), page_count=3, content_hash="c" * 64, seconds=0.01))
    with django_capture_on_commit_callbacks(execute=False):  # the PDF/A asked for on the editions page
        edition = request_edition(demo_cycle, variant="pdfa", acting_user=user("struttura"))
    ReportEdition.objects.filter(pk=edition.pk).update(state="running", heartbeat_at=timezone.now())
    waits = []

    def other_worker_dies_after_a_while(seconds):
        waits.append(seconds)
        if len(waits) == 2:
            dead = timezone.now() - timedelta(seconds=2 * settings.HEARTBEAT_TIMEOUT + 1)
            ReportEdition.objects.filter(pk=edition.pk).update(heartbeat_at=dead)

    monkeypatch.setattr(service, "time", SimpleNamespace(sleep=other_worker_dies_after_a_while))
    publication = service.complete_publication(demo_cycle.pk, edition.pk, user("struttura").pk)
    assert len(waits) == 2  # waited while the other worker beat, then rendered it itself
    assert publication == Publication.objects.get(cycle=demo_cycle) and publication.edition_id == edition.pk


def test_the_page_says_to_publish_again_while_the_beat_task_renders_the_pdfa_anew(
        demo_cycle, validated, sent, settings, as_user, django_capture_on_commit_callbacks):
    from reports.services import recover_interrupted_editions

    with django_capture_on_commit_callbacks(execute=True):
        first = service.publish(demo_cycle, acting_user=user("struttura")).edition
    page = as_user("struttura").get(f"/cicli/{demo_cycle.pk}/pubblicazione/").content.decode()
    assert "la pubblicazione si completa da sola" in page
    cache.delete(service._pending_key(first.pk))  # its worker died: the marker expired with its heartbeat
    dead = timezone.now() - timedelta(seconds=2 * settings.HEARTBEAT_TIMEOUT + 1)
    ReportEdition.objects.filter(pk=first.pk).update(state="running", heartbeat_at=dead)
    with django_capture_on_commit_callbacks(execute=False):
        assert recover_interrupted_editions()["restarted"] == 1
    page = as_user("struttura").get(f"/cicli/{demo_cycle.pk}/pubblicazione/").content.decode()
    assert "La composizione è ripartita dopo" in page and "al termine, pubblicare di nuovo" in page
