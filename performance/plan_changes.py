"""In-year changes to the plan: once the cycle is past planning, a change to an objective, an indicator,
a target or a weight needs its date, formal act and reason, and is recorded as a PlanChange (listed in the
Relazione, section "Variazioni intervenute nel corso dell'anno").

The write paths that edit the plan (the plan import, the admin) collect what they change with
``field_changes`` / ``object_added`` / ``object_removed`` and hand the list to ``record_changes`` inside
their transaction: it refuses when an act is needed and missing, so nothing is half-saved.
"""
from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext as _

from .models import Assignment, Cycle, Indicator, OperationalObjective, PlanChange, StrategicObjective

Kind = PlanChange.Kind
#: The fields whose change is a change of the plan (positions, narratives, printed figures are not).
TRACKED: dict[type[models.Model], tuple[str, tuple[str, ...]]] = {
    StrategicObjective: (Kind.STRATEGIC, ("title", "perspective")),
    OperationalObjective: (Kind.OPERATIONAL, ("title", "weight", "strategic_objective", "is_common")),
    Indicator: (Kind.INDICATOR, ("name", "algorithm", "kind", "direction", "unit_of_measure", "target_raw", "weight",
                                 "operational_objective", "is_common")),
    Assignment: (Kind.ASSIGNMENT, ("weight",)),
}


@dataclass(frozen=True)
class ChangeAct:
    """Date, formal act (e.g. "Determinazione n. 12 del 3/5/2023") and reason of an in-year change."""

    changed_on: datetime.date | None
    act: str
    reason: str

    def check(self) -> None:
        errors = {}
        if self.changed_on is None:
            errors["changed_on"] = _("Data della variazione: campo obbligatorio.")
        if not self.act.strip():
            errors["act"] = _("Atto formale: campo obbligatorio (es. «Determinazione n. 12 del 3/5/2023»).")
        if not self.reason.strip():
            errors["reason"] = _("Motivazione: campo obbligatorio.")
        if errors:
            raise ValidationError(errors)


def needs_act(cycle: Cycle) -> bool:
    """Past planning, the plan changes only with a formal act (frozen cycles refuse any change anyway)."""
    return Cycle.objects.filter(pk=cycle.pk).exclude(state=Cycle.State.PLANNING).exists()


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, models.Model):
        return getattr(value, "code", None) or str(value)
    if isinstance(value, bool):
        return _("SI") if value else _("NO")
    return str(value)


def _identity(obj: models.Model) -> tuple[str, str]:
    if isinstance(obj, Assignment):
        return f"{obj.scorecard.code} · {obj.indicator.code}", str(obj.indicator.name)
    return obj.code, str(getattr(obj, "title", None) or getattr(obj, "name", ""))


def field_changes(obj: models.Model, before: dict[str, object]) -> list[PlanChange]:
    """Unsaved PlanChange rows for the tracked fields of obj that differ from ``before`` (name → value)."""
    kind, fields = TRACKED[type(obj)]
    code, label = _identity(obj)
    rows = []
    for name in fields:
        if name in before and _text(before[name]) != _text(getattr(obj, name)):
            verbose = str(type(obj)._meta.get_field(name).verbose_name)
            rows.append(PlanChange(object_kind=kind, object_code=code, object_label=label[:500], field=verbose,
                                   old_value=_text(before[name]), new_value=_text(getattr(obj, name))))
    return rows


def tracked_values(obj: models.Model) -> dict[str, object]:
    return {name: getattr(obj, name) for name in TRACKED[type(obj)][1]}


def object_added(obj: models.Model) -> PlanChange:
    code, label = _identity(obj)
    return PlanChange(object_kind=TRACKED[type(obj)][0], object_code=code, object_label=label[:500],
                      field=_("inserimento"), new_value=label[:500])


def object_removed(obj: models.Model) -> PlanChange:
    code, label = _identity(obj)
    return PlanChange(object_kind=TRACKED[type(obj)][0], object_code=code, object_label=label[:500],
                      field=_("eliminazione"), old_value=label[:500])


def record_changes(cycle: Cycle, changes: list[PlanChange], act: ChangeAct | None, *, acting_user) -> list[PlanChange]:
    """Store the changes with their act; nothing to do in planning or when nothing changed.

    Raises ValidationError naming the missing fields when the cycle is past planning and no act is given.
    """
    if not changes or not needs_act(cycle):
        return []
    if act is None:
        raise ValidationError(_("Il ciclo è oltre la pianificazione: le variazioni del piano (%(n)d) richiedono "
                                "data, atto formale e motivazione.") % {"n": len(changes)})
    act.check()
    for change in changes:
        change.cycle = cycle
        change.changed_on, change.act, change.reason = act.changed_on, act.act.strip(), act.reason.strip()
        change.recorded_by = acting_user
    return PlanChange.objects.bulk_create(changes)
