"""Public API of the publications (/api/v1/publications/): read-only, no login, published data only.

The same rows and files as the public pages: ``results`` returns the published JSON open data as stored
(so its SHA-256 is the one listed), not a recomputation."""
from __future__ import annotations

import json

from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
import django_filters
from drf_spectacular.utils import extend_schema, extend_schema_field, inline_serializer
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from config.downloads import log_missing_file
from performance.api_filters import MAX_YEAR, CodeFilter, YearFilter, code_or_none

from .models import Publication
from .views_public import files_of, published


class PublicationSerializer(serializers.ModelSerializer):
    entity = serializers.CharField(source="cycle.entity.code", read_only=True)
    entity_name = serializers.CharField(source="cycle.entity.name", read_only=True)
    year = serializers.IntegerField(source="cycle.year", read_only=True)
    snapshot_sha256 = serializers.CharField(source="snapshot.sha256", read_only=True)
    outcome = serializers.CharField(source="decision.outcome", read_only=True)
    supersedes = serializers.IntegerField(source="supersedes.number", read_only=True, allow_null=True, default=None)
    superseded_by = serializers.SerializerMethodField()
    files = serializers.SerializerMethodField()

    class Meta:
        model = Publication
        fields = ["id", "entity", "entity_name", "year", "number", "published_at", "snapshot_sha256", "outcome",
                  "supersedes", "superseded_by", "correction_reason", "files"]

    def get_superseded_by(self, publication: Publication) -> int | None:
        successor = getattr(publication, "superseded_by", None)
        return successor.number if successor else None

    @extend_schema_field(inline_serializer("PublicationFile", {
        "name": serializers.CharField(), "label": serializers.CharField(), "content_type": serializers.CharField(),
        "sha256": serializers.CharField(), "size": serializers.IntegerField(allow_null=True),
        "url": serializers.URLField()}, many=True))
    def get_files(self, publication: Publication) -> list[dict]:
        request = self.context.get("request")
        out = []
        for file in files_of(publication):
            url = reverse("validation:public-file", kwargs={
                "entity": publication.cycle.entity.code, "year": publication.cycle.year,
                "number": publication.number, "filename": file.slug})
            out.append({"name": file.slug, "label": file.label, "content_type": file.content_type,
                        "sha256": file.sha256, "size": file.size,
                        "url": request.build_absolute_uri(url) if request else url})
        return out


class PublicationFilter(django_filters.FilterSet):
    entity = extend_schema_field({"type": "string", "description": "codice dell'ente"})(
        CodeFilter(method="by_entity"))
    year = extend_schema_field({"type": "integer", "minimum": 1, "maximum": MAX_YEAR,
                                "description": "anno del ciclo"})(YearFilter(field_name="cycle__year"))

    class Meta:
        model = Publication
        fields: list[str] = []

    def by_entity(self, queryset, name: str, value: str):
        code = code_or_none(value)
        return queryset.none() if code is None else queryset.filter(cycle__entity__code=code)


class PublicationViewSet(viewsets.ReadOnlyModelViewSet):
    """Published editions of the Relazione sulla Performance, newest first; public."""

    serializer_class = PublicationSerializer
    permission_classes = [AllowAny]
    filterset_class = PublicationFilter

    def get_queryset(self):
        return published().order_by("cycle__entity__code", "-cycle__year", "-number")

    @extend_schema(responses=OpenApiTypes.OBJECT)
    @action(detail=True, filter_backends=[])
    def results(self, request, pk=None):
        """The published open data (JSON): entity, cycle, publication, published_at, snapshot_sha256,
        columns and rows, exactly as the file risultati.json."""
        publication = self.get_object()
        try:
            fh = publication.results_json.open("rb")
        except FileNotFoundError:  # the same fault as the download's (config.downloads): 404, logged
            log_missing_file(publication.results_json, publication)
            raise NotFound(_("Il file dei risultati non si trova nell'archivio dei documenti: contattare "
                             "l'amministrazione che lo ha pubblicato.")) from None
        with fh:
            return Response(json.loads(fh.read().decode("utf-8")))


_router = SimpleRouter()
_router.register("publications", PublicationViewSet, basename="publication")
api_urlpatterns = _router.urls
