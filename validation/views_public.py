"""Public pages, no login ("Amministrazione trasparente › Performance", D.Lgs. 33/2013 art. 10 and 20):
the entities that publish, an entity's cycles with every publication, a year's publications, and the
files: the Relazione (PDF/A), the documento di validazione and the results as CSV and JSON.

They read Publication rows and their stored files only: a cycle that is not published has no row, so
nothing of it can show here. Numbered files never change (Cache-Control: immutable); the year's
un-numbered file URLs redirect to the publication in force."""
from __future__ import annotations

from dataclasses import dataclass
from itertools import groupby

from django.db.models import QuerySet
from django.db.models.fields.files import FieldFile
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_safe

from config.downloads import stored_file_download
from organization.models import Entity

from .models import Publication


@dataclass(frozen=True)
class PublicFile:
    """One file of a publication as the public pages offer it."""

    slug: str
    label: str
    content_type: str
    field: FieldFile
    sha256: str

    @property
    def size(self) -> int | None:
        try:
            return self.field.size
        except OSError:
            return None


#: The files of a publication, by the last part of their URL.
FILES = {
    "relazione.pdf": (gettext_lazy("Relazione sulla Performance (PDF/A)"), "application/pdf"),
    "documento-di-validazione.pdf": (gettext_lazy("Documento di validazione dell'OIV (PDF)"), "application/pdf"),
    "risultati.csv": (gettext_lazy("Risultati degli indicatori (CSV, dati aperti)"), "text/csv; charset=utf-8"),
    "risultati.json": (gettext_lazy("Risultati degli indicatori (JSON, dati aperti)"), "application/json"),
}


def files_of(publication: Publication) -> list[PublicFile]:
    stored = {
        "relazione.pdf": (publication.edition.file, publication.edition.sha256),
        "documento-di-validazione.pdf": (publication.decision.document, publication.decision.document_sha256),
        "risultati.csv": (publication.results_csv, publication.results_csv_sha256),
        "risultati.json": (publication.results_json, publication.results_json_sha256),
    }
    return [PublicFile(slug, str(label), content_type, *stored[slug])
            for slug, (label, content_type) in FILES.items()]


def published(entity: Entity | None = None) -> QuerySet[Publication]:
    """Publications with all a public page shows, in one query."""
    qs = (Publication.objects.select_related("cycle__entity", "edition", "decision", "snapshot", "supersedes",
                                             "superseded_by")
          .defer("snapshot__data"))  # the snapshot's hash is shown, its data (megabytes) is not
    return qs.filter(cycle__entity=entity) if entity is not None else qs


def _entity(code: str) -> Entity:
    return get_object_or_404(Entity, code=code)


def _cycles(publications: list[Publication]) -> list[dict]:
    """Publications grouped by year (newest first), each with its files; the first of a year is in force."""
    ordered = sorted(publications, key=lambda p: (-p.cycle.year, -p.number))
    return [{"year": year, "publications": [{"publication": p, "files": files_of(p)} for p in group]}
            for year, group in ((y, list(g)) for y, g in groupby(ordered, key=lambda p: p.cycle.year))]


@require_safe
def public_index(request: HttpRequest) -> HttpResponse:
    entities = Entity.objects.filter(cycles__publications__isnull=False).distinct().order_by("name")
    return render(request, "validation/public_index.html", {"entities": entities})


@require_safe
def public_entity(request: HttpRequest, entity: str) -> HttpResponse:
    found = _entity(entity)
    return render(request, "validation/public_entity.html", {
        "entity": found, "current_entity_name": found.name, "cycles": _cycles(list(published(found)))})


@require_safe
def public_year(request: HttpRequest, entity: str, year: int) -> HttpResponse:
    found = _entity(entity)
    cycles = _cycles(list(published(found).filter(cycle__year=year)))
    if not cycles:
        raise Http404(_("Nessuna pubblicazione per questo anno."))
    return render(request, "validation/public_year.html", {
        "entity": found, "current_entity_name": found.name, "year": year, "cycle": cycles[0]})


@require_safe
def public_file(request: HttpRequest, entity: str, year: int, number: int, filename: str) -> HttpResponse:
    publication = get_object_or_404(published(), cycle__entity__code=entity, cycle__year=year, number=number)
    file = next(f for f in files_of(publication) if f.slug == filename)
    if not file.field:
        raise Http404
    stem, extension = filename.rsplit(".", 1)
    response = stored_file_download(
        request, file.field, filename=f"{stem}-{entity}-{year}-n{number}.{extension}", sha256=file.sha256,
        content_type=file.content_type, owner=publication, entity=publication.cycle.entity,
        description=_("«%(label)s» della pubblicazione n. %(n)s del %(year)s") % {
            "label": file.label, "n": number, "year": year})
    if response.status_code == 200:
        # A published file never changes: a correction is a new number.
        response["Cache-Control"] = "public, max-age=31536000, immutable"
    return response


@require_safe
def public_latest_file(request: HttpRequest, entity: str, year: int, filename: str) -> HttpResponse:
    """The file of the publication in force for the year: a redirect to its numbered, immutable URL."""
    publication = published().filter(cycle__entity__code=entity, cycle__year=year).order_by("-number").first()
    if publication is None:
        raise Http404
    response = redirect("validation:public-file", entity=entity, year=year, number=publication.number, filename=filename)
    response["Cache-Control"] = "no-cache"
    return response
