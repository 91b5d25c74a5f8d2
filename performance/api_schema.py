"""The OpenAPI schema documents every status code an operation can answer, with the body it carries.

drf-spectacular documents the success only; a client generated from the schema (or schemathesis) would
then meet 400, 401, 403, 404 and 409 as surprises. Which errors apply follows from how DRF answers:

- 401: any operation, when the credentials are missing or wrong (the token is tried first, so its
  challenge makes it a 401; public operations too, when a bad token is sent);
- 403: writes (a user who may not write, a locked period, a frozen cycle, a missing CSRF token);
- 404: operations with an id in the path, and writes (what they name is missing, or outside the
  user's reach: never a 403 there);
- 400: operations with query parameters (paging, filters, options) and writes;
- 415: writes whose body is not JSON.

Bodies: `{"detail": "…"}` for 401/403/404; for 400, parameter or field name → list of messages (or a
`detail`).
"""
from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import ResolvedComponent

_ERROR_SCHEMA = {
    "type": "object",
    "properties": {"detail": {"type": "string"}},
    "required": ["detail"],
}
_VALIDATION_ERROR_SCHEMA = {
    "type": "object",
    "description": "parametro o campo → messaggi; `detail` o `non_field_errors` per gli errori generali",
    "additionalProperties": {
        "oneOf": [{"type": "array", "items": {"type": "string"}}, {"type": "string"}],
    },
}
_DESCRIPTIONS = {
    400: _("parametri o dati non validi: il corpo nomina il parametro o il campo"),
    401: _("credenziali mancanti o non valide"),
    403: _("operazione non consentita"),
    404: _("non trovato, o fuori dalla portata dell'utente"),
    415: _("corpo in un formato non accettato (le scritture sono in JSON)"),
}


class MisuraAutoSchema(AutoSchema):
    # get_operation rather than get_response_serializers: @extend_schema(responses=...) replaces the latter.
    def get_operation(self, *args: Any, **kwargs: Any) -> dict[str, Any] | None:
        operation = super().get_operation(*args, **kwargs)
        if operation is None:
            return None
        filters = getattr(getattr(self.view, "filterset_class", None), "base_filters", {})
        for parameter in operation.get("parameters", []):
            if parameter.get("in") == "query" and parameter.get("name") in filters:
                # django-filter reads an empty value as "no filter" (the browsable API's form sends them)
                parameter["allowEmptyValue"] = True
        responses = operation.setdefault("responses", {})
        for code in self._error_codes(operation):
            responses.setdefault(str(code), self._error_response(code))
        return operation

    def _error_codes(self, operation: dict[str, Any]) -> list[int]:
        codes = [401]
        writes = self.method not in ("GET", "HEAD", "OPTIONS")
        if writes:
            codes.append(403)
        if "{" in self.path or writes:  # a write names what it writes to (cycle, indicator, period)
            codes.append(404)
        if writes or any(p.get("in") == "query" for p in operation.get("parameters", [])):
            codes.append(400)
        if writes:
            codes.append(415)
        return sorted(codes)

    def _error_response(self, code: int) -> dict[str, Any]:
        name, schema = ("ValidationError", _VALIDATION_ERROR_SCHEMA) if code == 400 else ("Error", _ERROR_SCHEMA)
        component = ResolvedComponent(name=name, type=ResolvedComponent.SCHEMA, schema=schema, object=name)
        self.registry.register_on_missing(component)
        return {"description": str(_DESCRIPTIONS[code]),
                "content": {media_type: {"schema": component.ref} for media_type in self.map_renderers("media_type")}}
