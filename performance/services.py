"""Write paths of the performance app. Views, the API, importers and tasks call these, nothing else."""
from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from organization.access import Scope, has_role, scope_for
from organization.models import Role

from . import entry, page_cache
from .engine import RuleSet
from .entry import EntryData
from .models import Assignment, Cycle, Indicator, Level, Measurement, Override, Period, Scorecard, Submission
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


# --- Data entry -------------------------------------------------------------------------------------

class EntryLocked(ValidationError):
    """The period is locked, the cycle frozen or the scorecard waits for a decision."""


class EditConflict(Exception):
    """Someone saved this value after the form was opened: nothing was written."""

    def __init__(self, current: Measurement | None):
        super().__init__("conflict")
        self.current = current


ENTRY_STATES = (Cycle.State.MONITORING, Cycle.State.REPORTING)


def check_period_open(period: Period) -> None:
    """Values of this period may change (model layer, API and pages all call this)."""
    cycle = period.cycle
    if cycle.is_frozen:
        raise EntryLocked(_("Il ciclo è congelato per la validazione: i valori non possono più cambiare."))
    if cycle.state not in ENTRY_STATES:
        raise EntryLocked(_("La rilevazione dei valori non è aperta: il ciclo è in stato «%(state)s».")
                          % {"state": cycle.get_state_display()})
    if period.locked:
        raise EntryLocked(_("Il periodo «%(period)s» è bloccato: i valori non possono più cambiare.")
                          % {"period": period.name})


def entry_scorecards(indicator: Indicator, period: Period, scope: Scope) -> list[Scorecard]:
    """The scorecards through which this user may change the indicator's value now (two queries).

    An indicator has one value whatever the scorecards it sits on: once any of them is submitted or
    approved for the period, the value waits for that decision, through every scorecard."""
    cards = [a.scorecard for a in Assignment.objects.filter(indicator=indicator).select_related("scorecard")]
    states = dict(Submission.objects.filter(scorecard__in=cards, period=period).values_list("scorecard_id", "state"))
    open_states = (Submission.State.DRAFT, Submission.State.RETURNED)
    if any(state not in open_states for state in states.values()):
        return []
    return [c for c in cards if scope.can_edit(c.unit_id, c.holder_id)]


def _waiting_scorecards(indicator: Indicator, period: Period) -> list[str]:
    return list(Submission.objects.filter(scorecard__assignments__indicator=indicator, period=period).exclude(
        state__in=(Submission.State.DRAFT, Submission.State.RETURNED)).values_list("scorecard__title", flat=True))


def submit_measurement(indicator: Indicator, period: Period, data: EntryData, *, expected_version: int | None,
                       acting_user, scope: Scope | None = None) -> Measurement:
    """Validate and save one value. expected_version is the version the person saw (None: there was
    none); if the stored one moved on since, EditConflict carries it and nothing is written."""
    cycle = period.cycle
    scope = scope or scope_for(acting_user, cycle.entity)
    if indicator.cycle_id != cycle.pk:
        raise ValidationError(_("L'indicatore non appartiene al ciclo del periodo."))
    check_period_open(period)
    if not entry_scorecards(indicator, period, scope):
        waiting = _waiting_scorecards(indicator, period)
        if waiting and any(scope.can_edit(c.unit_id, c.holder_id) for c in indicator.scorecards.all()):
            raise EntryLocked(_("Il valore è su una scheda inviata per l'approvazione o approvata (%(cards)s): "
                                "si può cambiare solo se la scheda viene restituita.") % {"cards": ", ".join(waiting)})
        raise PermissionDenied
    try:
        fields = entry.clean(indicator.kind, data)
        result = entry.preview(indicator, fields, RuleSet.from_dict(cycle.rules or {}))
        if entry.needs_shortfall_reason(result, fields):
            raise entry.EntryError({"shortfall_reason": _(
                "Il risultato è inferiore al target: indicare la motivazione dello scostamento.")})
    except entry.EntryError as exc:
        raise ValidationError(exc.errors) from exc
    with transaction.atomic():
        current = (Measurement.objects.select_for_update()
                   .filter(indicator=indicator, period=period).first())
        if (current.version if current else None) != expected_version:
            raise EditConflict(current)
        measurement = current or Measurement(indicator=indicator, period=period, version=0)
        if current and _unchanged(current, fields) and data.evidence is None:
            return current
        for name, value in fields.items():
            setattr(measurement, name, value)
        if data.evidence is not None:
            measurement.evidence = data.evidence
        measurement.author = acting_user
        measurement.version += 1
        measurement._history_user = acting_user  # who changed it, in the history record
        measurement._change_reason = fields["note"][:100] or None
        try:
            with transaction.atomic():
                measurement.save()
        except IntegrityError as exc:  # created by someone else in the meantime
            raise EditConflict(Measurement.objects.filter(indicator=indicator, period=period).first()) from exc
        schedule_recompute(cycle.pk)
    return measurement


