"""Publishing the validated Relazione: the service, the task, the staff page and what the public gets."""
from __future__ import annotations

import csv
import hashlib
import io
import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client

from performance.exporting import RESULT_COLUMNS, result_rows
from performance.models import Cycle
from reports import render as render_package
from reports.models import ReportEdition
from reports.services import request_edition, run_edition
from validation.models import Publication
from validation.publication import publish, publish_correction

from .conftest import user

pytestmark = pytest.mark.django_db
FILES = ("relazione.pdf", "documento-di-validazione.pdf", "risultati.csv", "risultati.json")


def publish_now(cycle, callbacks, username="struttura", **kwargs):
    """Publish and run what the request left for after its commit (the render and publishing task)."""
    with callbacks(execute=True):
        result = publish(cycle, acting_user=user(username), **kwargs)
    return result


def download(url: str) -> tuple[bytes, object]:
    response = Client().get(url)
    assert response.status_code == 200, url
    return b"".join(response.streaming_content), response


def stored_hashes(publication: Publication) -> dict[str, str]:
    return {"relazione.pdf": publication.edition.sha256,
            "documento-di-validazione.pdf": publication.decision.document_sha256,
            "risultati.csv": publication.results_csv_sha256, "risultati.json": publication.results_json_sha256}


def base_url(publication: Publication) -> str:
    return f"/trasparenza/{publication.cycle.entity.code}/performance/{publication.cycle.year}/{publication.number}/"


def test_publishing_renders_the_pdfa_from_the_snapshot_and_anyone_downloads_it(
        demo_cycle, validated, real_render, run_tasks, django_capture_on_commit_callbacks):
    result = publish_now(demo_cycle, django_capture_on_commit_callbacks)
    assert result.publication is None and len(run_tasks) == 1  # rendered by the task, published after it
    publication = Publication.objects.get(cycle=demo_cycle)
    assert Cycle.objects.get(pk=demo_cycle.pk).state == Cycle.State.PUBLISHED
    edition = publication.edition
    assert (edition.variant, edition.state, edition.snapshot_id) == ("pdfa", "done", validated.snapshot_id)
    assert publication.number == 1 and publication.decision == validated and publication.supersedes is None
    for name, sha in stored_hashes(publication).items():
        body, response = download(base_url(publication) + name)
        assert hashlib.sha256(body).hexdigest() == sha == response["X-Content-SHA256"]
        assert response["Content-Disposition"].startswith("attachment;")
    body, response = download(base_url(publication) + "relazione.pdf")
    assert response["Content-Type"] == "application/pdf" and body.startswith(b"%PDF")
    assert download(base_url(publication) + "risultati.csv")[1]["Content-Type"].startswith("text/csv")
    assert download(base_url(publication) + "risultati.json")[1]["Content-Type"] == "application/json"


def test_open_data_has_the_columns_of_export_results_plus_the_snapshot_hash(
        demo_cycle, validated, real_render, django_capture_on_commit_callbacks, run_tasks):
    publication = publish_now(demo_cycle, django_capture_on_commit_callbacks) and Publication.objects.get()
    expected = result_rows(demo_cycle)
    sha = validated.snapshot.sha256
    body, _response = download(base_url(publication) + "risultati.csv")
    reader = csv.DictReader(io.StringIO(body.decode("utf-8")))
    assert tuple(reader.fieldnames) == (*RESULT_COLUMNS, "snapshot_sha256")
    assert list(reader) == [{**row, "snapshot_sha256": sha} for row in expected]
    document = json.loads(download(base_url(publication) + "risultati.json")[0])
    assert document["columns"] == list(RESULT_COLUMNS) and document["rows"] == expected
    assert (document["snapshot_sha256"], document["cycle"], document["publication"]) == (sha, 2023, 1)
    assert document["entity"]["code"] == "cciaa-bergamo" and document["published_at"].startswith("20")


