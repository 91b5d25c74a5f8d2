"""API of the plan, its results and its values (/api/v1/), scoped to what the user may see."""
from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view, inline_serializer
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.generics import get_object_or_404
from rest_framework.parsers import JSONParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from organization.access import entities_for

from . import api_filters as filters
from .api_entry import WriteMixin
from .api_filters import MAX_ID
from .parsing import parse_bounded_int
from .exporting import RESULT_COLUMNS, result_rows
from .figures import indicator_figure, rollup_figure
from .selectors import scorecard_filter, visible_indicator_ids
from .models import (
    Assignment,
    Level,
    Cycle,
    Indicator,
    Measurement,
    OperationalObjective,
    Period,
    Perspective,
    Scorecard,
    StrategicObjective,
)


class CycleSerializer(serializers.ModelSerializer):
    entity = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Cycle
        fields = ["id", "entity", "year", "state", "piao_reference", "piao_adopted_on", "piao_due",
                  "oiv_report_due", "relazione_due"]


class PerspectiveSerializer(serializers.ModelSerializer):
    class Meta:
        model = Perspective
        fields = ["id", "cycle", "code", "name", "position"]


class StrategicObjectiveSerializer(serializers.ModelSerializer):
    perspective = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = StrategicObjective
        fields = ["id", "cycle", "code", "perspective", "title", "narrative", "printed_realization", "position"]


class OperationalObjectiveSerializer(serializers.ModelSerializer):
    # null for objectives outside the strategic tree (the common system objectives)
    strategic_objective = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)

    class Meta:
        model = OperationalObjective
        fields = ["id", "cycle", "code", "strategic_objective", "title", "weight", "is_common", "position"]


class IndicatorSerializer(serializers.ModelSerializer):
    operational_objective = serializers.SlugRelatedField(slug_field="code", read_only=True)
    realization = serializers.DecimalField(max_digits=9, decimal_places=2, read_only=True, allow_null=True)
    result_status = serializers.CharField(read_only=True)
    flags = serializers.CharField(read_only=True)

    class Meta:
        model = Indicator
        fields = ["id", "cycle", "code", "operational_objective", "name", "algorithm", "kind", "direction",
                  "unit_of_measure", "target_raw", "target_number", "target_date", "target_bool", "target_operator",
                  "weight", "source", "is_common", "position", "realization", "result_status", "flags"]


class AssignmentSerializer(serializers.ModelSerializer):
    indicator = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Assignment
        fields = ["indicator", "weight", "printed_realization_raw", "printed_realization", "position", "flags"]


class ScorecardSerializer(serializers.ModelSerializer):
    # null for the entity's strategic scorecard and for individual ones without a unit
    unit = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    assignments = AssignmentSerializer(many=True, read_only=True)

    class Meta:
        model = Scorecard
        fields = ["id", "cycle", "code", "kind", "title", "unit", "holder_name", "position", "assignments"]


class PeriodSerializer(serializers.ModelSerializer):
    class Meta:
        model = Period
        fields = ["id", "cycle", "code", "name", "reference_date", "deadline", "is_final", "locked"]


class MeasurementSerializer(serializers.ModelSerializer):
    indicator = serializers.SlugRelatedField(slug_field="code", read_only=True)
    period = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Measurement
        fields = ["id", "indicator", "period", "raw_value", "value_number", "value_date", "value_bool", "numerator",
                  "denominator", "is_nv", "nv_reason", "note", "updated_at", "version"]


class NotFoundView(APIView):
    """Any other URL under /api/v1/ ending in "/", e.g. an id the router's pattern refuses ("0.5"): a JSON
    404 like the API's own, not Django's HTML page."""

    permission_classes = [AllowAny]
    schema = None

    def http_method_not_allowed(self, request, *args, **kwargs):
        raise NotFound

    get = post = put = patch = delete = head = options = http_method_not_allowed


class ConflictSerializer(serializers.Serializer):
    """409 of a write: the value moved on since the client read it; nothing was saved."""

    detail = serializers.CharField()
    current = MeasurementSerializer(allow_null=True, help_text="il valore attuale, con la sua versione")


class _CycleScoped(viewsets.ReadOnlyModelViewSet):
    """Filters to the user's entities; `filterset_class` narrows further (?cycle=<id> and the rest)."""

    cycle_path = "cycle"

    def get_queryset(self):
        return self.queryset.filter(**{f"{self.cycle_path}__entity__in": entities_for(self.request.user)})


#: The export's columns, all text: an empty string (never null) where there is nothing to say.
RESULT_ROWS = inline_serializer("ResultRow", {name: serializers.CharField() for name in RESULT_COLUMNS}, many=True)
EXPLAIN_LEVELS = [lvl for lvl in Level.values if lvl != Level.INDICATOR]


class CycleViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = CycleSerializer
    filterset_class = filters.CycleFilter

    def get_queryset(self):
        return Cycle.objects.filter(entity__in=entities_for(self.request.user)).select_related("entity")

    def _cycle(self, pk) -> Cycle:
        # rest_framework's get_object_or_404: a non-numeric id is a 404, not a ValueError (500)
        return get_object_or_404(self.get_queryset(), pk=pk)

    @extend_schema(responses=RESULT_ROWS)
    @action(detail=True, pagination_class=None, filter_backends=[])
    def results(self, request, pk=None):
        """One row per indicator per scorecard, as `export_results`, for the scorecards the user may see:
        the whole table in one list (not paged), in the export's order."""
        cycle = self._cycle(pk)
        return Response(result_rows(cycle, scorecards=Scorecard.objects.filter(scorecard_filter(request.user))))

    @extend_schema(
        parameters=[OpenApiParameter("level", str, enum=EXPLAIN_LEVELS, default=Level.ENTITY),
                    OpenApiParameter("object", {"type": "integer", "minimum": 1, "maximum": MAX_ID},
                                     required=False, description="id dell'oggetto (predefinito: il ciclo)")],
        responses=OpenApiTypes.OBJECT)
    @action(detail=True, filter_backends=[])
    def explain(self, request, pk=None):
        """How an aggregated figure (objective, perspective, scorecard, entity) is obtained."""
        cycle = self._cycle(pk)
        level = request.query_params.get("level", Level.ENTITY)
        if level not in EXPLAIN_LEVELS:
            raise ValidationError({"level": [_("Livello non valido: uno tra %(levels)s.")
                                             % {"levels": ", ".join(EXPLAIN_LEVELS)}]})
        raw_object = request.query_params.get("object")
        object_id = cycle.pk if raw_object is None else parse_bounded_int(raw_object, 1, MAX_ID)
        if object_id is None:
            raise ValidationError({"object": [_("Indicare l'id numerico dell'oggetto (intero da 1 a %(max)d).")
                                              % {"max": MAX_ID}]})
        if level == Level.SCORECARD and not Scorecard.objects.filter(
                scorecard_filter(request.user), pk=object_id, cycle=cycle).exists():
            raise NotFound  # a scorecard the user may not open is one that does not exist for them
        figure = rollup_figure(cycle, level, object_id)
        if figure is None:
            raise NotFound
        return Response(figure)


class PerspectiveViewSet(_CycleScoped):
    queryset = Perspective.objects.all()
    serializer_class = PerspectiveSerializer
    filterset_class = filters.PerspectiveFilter


class StrategicObjectiveViewSet(_CycleScoped):
    queryset = StrategicObjective.objects.select_related("perspective")
    serializer_class = StrategicObjectiveSerializer
    filterset_class = filters.StrategicObjectiveFilter


class OperationalObjectiveViewSet(_CycleScoped):
    queryset = OperationalObjective.objects.select_related("strategic_objective")
    serializer_class = OperationalObjectiveSerializer
    filterset_class = filters.OperationalObjectiveFilter


class IndicatorViewSet(_CycleScoped):
    queryset = Indicator.objects.select_related("operational_objective", "cycle", "score")
    serializer_class = IndicatorSerializer
    filterset_class = filters.IndicatorFilter

    def get_queryset(self):
        qs = super().get_queryset()
        visible = visible_indicator_ids(self.request.user)
        return qs if visible is None else qs.filter(pk__in=visible)

    @extend_schema(responses=OpenApiTypes.OBJECT)
    @action(detail=True)
    def explain(self, request, pk=None):
        """How the indicator's realization is obtained: inputs, rule, arithmetic, flags, override."""
        figure = indicator_figure(self.get_object())
        figure.pop("overrides")
        figure["rows"] = [{"scorecard": r["scorecard"].code, "printed": r["printed"], "flags": r["flags"]}
                          for r in figure["rows"]]
        return Response(figure)


class ScorecardViewSet(_CycleScoped):
    queryset = Scorecard.objects.select_related("unit").prefetch_related("assignments__indicator")
    serializer_class = ScorecardSerializer
    filterset_class = filters.ScorecardFilter

    def get_queryset(self):
        return super().get_queryset().filter(scorecard_filter(self.request.user))


class PeriodViewSet(_CycleScoped):
    queryset = Period.objects.all()
    serializer_class = PeriodSerializer
    filterset_class = filters.PeriodFilter


@extend_schema_view(create=extend_schema(responses={
    200: OpenApiResponse(MeasurementSerializer, description="valore salvato"),
    409: OpenApiResponse(ConflictSerializer, description="il valore è cambiato dopo la lettura: nulla è salvato"),
}))
class MeasurementViewSet(WriteMixin, _CycleScoped):
    """Values: read them, or POST one (see api_entry) with the version read, 409 when it moved on."""

    queryset = Measurement.objects.select_related("indicator", "period")
    serializer_class = MeasurementSerializer
    # A write is JSON, as the README shows: a form encoding has no null (`version` of a new value), so
    # schemathesis' "version=null" was refused as if it were bad data. Other bodies get a 415.
    parser_classes = [JSONParser]
    cycle_path = "period__cycle"
    filterset_class = filters.MeasurementFilter

    def get_queryset(self):
        qs = super().get_queryset()
        visible = visible_indicator_ids(self.request.user)
        return qs if visible is None else qs.filter(indicator_id__in=visible)
