"""Writing values over the API: the same service, permissions, validation and locking as the page.

POST /api/v1/measurements/ with the indicator and period codes creates or changes the value;
`version` is the version the client read (omit or null when there was none). A stale version gets
409 with the stored value, so the client can show it and nothing is lost.
"""
from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from . import services
from .api_filters import MAX_ID
from .entry import EntryData
from .models import Indicator, Period
from .selectors import get_cycle_for_user, visible_indicator_ids


# The body is JSON: each field takes the JSON type the schema gives it, and nothing DRF would coerce
# (6 for "6", "true" for true, "1" for 1), so a client that sends the wrong type learns it at once.
class JsonText(serializers.CharField):
    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class JsonInteger(serializers.IntegerField):
    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


class JsonBoolean(serializers.BooleanField):
    def to_internal_value(self, data):
        if not isinstance(data, bool):
            self.fail("invalid")
        return data


class MeasurementWriteSerializer(serializers.Serializer):
    cycle = JsonInteger(min_value=1, max_value=MAX_ID, help_text="id del ciclo")
    indicator = JsonText(max_length=40, help_text="codice dell'indicatore")
    period = JsonText(max_length=20, help_text="codice del periodo")
    value = JsonText(required=False, allow_blank=True, default="",
                     help_text="valore come lo si scrive (es. 1.234,5 · 98,77% · 30/06/2025 · SI)")
    numerator = JsonText(required=False, allow_blank=True, default="")
    denominator = JsonText(required=False, allow_blank=True, default="")
    is_nv = JsonBoolean(required=False, default=False)
    nv_reason = JsonText(required=False, allow_blank=True, default="")
    note = JsonText(required=False, allow_blank=True, default="")
    shortfall_reason = JsonText(required=False, allow_blank=True, default="")
    version = JsonInteger(required=False, allow_null=True, default=None, min_value=1,
                          max_value=2**31 - 1,  # PositiveIntegerField
                          help_text="versione letta dal client; vuota se il valore non esisteva")


class WriteMixin:
    """create() for MeasurementViewSet."""

    # The responses (200, 409 with the current value) are declared on MeasurementViewSet, next to the
    # serializer they carry; 400/403/404 are added for every write by api_schema.
    @extend_schema(request=MeasurementWriteSerializer)
    def create(self, request, *args, **kwargs):
        incoming = MeasurementWriteSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        d = incoming.validated_data
        cycle = get_cycle_for_user(request.user, d["cycle"])
        indicators = Indicator.objects.filter(cycle=cycle, code=d["indicator"])
        visible = visible_indicator_ids(request.user)
        if visible is not None:
            indicators = indicators.filter(pk__in=visible)
        indicator = get_object_or_404(indicators)
        period = get_object_or_404(Period.objects.select_related("cycle__entity"), cycle=cycle, code=d["period"])
        data = EntryData(value=d["value"], numerator=d["numerator"], denominator=d["denominator"], is_nv=d["is_nv"],
                         nv_reason=d["nv_reason"], note=d["note"], shortfall_reason=d["shortfall_reason"])
        try:
            measurement = services.submit_measurement(indicator, period, data, expected_version=d["version"],
                                                      acting_user=request.user)
        except services.EditConflict as exc:
            current = self.get_serializer(exc.current).data if exc.current else None
            return Response({"detail": _("Il valore è stato modificato da un'altra persona dopo la lettura: nulla "
                                         "è stato salvato."), "current": current}, status=status.HTTP_409_CONFLICT)
        except services.EntryLocked as exc:
            raise PermissionDenied(exc.messages[0]) from exc
        except DjangoPermissionDenied as exc:
            raise PermissionDenied() from exc
        except DjangoValidationError as exc:
            errors = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
            return Response(errors, status=status.HTTP_400_BAD_REQUEST)
        return Response(self.get_serializer(measurement).data, status=status.HTTP_200_OK)
