"""Paging of the API's lists: `limit` and `offset` are checked, not trusted.

DRF's LimitOffsetPagination passes any integer to the database (a 22-digit `limit` overflowed
PostgreSQL's bigint: 500) and silently replaces malformed values with the default. Here a malformed or
out-of-range value is a 400 naming the parameter, and the bounds are in the OpenAPI schema, so a client
knows them before it asks.
"""
from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import LimitOffsetPagination

from .parsing import MAX_BIGINT, parse_bounded_int

__all__ = ["BoundedLimitOffsetPagination"]

#: Rows in a page when the client does not say, and the most it may ask for.
DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
#: PostgreSQL's bigint: an offset past the rows gives an empty page and never reaches the database,
#: but a number must still fit where it could.
MAX_OFFSET = MAX_BIGINT


class BoundedLimitOffsetPagination(LimitOffsetPagination):
    default_limit = DEFAULT_LIMIT
    max_limit = MAX_LIMIT

    def get_limit(self, request) -> int:
        raw = request.query_params.get(self.limit_query_param)
        if raw is None:
            return self.default_limit
        value = parse_bounded_int(raw, 1, self.max_limit)
        if value is None:
            raise ValidationError({self.limit_query_param: [
                _("Il parametro «limit» deve essere un numero intero da 1 a %(max)d.") % {"max": self.max_limit}]})
        return value

    def get_offset(self, request) -> int:
        raw = request.query_params.get(self.offset_query_param)
        if raw is None:
            return 0
        value = parse_bounded_int(raw, 0, MAX_OFFSET)
        if value is None:
            raise ValidationError({self.offset_query_param: [
                _("Il parametro «offset» deve essere un numero intero non negativo (al massimo %(max)d).")
                % {"max": MAX_OFFSET}]})
        return value

    def get_schema_operation_parameters(self, view) -> list[dict[str, Any]]:
        return [
            {"name": self.limit_query_param, "required": False, "in": "query",
             "description": _("Righe per pagina (predefinito %(default)d, massimo %(max)d); fuori da 1–%(max)d: 400.")
             % {"default": self.default_limit, "max": self.max_limit},
             "schema": {"type": "integer", "minimum": 1, "maximum": self.max_limit}},
            {"name": self.offset_query_param, "required": False, "in": "query",
             "description": _("Righe da saltare (predefinito 0); negativo o non intero: 400."),
             "schema": {"type": "integer", "minimum": 0, "maximum": MAX_OFFSET}},
        ]
