"""What a person types for one indicator, checked and turned into Measurement fields.

Shared by the scorecard page, the API and the Excel upload, so the three accept and refuse the same
things with the same messages. No database access here; the write path is services.submit_measurement.
"""
from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

from .engine import IndicatorInput, IndicatorResult, RuleSet, compute_indicator
from .parsing import NumberTooLarge, ValueParseError, ValueShape, format_number, parse_decimal, parse_value

NUMERIC_KINDS = ("number", "percent", "project", "monitoring")

#: Evidence files: extension → the first bytes such a file starts with (None: plain text, any start).
EVIDENCE_TYPES: dict[str, tuple[bytes, ...] | None] = {
    ".pdf": (b"%PDF",),
    ".png": (b"\x89PNG",),
    ".jpg": (b"\xff\xd8\xff",),
    ".jpeg": (b"\xff\xd8\xff",),
    ".xlsx": (b"PK\x03\x04",),
    ".docx": (b"PK\x03\x04",),
    ".odt": (b"PK\x03\x04",),
    ".ods": (b"PK\x03\x04",),
    ".csv": None,
    ".txt": None,
}


@dataclass
class EntryData:
    """One row of the entry form, as typed (strings), whatever the channel."""

    value: str = ""
    numerator: str = ""
    denominator: str = ""
    is_nv: bool = False
    nv_reason: str = ""
    note: str = ""
    shortfall_reason: str = ""
    evidence: UploadedFile | None = None


class EntryError(Exception):
    """Field → message, in Italian; raised before anything is written."""

    def __init__(self, errors: dict[str, str]):
        super().__init__(errors)
        self.errors = errors


def clean(kind: str, data: EntryData) -> dict:
    """The Measurement fields for `data`, or EntryError naming each wrong field."""
    errors: dict[str, str] = {}
    fields = {"raw_value": "", "numerator": None, "denominator": None, "is_nv": False,
              "nv_reason": data.nv_reason.strip(), "note": data.note.strip(),
              "shortfall_reason": data.shortfall_reason.strip()}
    if data.is_nv:
        fields["raw_value"] = "NV"
        if not fields["nv_reason"]:
            errors["nv_reason"] = _("Per un valore NV (non valutabile) la motivazione è obbligatoria.")
    elif kind == "ratio":
        for name, label in (("numerator", _("numeratore")), ("denominator", _("denominatore"))):
            text = getattr(data, name).strip()
            if not text:
                errors[name] = _("Il %(field)s è obbligatorio.") % {"field": label}
                continue
            try:
                fields[name] = parse_decimal(text)
            except NumberTooLarge as exc:
                errors[name] = exc.describe(label)
            except ValueParseError:
                errors[name] = _("Il %(field)s «%(text)s» non è un numero (esempio: 1.234,5).") % {
                    "field": label, "text": text}
        if fields["denominator"] == 0 and "denominator" not in errors:
            errors["denominator"] = _("Il denominatore non può essere zero.")
    else:
        raw, error = _value(kind, data.value.strip())
        fields["raw_value"] = raw
        if error:
            errors["value"] = error
    if data.evidence is not None:
        error = evidence_error(data.evidence)
        if error:
            errors["evidence"] = error
    if errors:
        raise EntryError(errors)
    return fields


def _value(kind: str, text: str) -> tuple[str, str]:
    """(raw value to store, error message or "")."""
    if not text:
        return "", _("Il valore è obbligatorio (oppure segnare il valore come NV).")
    try:
        parsed = parse_value(text)
    except NumberTooLarge as exc:  # the column cannot hold it: PostgreSQL's 500, SQLite's broken pages
        return text, exc.describe(_("valore"))
    except ValueParseError:
        parsed = None
    if kind in NUMERIC_KINDS:
        if parsed is None or parsed.shape not in (ValueShape.NUMBER, ValueShape.PERCENT) or parsed.operator:
            return text, _("«%(text)s» non è un numero (esempio: 1.234,5).") % {"text": text}
        number = parsed.number
        if kind == "project" and not 0 <= number <= 100:
            return text, _("L'avanzamento del progetto va da 0 a 100%.")
        if kind in ("percent", "project"):
            return format_number(number) + "%", ""
        return format_number(number), ""
    if kind == "date":
        if parsed is None or parsed.shape is not ValueShape.DATE:
            return text, _("«%(text)s» non è una data valida (gg/mm/aaaa).") % {"text": text}
        if parsed.date < datetime.date(2000, 1, 1):
            return text, _("La data %(date)s non è plausibile.") % {"date": parsed.date.strftime("%d/%m/%Y")}
        return parsed.date.strftime("%d/%m/%Y"), ""
    if kind == "boolean":
        if parsed is None or parsed.shape is not ValueShape.BOOLEAN:
            return text, _("Scegliere SI oppure NO.")
        return ("SI" if parsed.boolean else "NO"), ""
    return text, _("Tipo di indicatore sconosciuto: %(kind)s.") % {"kind": kind}


def evidence_error(upload: UploadedFile) -> str:
    """Why an evidence file is refused, or "": size first, then extension, then its first bytes."""
    limit = settings.MAX_UPLOAD_BYTES
    if upload.size > limit:
        return _("Il file supera la dimensione massima di %(mb)s MB.") % {"mb": format_number(Decimal(limit) / 2**20, 1)}
    ext = Path(upload.name or "").suffix.lower()
    if ext not in EVIDENCE_TYPES:
        return _("Tipo di file non ammesso. Ammessi: %(types)s.") % {
            "types": ", ".join(sorted(e.lstrip(".").upper() for e in EVIDENCE_TYPES))}
    signatures = EVIDENCE_TYPES[ext]
    upload.seek(0)
    head = upload.read(8)
    upload.seek(0)
    if signatures is None:
        if b"\x00" in head:
            return _("Il file non è un testo come dichiara l'estensione.")
        return ""
    if not any(head.startswith(s) for s in signatures):
        return _("Il contenuto del file non corrisponde all'estensione %(ext)s.") % {"ext": ext}
    return ""


def preview(indicator, fields: dict, rules: RuleSet) -> IndicatorResult:
    """The realization the engine would compute for these (cleaned) fields."""
    return compute_indicator(IndicatorInput.from_raw(
        indicator.kind, indicator.direction, indicator.target_raw, fields["raw_value"],
        numerator=fields["numerator"], denominator=fields["denominator"], nv_reason=fields["nv_reason"],
        shortfall_reason=fields["shortfall_reason"]), rules)


def needs_shortfall_reason(result: IndicatorResult, fields: dict) -> bool:
    """Below target and no reason given: the DFP guidelines ask why a target was missed."""
    return (result.realization is not None and result.realization < 100 and not fields["shortfall_reason"]
            and not fields["is_nv"] and fields["raw_value"] != "NV")
