"""Stored files served as downloads (editions, evidence, documenti di validazione, published files), and
the page that answers when the database records a file the archive no longer holds.

A missing file is an operations fault (a lost volume, a restore without MEDIA_ROOT), not the visitor's: it
answers 404 rather than 500 so the visitor gets a page that explains it instead of a generic error, and
rather than 410 because it is not permanent: restoring the archive from its backup brings the same file
back, with the SHA-256 the page shows. The error is logged with the path, for whoever restores it.
"""
from __future__ import annotations

import logging

from django.db import models
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import render

logger = logging.getLogger(__name__)


def _storage_path(field: FieldFile) -> str:
    try:
        return field.path
    except NotImplementedError:  # storages without a local path (object storage): the name is the key
        return field.name


def log_missing_file(field: FieldFile, owner: models.Model) -> None:
    logger.error("Stored file missing from the archive: %s (name %r) of %s pk=%s «%s»",
                 _storage_path(field), field.name, owner._meta.label, owner.pk, owner)


def missing_file_response(request: HttpRequest, field: FieldFile, *, owner: models.Model, description: str,
                          sha256: str = "", entity=None) -> HttpResponse:
    """The site's page saying the file is missing from the archive and whom to tell; logs the fault."""
    log_missing_file(field, owner)
    context = {"description": description, "sha256": sha256, "entity": entity}
    if entity is not None:  # the public pages have no user to name the entity in the header
        context["current_entity_name"] = entity.name
    response = render(request, "file_missing.html", context, status=404)
    # Never cached (the published files' URLs are otherwise cached as immutable): once the archive is
    # restored the same URL serves the file again.
    response["Cache-Control"] = "no-store"
    return response


def stored_file_download(request: HttpRequest, field: FieldFile, *, filename: str, owner: models.Model,
                         description: str, content_type: str | None = None, sha256: str = "",
                         entity=None) -> HttpResponse:
    """The file as an attachment (never rendered inline). With ``sha256`` (the one recorded when the file
    was stored) it is sent in ``X-Content-SHA256``: whoever downloads it can check the bytes received are
    the ones stored and published. ``description`` names the file for the missing-file page, e.g.
    "l'edizione n. 3 della Relazione 2023"."""
    try:
        handle = field.open("rb")
    except FileNotFoundError:
        return missing_file_response(request, field, owner=owner, description=description, sha256=sha256,
                                     entity=entity)
    response = FileResponse(handle, as_attachment=True, filename=filename, content_type=content_type)
    if sha256:
        response["X-Content-SHA256"] = sha256
    return response
