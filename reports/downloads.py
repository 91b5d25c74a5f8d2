"""Stored files (editions, validation documents, published open data) served as downloads."""
from __future__ import annotations

from django.db.models.fields.files import FieldFile
from django.http import FileResponse


def hashed_download(field: FieldFile, *, filename: str, sha256: str,
                    content_type: str = "application/pdf") -> FileResponse:
    """The file as an attachment, with the SHA-256 recorded for it in ``X-Content-SHA256``: whoever
    downloads it can check that the bytes received are the ones stored and published."""
    response = FileResponse(field.open("rb"), as_attachment=True, filename=filename, content_type=content_type)
    response["X-Content-SHA256"] = sha256
    return response
