"""A stored file the archive no longer holds (lost volume, restore without MEDIA_ROOT): each download
answers 404 with the site's page saying the file is missing and whom to tell, and logs the path as an
error, instead of a 500. One test per kind of stored file: edition, evidence, documento di validazione,
published files."""
from __future__ import annotations

import hashlib
import logging
from html import unescape

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from performance.models import Indicator, Measurement
from reports.models import ReportEdition
from tests.helpers import client_for
from validation.models import Publication

from .conftest import user

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.7\n% prova\n%%EOF\n"
NUMBER = "1.5.03.04"  # an indicator of the RI scorecard


def _edition(cycle, *, variant: str = "draft", snapshot=None) -> ReportEdition:
    edition = ReportEdition(cycle=cycle, number=ReportEdition.objects.filter(cycle=cycle).count() + 1,
                            variant=variant, state=ReportEdition.State.DONE, snapshot=snapshot,
                            sha256=hashlib.sha256(PDF).hexdigest(), page_count=1, size=len(PDF))
    edition.file.save("relazione.pdf", ContentFile(PDF), save=False)
    edition.save()
    return edition


def _lose(field) -> str:
    """Delete the stored file behind a FileField, as a lost archive would; its name stays in the database."""
    assert default_storage.exists(field.name)
    default_storage.delete(field.name)
    return field.name


def assert_missing_file_page(response, caplog, name: str, owner: str) -> str:
    """The page's checks common to every kind; `owner` is the model whose file it is (in the log)."""
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
    html = unescape(response.content.decode())
    assert '<html lang="it">' in html and "it-header-wrapper" in html  # the site's layout
    assert "File non presente nell'archivio" in html and "non si trova nell'archivio dei documenti" in html
    assert response["Cache-Control"] == "no-store"
    records = [r for r in caplog.records if r.name == "config.downloads" and r.levelno == logging.ERROR]
    assert len(records) == 1 and name in records[0].getMessage() and owner in records[0].getMessage()
    return html


def test_a_missing_edition_pdf_answers_the_missing_file_page_to_staff(demo_cycle, caplog):
    edition = _edition(demo_cycle)
    name = _lose(edition.file)
    response = client_for("struttura").get(f"/cicli/{demo_cycle.pk}/relazione/edizioni/{edition.number}/file/")
    html = assert_missing_file_page(response, caplog, name, "reports.ReportEdition")
    assert f"edizione n. {edition.number} della Relazione sulla Performance 2023" in html
    assert "segnalarlo alla struttura tecnica dell'ente" in html and edition.sha256 in html


def test_a_missing_evidence_file_answers_the_missing_file_page(demo_cycle, period, caplog):
    indicator = Indicator.objects.get(cycle=demo_cycle, code=NUMBER)
    seen = Measurement.objects.get(indicator=indicator, period=period)
    client = client_for("resp.ri")
    prefix = f"r{indicator.pk}-"
    saved = client.post(f"/cicli/{demo_cycle.pk}/schede/RI/righe/{NUMBER}/?periodo={period.code}", {
        prefix + "version": str(seen.version), prefix + "value": "6",
        prefix + "evidence": SimpleUploadedFile("verbale.pdf", PDF)}, HTTP_HX_REQUEST="true")
    assert saved.status_code == 200
    name = _lose(Measurement.objects.get(pk=seen.pk).evidence)
    caplog.clear()
    response = client.get(f"/cicli/{demo_cycle.pk}/indicatori/{NUMBER}/evidenza/{period.code}/")
    html = assert_missing_file_page(response, caplog, name, "performance.Measurement")
    assert f"evidenza dell'indicatore {NUMBER}" in html


def test_a_missing_documento_di_validazione_answers_the_missing_file_page(validated, caplog):
    cycle = validated.cycle
    name = _lose(validated.document)
    response = client_for("oiv").get(f"/cicli/{cycle.pk}/validazione/decisioni/{validated.pk}/documento/")
    html = assert_missing_file_page(response, caplog, name, "validation.ValidationDecision")
    assert "documento di validazione del 2023" in html and validated.document_sha256 in html


@pytest.fixture
def publication(validated) -> Publication:
    """A publication of the validated demo cycle, with small stored files (no render: the files are what matters)."""
    cycle = validated.cycle
    edition = _edition(cycle, variant="pdfa", snapshot=validated.snapshot)
    data = {"csv": b"scheda;indicatore\n", "json": b'{"rows": []}'}
    publication = Publication(cycle=cycle, number=1, snapshot=validated.snapshot, decision=validated,
                              edition=edition, published_by=user("struttura"), published_at=timezone.now(),
                              results_csv_sha256=hashlib.sha256(data["csv"]).hexdigest(),
                              results_json_sha256=hashlib.sha256(data["json"]).hexdigest())
    publication.results_csv.save("risultati.csv", ContentFile(data["csv"]), save=False)
    publication.results_json.save("risultati.json", ContentFile(data["json"]), save=False)
    publication.save()
    return publication


@pytest.mark.parametrize(("slug", "field"), [("relazione.pdf", "edition.file"),
                                             ("documento-di-validazione.pdf", "decision.document"),
                                             ("risultati.csv", "results_csv"), ("risultati.json", "results_json")])
def test_a_missing_published_file_answers_the_public_the_missing_file_page(publication, caplog, slug, field):
    owner, attribute = (publication, field) if "." not in field else (
        getattr(publication, field.split(".")[0]), field.split(".")[1])
    url = f"/trasparenza/{publication.cycle.entity.code}/performance/2023/1/{slug}"
    assert Client().get(url).status_code == 200  # before the loss
    caplog.clear()
    name = _lose(getattr(owner, attribute))
    response = Client().get(url)
    html = assert_missing_file_page(response, caplog, name, "validation.Publication")
    # A visitor is told whom to contact: the entity that publishes, with its website.
    assert "Per ottenere il documento contattare Camera di commercio di Bergamo" in html
    assert "https://www.bg.camcom.gov.it" in html and "immutable" not in response["Cache-Control"]


def test_the_api_answers_404_with_its_reason_when_the_published_results_are_missing(publication, caplog):
    name = _lose(publication.results_json)
    response = Client().get(f"/api/v1/publications/{publication.pk}/results/")
    assert response.status_code == 404
    assert "non si trova nell'archivio dei documenti" in response.json()["detail"]
    records = [r for r in caplog.records if r.name == "config.downloads" and r.levelno == logging.ERROR]
    assert len(records) == 1 and name in records[0].getMessage() and "validation.Publication" in records[0].getMessage()
