"""Query filters of the API's lists (django-filter), typed and bounded so a bad value is a 400, never a 500.

The filters narrow the queryset the view has already scoped to the user, and the ones that name a
scorecard or a unit only ever match scorecards the user may see: a service head asking for another
unit's scorecard gets an empty list, not that unit's rows (and not a 403 that would confirm it exists).
"""
from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import ProhibitNullCharactersValidator
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field

from .parsing import MAX_BIGINT, parse_bounded_int
from .models import Assignment, Cycle, Indicator, Measurement, OperationalObjective, Period, Perspective
from .models import Scorecard, StrategicObjective
from .selectors import scorecard_filter

#: Ids are PostgreSQL bigints: anything past this is not an id (and would overflow the query).
MAX_ID = MAX_BIGINT
#: Cycle.year is a PositiveSmallIntegerField.
MAX_YEAR = 32767


class IdField(forms.Field):
    """A database id in ASCII digits (1 … 2⁶³−1); `str.isdigit()` would let "²" through to int()."""

    maximum = MAX_ID
    message = _("Indicare un id numerico intero da 1 a %(max)d.")

    def to_python(self, value: Any) -> int | None:
        if value in self.empty_values:
            return None
        parsed = parse_bounded_int(str(value), 1, self.maximum)
        if parsed is None:
            raise ValidationError(self.message, code="invalid", params={"max": self.maximum})
        return parsed


class YearField(IdField):
    maximum = MAX_YEAR
    message = _("Indicare un anno (numero intero da 1 a %(max)d).")


class CodeField(forms.CharField):
    """A code as written (unit codes): any text is a fair question, the answer may be nothing.

    Django's CharField refuses NUL characters with a 400; no code contains one, so the filter simply
    finds nothing (see `code_or_none`), which is what the schema (a plain string) promises."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.validators = [v for v in self.validators if not isinstance(v, ProhibitNullCharactersValidator)]


class IdFilter(django_filters.Filter):
    field_class = IdField


class YearFilter(django_filters.Filter):
    field_class = YearField


class CodeFilter(django_filters.Filter):
    field_class = CodeField


def id_filter(field_name: str | None, description: str, **kwargs: Any) -> IdFilter:
    schema = {"type": "integer", "minimum": 1, "maximum": MAX_ID, "description": description}
    return extend_schema_field(schema)(IdFilter(field_name=field_name, **kwargs))


def code_filter(description: str, method: str) -> CodeFilter:
    schema = {"type": "string", "description": description}
    return extend_schema_field(schema)(CodeFilter(method=method))


def code_or_none(value: str) -> str | None:
    """The code to look for, or None when it cannot be one (PostgreSQL refuses NUL in a query: 500)."""
    return None if "\x00" in value else value


class ScopedFilterSet(django_filters.FilterSet):
    """Base: `cycle`, and helpers that keep scorecard and unit filters within what the user sees."""

    cycle = id_filter("cycle_id", _("id del ciclo"))

    def visible_scorecards(self) -> QuerySet[Scorecard]:
        return Scorecard.objects.filter(scorecard_filter(self.request.user))

    def indicators_on(self, scorecards: QuerySet[Scorecard]) -> QuerySet:
        return Assignment.objects.filter(scorecard__in=scorecards).values("indicator_id")


class IndicatorScopedFilterSet(ScopedFilterSet):
    """`scorecard` and `unit` filters of rows that belong to an indicator (`indicator_field`): only the
    indicators of scorecards the user sees, so a filter can narrow the user's scope, never widen it."""

    indicator_field = "pk"

    def _on(self, queryset: QuerySet, scorecards: QuerySet[Scorecard]) -> QuerySet:
        return queryset.filter(**{f"{self.indicator_field}__in": self.indicators_on(scorecards)})

    def by_scorecard(self, queryset: QuerySet, name: str, value: int) -> QuerySet:
        return self._on(queryset, self.visible_scorecards().filter(pk=value))

    def by_unit(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        code = code_or_none(value)
        if code is None:
            return queryset.none()
        return self._on(queryset, self.visible_scorecards().filter(unit__code=code))


class CycleFilter(django_filters.FilterSet):
    year = extend_schema_field({"type": "integer", "minimum": 1, "maximum": MAX_YEAR, "description": _("anno")})(
        YearFilter(field_name="year"))

    class Meta:
        model = Cycle
        fields: list[str] = []


class PerspectiveFilter(ScopedFilterSet):
    class Meta:
        model = Perspective
        fields: list[str] = []


class StrategicObjectiveFilter(ScopedFilterSet):
    perspective = id_filter("perspective_id", _("id della prospettiva"))

    class Meta:
        model = StrategicObjective
        fields: list[str] = []


class OperationalObjectiveFilter(ScopedFilterSet):
    strategic_objective = id_filter("strategic_objective_id", _("id dell'obiettivo strategico"))

    class Meta:
        model = OperationalObjective
        fields: list[str] = []


class IndicatorFilter(IndicatorScopedFilterSet):
    operational_objective = id_filter("operational_objective_id", _("id dell'obiettivo operativo"))
    scorecard = id_filter(None, _("id di una scheda visibile all'utente: i suoi indicatori"), method="by_scorecard")
    unit = code_filter(_("codice di un'unità organizzativa: gli indicatori delle sue schede visibili all'utente"),
                       method="by_unit")

    class Meta:
        model = Indicator
        fields: list[str] = []


class ScorecardFilter(ScopedFilterSet):
    kind = django_filters.ChoiceFilter(choices=Scorecard.Kind.choices)
    unit = code_filter(_("codice dell'unità organizzativa della scheda"), method="by_unit")
    indicator = id_filter(None, _("id di un indicatore: le schede su cui si trova"), method="by_indicator")

    class Meta:
        model = Scorecard
        fields: list[str] = []

    def by_unit(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        code = code_or_none(value)
        return queryset.none() if code is None else queryset.filter(unit__code=code)

    def by_indicator(self, queryset: QuerySet, name: str, value: int) -> QuerySet:
        return queryset.filter(pk__in=Assignment.objects.filter(indicator_id=value).values("scorecard_id"))


class PeriodFilter(ScopedFilterSet):
    class Meta:
        model = Period
        fields: list[str] = []


class MeasurementFilter(IndicatorScopedFilterSet):
    indicator_field = "indicator_id"

    cycle = id_filter("period__cycle_id", _("id del ciclo"))
    period = id_filter("period_id", _("id del periodo"))
    indicator = id_filter("indicator_id", _("id dell'indicatore"))
    scorecard = id_filter(None, _("id di una scheda visibile all'utente: i valori dei suoi indicatori"),
                          method="by_scorecard")
    unit = code_filter(_("codice di un'unità organizzativa: i valori degli indicatori delle sue schede visibili"),
                       method="by_unit")
    updated_since = extend_schema_field({
        "type": "string", "format": "date-time",
        "description": _("solo i valori modificati da questo istante in poi (ISO 8601, es. 2023-07-01T00:00:00+02:00)"),
    })(django_filters.IsoDateTimeFilter(field_name="updated_at", lookup_expr="gte"))

    class Meta:
        model = Measurement
        fields: list[str] = []