def _unchanged(current: Measurement, fields: dict) -> bool:
    return all(getattr(current, name) == value for name, value in fields.items())


def _submission(scorecard: Scorecard, period: Period) -> Submission:
    submission, _created = Submission.objects.select_for_update().get_or_create(scorecard=scorecard, period=period)
    return submission


def missing_values(scorecard: Scorecard, period: Period) -> list[str]:
    """Codes of the scorecard's indicators with no value (nor NV) for the period, in page order."""
    have = set(Measurement.objects.filter(period=period, indicator__assignments__scorecard=scorecard)
               .exclude(raw_value="", numerator__isnull=True).values_list("indicator_id", flat=True))
    return [code for pk, code in Assignment.objects.filter(scorecard=scorecard).order_by("position")
            .values_list("indicator_id", "indicator__code") if pk not in have]


def submit_scorecard(scorecard: Scorecard, period: Period, *, acting_user, scope: Scope | None = None) -> Submission:
    """The values are complete: send them to the dirigente."""
    scope = scope or scope_for(acting_user, scorecard.cycle.entity)
    if not scope.can_edit(scorecard.unit_id, scorecard.holder_id):
        raise PermissionDenied
    check_period_open(period)
    missing = missing_values(scorecard, period)
    if missing:
        raise ValidationError(_("Mancano i valori di %(n)d indicatori: %(codes)s.")
                              % {"n": len(missing), "codes": ", ".join(missing[:20])})
    with transaction.atomic():
        submission = _submission(scorecard, period)
        if not submission.is_open:
            raise EntryLocked(_("La scheda è già stata inviata."))
        submission.state = Submission.State.SUBMITTED
        submission.submitted_by, submission.submitted_at = acting_user, timezone.now()
        submission.decided_by = submission.decided_at = None
        submission._history_user = acting_user
        submission.save()
        page_cache.bump(scorecard.cycle_id)
    return submission


def decide_submission(scorecard: Scorecard, period: Period, *, approve: bool, comment: str, acting_user,
                      scope: Scope | None = None) -> Submission:
    """The dirigente approves the values or returns them with a comment saying what to fix."""
    scope = scope or scope_for(acting_user, scorecard.cycle.entity)
    if not scope.can_approve(scorecard.unit_id, scorecard.holder_id):
        raise PermissionDenied
    check_period_open(period)
    comment = (comment or "").strip()
    if not approve and not comment:
        raise ValidationError({"comment": _("Indicare cosa correggere nella scheda restituita.")})
    with transaction.atomic():
        submission = _submission(scorecard, period)
        if submission.state != Submission.State.SUBMITTED:
            raise ValidationError(_("La scheda non è in attesa di approvazione."))
        if submission.submitted_by_id == acting_user.pk and not acting_user.is_superuser:
            raise ValidationError(_("Chi ha inviato la scheda non può approvarla né restituirla."))
        submission.state = Submission.State.APPROVED if approve else Submission.State.RETURNED
        submission.comment = comment
        submission.decided_by, submission.decided_at = acting_user, timezone.now()
        submission._history_user = acting_user
        submission.save()
        page_cache.bump(scorecard.cycle_id)
    return submission


def set_period_lock(period: Period, locked: bool, *, acting_user) -> Period:
    """Lock (or reopen) a period: the struttura tecnica closes the collection after its deadline."""
    cycle = period.cycle
    if not has_role(acting_user, cycle.entity, Role.STRUTTURA_TECNICA, Role.SEGRETARIO_GENERALE, Role.ADMIN):
        raise PermissionDenied
    _check_not_frozen(cycle)
    Period.objects.filter(pk=period.pk).update(locked=locked)
    page_cache.bump(cycle.pk)
    period.locked = locked
    return period
