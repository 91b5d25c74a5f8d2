"""Editions of the Relazione: requesting, rendering (task/command), failing, following, downloading.

The PDF itself is tested in test_render.py; here render_pdf is replaced by a small real PDF so the
tests are about the edition's life cycle.
"""
from __future__ import annotations

import hashlib
import io
from datetime import timedelta
from pathlib import Path

import pikepdf
import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.urls import include, path
from django.utils import timezone

import config.urls
from performance.models import Cycle
from reports import render as render_package
from reports.models import ReportEdition
from reports.render.draft import RenderResult
from reports.services import request_edition, run_edition

# The lead includes reports.urls in config/urls.py; until then these tests add it themselves.
urlpatterns = list(config.urls.urlpatterns)
if not any(getattr(p, "namespace", None) == "reports" for p in urlpatterns):
    urlpatterns.append(path("", include("reports.urls")))
pytestmark = pytest.mark.urls(__name__)


def _pdf(pages: int = 3) -> bytes:
    pdf = pikepdf.Pdf.new()
    for _ in range(pages):
        pdf.add_blank_page()
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


@pytest.fixture
def fake_render(monkeypatch):
    calls = []

    def render_pdf(cycle, *, layout, variant, progress=None):
        calls.append((cycle.pk, layout, variant))
        if progress:
            progress(1, 2, "sezione")
        return RenderResult(pdf=_pdf(), page_count=3, content_hash="c" * 64, seconds=0.01)

    monkeypatch.setattr(render_package, "render_pdf", render_pdf)
    return calls


def user(name):
    return get_user_model().objects.get(username=name)


def test_second_request_while_in_flight_joins_the_same_edition(demo_cycle, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        first = request_edition(demo_cycle, variant="draft", acting_user=user("struttura"))
        second = request_edition(demo_cycle, variant="draft", acting_user=user("segretario"))
    assert second.pk == first.pk and first.state == ReportEdition.State.QUEUED
    assert len(callbacks) == 1  # one task enqueued
    other = request_edition(demo_cycle, variant="pdfa", acting_user=user("struttura"))
    assert other.pk != first.pk and other.number == first.number + 1


def test_only_struttura_segretario_admin_may_request(demo_cycle):
    for name in ("dirigente", "oiv", "resp.ri"):
        with pytest.raises(PermissionDenied):
            request_edition(demo_cycle, variant="draft", acting_user=user(name))
    assert not ReportEdition.objects.exists()


def test_run_stores_the_file_with_its_hash_and_is_idempotent(demo_cycle, fake_render):
    edition = request_edition(demo_cycle, variant="draft", acting_user=user("struttura"))
    done = run_edition(edition.pk)
    assert done.state == ReportEdition.State.DONE and done.page_count == 3
    data = Path(done.file.path).read_bytes()
    assert done.sha256 == hashlib.sha256(data).hexdigest() and done.size == len(data)
    assert done.content_hash == "c" * 64 and done.progress_done == done.progress_total
    again = run_edition(edition.pk)  # a redelivered task: nothing is rendered again
    assert len(fake_render) == 1 and again.file.name == done.file.name


def test_running_edition_whose_worker_died_is_picked_up_again(demo_cycle, fake_render):
    edition = request_edition(demo_cycle, variant="draft", acting_user=user("struttura"))
    # Its worker died: no heartbeat for longer than HEARTBEAT_TIMEOUT (the message is delivered again).
    ReportEdition.objects.filter(pk=edition.pk).update(state=ReportEdition.State.RUNNING, progress_done=5,
                                                       heartbeat_at=timezone.now() - timedelta(hours=1))
    assert run_edition(edition.pk).state == ReportEdition.State.DONE
    assert len(fake_render) == 1


def test_failing_render_leaves_failed_state_and_no_file(demo_cycle, monkeypatch, settings):
    def broken(*args, **kwargs):
        raise RuntimeError("layout exploded")

    monkeypatch.setattr(render_package, "render_pdf", broken)
    edition = request_edition(demo_cycle, variant="draft", acting_user=user("struttura"))
    failed = run_edition(edition.pk)
    assert failed.state == ReportEdition.State.FAILED and "layout exploded" in failed.error
    assert not failed.file and not failed.sha256
    folder = Path(settings.MEDIA_ROOT) / "relazioni"
    assert not folder.exists() or not any(folder.iterdir())
    # A failed edition does not block the next request.
    assert request_edition(demo_cycle, variant="draft", acting_user=user("struttura")).pk != edition.pk


def test_command_writes_the_file_and_stores_an_edition(demo_cycle, fake_render, tmp_path):
    out = tmp_path / "relazione.pdf"
    stdout = io.StringIO()
    call_command("render_relazione", "--cycle", "2023", "--output", str(out), "--variant", "draft", stdout=stdout)
    edition = ReportEdition.objects.get(cycle=demo_cycle)
    assert out.read_bytes() == Path(edition.file.path).read_bytes()
    assert hashlib.sha256(out.read_bytes()).hexdigest() == edition.sha256
    assert "3 pagine" in stdout.getvalue()


def test_editions_page_request_progress_and_download(demo_cycle, as_user, fake_render,
                                                      django_capture_on_commit_callbacks):
    base = f"/cicli/{demo_cycle.pk}/relazione/edizioni/"
    client = as_user("struttura")
    page = client.get(base)
    assert page.status_code == 200 and 'name="variant"' in page.content.decode() and "csrfmiddlewaretoken" in page.content.decode()
    assert client.post(base, {"variant": "boh"}).status_code == 422
    with django_capture_on_commit_callbacks(execute=False):
        response = client.post(base, {"variant": "draft"})
    assert response.status_code == 302
    edition = ReportEdition.objects.get(cycle=demo_cycle)
    ReportEdition.objects.filter(pk=edition.pk).update(state="running", progress_done=3, progress_total=12)
    row = client.get(f"{base}{edition.number}/stato/").content.decode()
    assert 'hx-trigger="every 1s"' in row and 'aria-valuenow="25"' in row and 'role="status"' in row
    assert client.get(f"{base}{edition.number}/file/").status_code == 404  # nothing to download yet
    # Queued again: run_edition plays the worker (one whose heartbeat is fresh is left to its worker).
    ReportEdition.objects.filter(pk=edition.pk).update(state="queued")
    run_edition(edition.pk)
    row = client.get(f"{base}{edition.number}/stato/").content.decode()
    assert "hx-trigger" not in row and f"{edition.number}/file/" in row
    for name in ("oiv", "dirigente"):
        download = as_user(name).get(f"{base}{edition.number}/file/")
        assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
        assert b"".join(download.streaming_content).startswith(b"%PDF")
    assert as_user("resp.ri").get(f"{base}{edition.number}/file/").status_code == 403
    assert as_user("oiv").post(base, {"variant": "draft"}).status_code == 403


def test_other_entity_cycle_is_404(as_user, other_entity):
    cycle = Cycle.objects.create(entity=other_entity, year=2023)
    assert as_user("struttura").get(f"/cicli/{cycle.pk}/relazione/edizioni/").status_code == 404
