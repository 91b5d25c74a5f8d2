"""Write paths of the performance app. Views, the API, importers and tasks call these, nothing else."""
from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from organization.access import has_role
from organization.models import Role

from .models import Indicator, Level, Override
from .tasks import schedule_recompute

#: Who may ask for a computed figure to be replaced, and who may decide.
REQUESTER_ROLES = (Role.STRUTTURA_TECNICA, Role.DIRIGENTE, Role.SEGRETARIO_GENERALE, Role.ADMIN)
APPROVER_ROLES = (Role.SEGRETARIO_GENERALE, Role.ADMIN)


def _check_not_frozen(cycle) -> None:
    if cycle.is_frozen:
        raise ValidationError(_("Il ciclo è congelato per la validazione: nessuna modifica è possibile."))


def request_override(indicator: Indicator, value: Decimal, justification: str, *, acting_user) -> Override:
    cycle = indicator.cycle
    if not has_role(acting_user, cycle.entity, *REQUESTER_ROLES):
        raise PermissionDenied
    _check_not_frozen(cycle)
    justification = (justification or "").strip()
    errors = {}
    if not justification:
        errors["justification"] = _("La motivazione è obbligatoria.")
    if value is None or value < 0 or value > Decimal(cycle.rules.get("cap", 100)):
        errors["value"] = _("Il valore deve essere compreso tra 0 e %(cap)s.") % {"cap": cycle.rules.get("cap", 100)}
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        return Override.objects.create(cycle=cycle, level=Level.INDICATOR, object_id=indicator.pk, value=value,
                                       justification=justification, requested_by=acting_user)


def decide_override(override: Override, *, approve: bool, note: str, acting_user) -> Override:
    """Approve or reject a request. The requester cannot decide their own request."""
    cycle = override.cycle
    if not has_role(acting_user, cycle.entity, *APPROVER_ROLES):
        raise PermissionDenied
    _check_not_frozen(cycle)
    if override.status != Override.Status.REQUESTED:
        raise ValidationError(_("La richiesta è già stata decisa."))
    if override.requested_by_id == acting_user.pk:
        raise ValidationError(_("Chi ha chiesto la rettifica non può approvarla."))
    if not approve and not (note or "").strip():
        raise ValidationError({"decision_note": _("Indicare il motivo del rifiuto.")})
    with transaction.atomic():
        override = Override.objects.select_for_update().get(pk=override.pk)
        if approve:
            # A newer approval replaces the older one, which stays on record as rejected.
            Override.objects.approved().filter(cycle=cycle, level=override.level, object_id=override.object_id).update(
                status=Override.Status.REJECTED, decision_note=_("Sostituita da una rettifica successiva."))
        override.status = Override.Status.APPROVED if approve else Override.Status.REJECTED
        override.decided_by, override.decided_at = acting_user, timezone.now()
        override.decision_note = (note or "").strip()
        override.save()
        if approve:
            schedule_recompute(cycle.pk)
    return override
