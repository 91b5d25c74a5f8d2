"""API of the plan, its results and its values (/api/v1/), scoped to what the user may see."""
from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response

from organization.access import entities_for

from .api_entry import WriteMixin

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
    strategic_objective = serializers.SlugRelatedField(slug_field="code", read_only=True)

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
    unit = serializers.SlugRelatedField(slug_field="code", read_only=True)
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


class _CycleScoped(viewsets.ReadOnlyModelViewSet):
    """Filters to the user's entities, and to ?cycle=<id> when given."""

    cycle_path = "cycle"

    def get_queryset(self):
        qs = self.queryset.filter(**{f"{self.cycle_path}__entity__in": entities_for(self.request.user)})
        cycle = self.request.query_params.get("cycle")
        if cycle and cycle.isdigit():
            qs = qs.filter(**{f"{self.cycle_path}_id": int(cycle)})
        return qs


class CycleViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = CycleSerializer

    def get_queryset(self):
        return Cycle.objects.filter(entity__in=entities_for(self.request.user)).select_related("entity")

    @extend_schema(responses=inline_serializer(
        "ResultRow", {name: serializers.CharField() for name in RESULT_COLUMNS}, many=True))
    @action(detail=True)
    def results(self, request, pk=None):
        """One row per indicator per scorecard, as `export_results`."""
        cycle = get_object_or_404(self.get_queryset(), pk=pk)
        return Response(result_rows(cycle))

    @extend_schema(
        parameters=[OpenApiParameter("level", str, enum=[lvl for lvl in Level.values if lvl != Level.INDICATOR]),
                    OpenApiParameter("object", int, required=False)],
        responses=OpenApiTypes.OBJECT)
    @action(detail=True)
    def explain(self, request, pk=None):
        """How an aggregated figure (objective, perspective, scorecard, entity) is obtained."""
        cycle = get_object_or_404(self.get_queryset(), pk=pk)
        level = request.query_params.get("level", Level.ENTITY)
        raw_object = request.query_params.get("object", str(cycle.pk))
        if level not in Level.values or level == Level.INDICATOR or not raw_object.isdigit():
            raise ValidationError({"level": "livello o oggetto non valido"})
        figure = rollup_figure(cycle, level, int(raw_object))
        if figure is None:
            raise NotFound
        return Response(figure)


class PerspectiveViewSet(_CycleScoped):
    queryset = Perspective.objects.all()
    serializer_class = PerspectiveSerializer


class StrategicObjectiveViewSet(_CycleScoped):
    queryset = StrategicObjective.objects.select_related("perspective")
    serializer_class = StrategicObjectiveSerializer


class OperationalObjectiveViewSet(_CycleScoped):
    queryset = OperationalObjective.objects.select_related("strategic_objective")
    serializer_class = OperationalObjectiveSerializer


class IndicatorViewSet(_CycleScoped):
    queryset = Indicator.objects.select_related("operational_objective", "cycle", "score")
    serializer_class = IndicatorSerializer

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

    def get_queryset(self):
        return super().get_queryset().filter(scorecard_filter(self.request.user))


class PeriodViewSet(_CycleScoped):
    queryset = Period.objects.all()
    serializer_class = PeriodSerializer


class MeasurementViewSet(WriteMixin, _CycleScoped):
    """Values: read them, or POST one (see api_entry) with the version read, 409 when it moved on."""

    queryset = Measurement.objects.select_related("indicator", "period")
    serializer_class = MeasurementSerializer
    cycle_path = "period__cycle"

    def get_queryset(self):
        qs = super().get_queryset()
        visible = visible_indicator_ids(self.request.user)
        return qs if visible is None else qs.filter(indicator_id__in=visible)