def test_a_finished_pdfa_edition_of_the_snapshot_is_reused_and_published_at_once(
        demo_cycle, validated, real_render, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        edition = request_edition(demo_cycle, variant="pdfa", acting_user=user("struttura"))
    run_edition(edition.pk)
    result = publish(demo_cycle, acting_user=user("segretario"))
    assert result.publication is not None and result.publication.edition_id == edition.pk
    assert ReportEdition.objects.filter(cycle=demo_cycle).count() == 1


@pytest.mark.parametrize("username", ["resp.ri", "dirigente", "oiv"])
def test_other_roles_may_not_publish(demo_cycle, validated, username, as_user):
    with pytest.raises(PermissionDenied):
        publish(demo_cycle, acting_user=user(username))
    assert as_user(username).post(f"/cicli/{demo_cycle.pk}/pubblicazione/",
                                  {"azione": "pubblica", "confirm": "1"}).status_code == 403
    assert not Publication.objects.exists() and not ReportEdition.objects.exists()


def test_a_cycle_not_validated_is_not_published(demo_cycle):
    with pytest.raises(ValidationError, match="«Rendicontazione»"):
        publish(demo_cycle, acting_user=user("struttura"))


def test_two_publish_requests_make_one_edition_one_task_and_one_publication(
        demo_cycle, validated, real_render, django_capture_on_commit_callbacks):
    from validation.publication import complete_publication

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        first = publish(demo_cycle, acting_user=user("struttura"))
        second = publish(demo_cycle, acting_user=user("segretario"))
    assert first.edition.pk == second.edition.pk
    sent = []
    import validation.tasks as tasks

    tasks.publish_cycle_task.delay, original = (lambda *a: sent.append(a)), tasks.publish_cycle_task.delay
    try:
        for callback in callbacks:
            callback()
    finally:
        tasks.publish_cycle_task.delay = original
    assert len(sent) == 1  # the second request joined the first one's render and task
    # The task delivered twice (a worker lost after publishing) publishes once.
    one, two = complete_publication(*sent[0]), complete_publication(*sent[0])
    assert one == two and Publication.objects.filter(cycle=demo_cycle).count() == 1
    again = publish(demo_cycle, acting_user=user("segretario"))
    assert again.already and again.publication == one


def test_a_failed_render_publishes_nothing_and_publishing_again_retries(
        demo_cycle, validated, monkeypatch, as_user, run_tasks, django_capture_on_commit_callbacks, _rendered):
    def broken(*args, **kwargs):
        raise RuntimeError("WeasyPrint exploded")

    monkeypatch.setattr(render_package, "render_pdf", broken)
    publish_now(demo_cycle, django_capture_on_commit_callbacks)
    assert not Publication.objects.exists()
    assert Cycle.objects.get(pk=demo_cycle.pk).state == Cycle.State.VALIDATED
    assert Client().get("/trasparenza/cciaa-bergamo/performance/2023/").status_code == 404
    page = as_user("struttura").get(f"/cicli/{demo_cycle.pk}/pubblicazione/").content.decode()
    assert "non è riuscita" in page and "Riprova a pubblicare" in page
    # The real renderer again (its PDF/A is cached per module when another test rendered first).
    monkeypatch.setattr(render_package, "render_pdf", lambda cycle, **kw: _rendered.get("pdfa") or
                        render_package.pipeline.render_pdf(cycle, **kw))
    with django_capture_on_commit_callbacks(execute=True):
        response = as_user("struttura").post(f"/cicli/{demo_cycle.pk}/pubblicazione/",
                                             {"azione": "pubblica", "confirm": "1"})
    assert response.status_code == 302
    assert Publication.objects.get(cycle=demo_cycle).edition.state == "done"
    assert ReportEdition.objects.filter(cycle=demo_cycle, state="failed").count() == 1


def test_a_correction_supersedes_and_both_stay_downloadable_with_their_dates(
        demo_cycle, validated, real_render, run_tasks, django_capture_on_commit_callbacks):
    publish_now(demo_cycle, django_capture_on_commit_callbacks)
    with pytest.raises(ValidationError) as missing:
        publish_correction(demo_cycle, acting_user=user("struttura"), reason="  ")
    assert "reason" in missing.value.message_dict
    with django_capture_on_commit_callbacks(execute=True):
        publish_correction(demo_cycle, acting_user=user("struttura"), reason="Refuso nella tabella 3")
    first, second = Publication.objects.filter(cycle=demo_cycle).order_by("number")
    assert second.supersedes == first and second.correction_reason == "Refuso nella tabella 3"
    assert second.edition.number > first.edition.number
    for publication in (first, second):
        for name, sha in stored_hashes(publication).items():
            assert hashlib.sha256(download(base_url(publication) + name)[0]).hexdigest() == sha
    page = Client().get("/trasparenza/cciaa-bergamo/performance/").content.decode()
    assert "Sostituita dalla pubblicazione n. 2" in page and "Sostituisce la pubblicazione n. 1" in page
    assert "Refuso nella tabella 3" in page and first.published_at.strftime("%d/%m/%Y") in page
    latest = Client().get("/trasparenza/cciaa-bergamo/performance/2023/risultati.csv")
    assert latest.status_code == 302 and latest["Location"].endswith("/2023/2/risultati.csv")


def test_published_rows_cannot_be_edited_or_deleted(
        demo_cycle, validated, real_render, run_tasks, django_capture_on_commit_callbacks):
    publish_now(demo_cycle, django_capture_on_commit_callbacks)
    publication = Publication.objects.get()
    publication.correction_reason = "riscritta"
    with pytest.raises(ValidationError):
        publication.save()
    with pytest.raises(ValidationError):
        publication.delete()
    with pytest.raises(ValidationError):
        Publication.objects.filter(pk=publication.pk).update(correction_reason="riscritta in blocco")
    with pytest.raises(ValidationError):
        Publication.objects.all().delete()
    assert Publication.objects.get().correction_reason == ""


def test_public_pages_show_nothing_of_a_cycle_not_published(demo_cycle, validated):
    anonymous = Client()
    page = anonymous.get("/trasparenza/cciaa-bergamo/performance/")
    assert page.status_code == 200 and "Nessuna Relazione sulla Performance è stata ancora pubblicata" in page.content.decode()
    assert anonymous.get("/trasparenza/cciaa-bergamo/performance/2023/").status_code == 404
    assert anonymous.get("/trasparenza/cciaa-bergamo/performance/2023/1/relazione.pdf").status_code == 404
    assert anonymous.get("/trasparenza/cciaa-bergamo/performance/2023/relazione.pdf").status_code == 404
    assert anonymous.get("/api/v1/publications/").json()["results"] == []
    assert "cciaa-bergamo" not in anonymous.get("/trasparenza/").content.decode()


def test_the_api_gives_the_same_data_as_the_public_files(
        demo_cycle, validated, real_render, run_tasks, django_capture_on_commit_callbacks):
    publish_now(demo_cycle, django_capture_on_commit_callbacks)
    publication = Publication.objects.get()
    anonymous = Client()
    [listed] = anonymous.get("/api/v1/publications/?entity=cciaa-bergamo&year=2023").json()["results"]
    assert (listed["number"], listed["year"], listed["snapshot_sha256"]) == (1, 2023, validated.snapshot.sha256)
    assert {f["name"]: f["sha256"] for f in listed["files"]} == stored_hashes(publication)
    assert all(f["url"].startswith("http://testserver/trasparenza/") for f in listed["files"])
    assert anonymous.get(f"/api/v1/publications/{publication.pk}/").json() == listed
    body, _response = download(base_url(publication) + "risultati.json")
    assert anonymous.get(f"/api/v1/publications/{publication.pk}/results/").json() == json.loads(body)
    assert anonymous.get("/api/v1/publications/?entity=altro").json()["results"] == []


def test_staff_page_asks_for_confirmation_then_publishes(
        demo_cycle, validated, real_render, as_user, run_tasks, django_capture_on_commit_callbacks):
    url = f"/cicli/{demo_cycle.pk}/pubblicazione/"
    for name in ("oiv", "dirigente"):
        page = as_user(name).get(url).content.decode()
        assert "Validata" in page and 'name="azione"' not in page
    client = as_user("struttura")
    page = client.get(url).content.decode()
    assert 'name="azione" value="pubblica"' in page and "csrfmiddlewaretoken" in page
    refused = client.post(url, {"azione": "pubblica"})
    assert refused.status_code == 422 and "Conferma" in refused.content.decode()
    stale = client.post(url, {"azione": "pubblica", "confirm": "1", "snapshot": "999999"})
    assert stale.status_code == 409 and not Publication.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(url, {"azione": "pubblica", "confirm": "1",
                                 "snapshot": str(validated.snapshot_id)}).status_code == 302
    page = client.get(url).content.decode()
    publication = Publication.objects.get()
    assert publication.edition.sha256 in page and "Pubblica una correzione" in page
    assert client.post(url, {"azione": "correggi", "confirm": "1", "reason": ""}).status_code == 422


@pytest.mark.django_db(transaction=True)
def test_two_publish_requests_at_the_same_time_make_one_publication(settings):
    """Two real transactions racing on a cycle of its own (a transactional test empties the database after
    it, so it does not lean on the demo)."""
    import threading

    from django.contrib.auth import get_user_model
    from django.core.files.base import ContentFile
    from django.db import connection

    from organization.models import Entity, Membership, Role
    from validation import publication as service
    from .conftest import validate

    entity = Entity.objects.create(code="ente-gara", name="Ente della gara")
    cycle = Cycle.objects.create(entity=entity, year=2024, state=Cycle.State.REPORTING)
    for name, role in (("struttura", Role.STRUTTURA_TECNICA), ("segretario", Role.SEGRETARIO_GENERALE),
                       ("oiv", Role.OIV)):
        person = get_user_model().objects.get_or_create(username=name)[0]
        Membership.objects.get_or_create(user=person, entity=entity, role=role)
    decision = validate(cycle)
    pdf = b"%PDF-1.7\n% relazione\n%%EOF\n"
    edition = ReportEdition(cycle=cycle, number=1, variant="pdfa", state="done", snapshot=decision.snapshot,
                            sha256=hashlib.sha256(pdf).hexdigest(), size=len(pdf), page_count=1)
    edition.file.save("relazione-gara.pdf", ContentFile(pdf), save=False)
    edition.save()
    barrier, results, errors = threading.Barrier(2), [], []

    def request(username):
        try:
            barrier.wait()
            results.append(service.publish(cycle, acting_user=user(username)))
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=request, args=(name,)) for name in ("struttura", "segretario")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert Publication.objects.filter(cycle=cycle).count() == 1
    assert sorted(r.already for r in results) == [False, True]
    assert {r.publication.pk for r in results} == {Publication.objects.get(cycle=cycle).pk}
