"""The cycle's states and who moves it from one to the next: the one write path of Cycle.state.

    planning → monitoring → reporting → under_validation → validated → published
                              ↑   ↓             │
                              └───┴── refusal ──┘  (and reporting → monitoring to reopen data entry)

``transition_cycle(cycle, to_state, acting_user=..., note=...)`` locks the cycle row, checks the current
state and the user's role, records a CycleTransition and, when the cycle is sent to the OIV, recomputes
the figures and freezes a numbered CycleSnapshot in the same transaction. From then on the model layer
refuses every change (freeze.py).

The OIV's decisions (validate, refuse) belong to the OIV alone: an administrator (or a superuser) cannot
take them in the OIV's name, because the validation is the independent body's act (D.Lgs. 150/2009,
art. 14) and a precondition for paying bonuses. Publication is made by the publication service, which
calls transition_cycle(cycle, "published", ...) inside its own transaction once the edition is stored.
"""
from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from organization.access import roles_for
from organization.models import Role
from organization.roles import is_independent_oiv

from . import page_cache
from .models import Cycle, CycleTransition, Period
from .snapshot import create_snapshot

S = Cycle.State
STAFF_ROLES = frozenset({Role.STRUTTURA_TECNICA, Role.SEGRETARIO_GENERALE, Role.ADMIN})
OIV_ROLES = frozenset({Role.OIV})
#: Who may open the workflow page (the history carries the OIV's requests: not for service heads).
VIEW_ROLES = STAFF_ROLES | OIV_ROLES | {Role.DIRIGENTE}


@dataclass(frozen=True)
class Transition:
    from_state: str
    to_state: str
    roles: frozenset[str]
    label: str
    #: the note is required (the OIV's requests for a refusal, the reason to reopen data entry)
    note_required: bool = False
    note_label: str = gettext_lazy("Nota")
    #: made on the workflow page; the OIV's decisions and publication have pages (and services) of their own
    on_page: bool = True

    @property
    def forward(self) -> bool:
        """A step along planning → … → published; False for a step back (reopening, a refusal)."""
        return S.values.index(self.to_state) > S.values.index(self.from_state)


TRANSITIONS: dict[tuple[str, str], Transition] = {(t.from_state, t.to_state): t for t in (
    Transition(S.PLANNING, S.MONITORING, STAFF_ROLES, gettext_lazy("Avvia il monitoraggio")),
    Transition(S.MONITORING, S.REPORTING, STAFF_ROLES, gettext_lazy("Avvia la rendicontazione")),
    Transition(S.REPORTING, S.MONITORING, STAFF_ROLES, gettext_lazy("Riapri il monitoraggio"), note_required=True,
               note_label=gettext_lazy("Motivo della riapertura")),
    Transition(S.REPORTING, S.UNDER_VALIDATION, STAFF_ROLES, gettext_lazy("Invia all'OIV per la validazione")),
    # The OIV decides in its workspace (validation.services.decide): a validation always has its decision
    # record and its documento di validazione, so these two are not offered as bare steps on the state page.
    Transition(S.UNDER_VALIDATION, S.REPORTING, OIV_ROLES, gettext_lazy("Non validare: restituisci con richieste"),
               note_required=True, note_label=gettext_lazy("Richieste dell'OIV"), on_page=False),
    Transition(S.UNDER_VALIDATION, S.VALIDATED, OIV_ROLES, gettext_lazy("Valida la Relazione"), on_page=False),
    Transition(S.VALIDATED, S.PUBLISHED, STAFF_ROLES, gettext_lazy("Pubblica"), on_page=False),
)}


class TransitionConflict(ValidationError):
    """The cycle moved on since the page was shown (another person acted first): nothing was done."""


def allowed_transitions(cycle: Cycle, user, *, roles: set[str] | None = None) -> list[Transition]:
    """Transitions this user may make from the cycle's current state, the step forward first: pages offer
    them in this order, the cycle's next step before going back (sorted() is stable: ties keep TRANSITIONS' order)."""
    roles = roles_for(user, cycle.entity) if roles is None else roles
    allowed = [t for (start, _end), t in TRANSITIONS.items() if start == cycle.state and roles & t.roles]
    return sorted(allowed, key=lambda t: not t.forward)


def _late_reason_needed(cycle: Cycle, to_state: str, today: datetime.date) -> bool:
    # The Relazione is due by 30/6: one sent later says why (DFP guidelines).
    return to_state == S.UNDER_VALIDATION and cycle.relazione_due is not None and today > cycle.relazione_due


def transition_cycle(cycle: Cycle, to_state: str, *, acting_user, note: str = "",
                     expected_state: str | None = None) -> CycleTransition:
    """Move the cycle to ``to_state``; the one write path of Cycle.state.

    Raises PermissionDenied (wrong role), TransitionConflict (``expected_state`` given and the cycle is no
    longer in it), ValidationError (no such transition from the current state, or a required note missing,
    as {"note": ...}). Sending to validation recomputes the figures and creates the snapshot; the returned
    record carries it. ``cycle.state`` is updated in place.
    """
    from .recompute import recompute_cycle  # recompute imports the engine; load it only when used

    note = (note or "").strip()
    with transaction.atomic():
        locked = Cycle.objects.select_for_update().select_related("entity").get(pk=cycle.pk)
        current = locked.state
        if expected_state is not None and expected_state != current:
            raise TransitionConflict(_("Il ciclo è passato nel frattempo allo stato «%(state)s»: nulla è stato "
                                       "fatto. Ricaricare la pagina.") % {"state": locked.get_state_display()})
        rule = TRANSITIONS.get((current, to_state))
        if rule is None:
            target = dict(S.choices).get(to_state, to_state)
            raise ValidationError(_("Dallo stato «%(from)s» non si può passare a «%(to)s».")
                                  % {"from": locked.get_state_display(), "to": target})
        roles = roles_for(acting_user, locked.entity)
        if not roles & rule.roles:
            raise PermissionDenied(_("Questo passaggio di stato spetta a: %(roles)s.")
                                   % {"roles": ", ".join(str(Role(r).label) for r in sorted(rule.roles))})
        if rule.roles == OIV_ROLES and not is_independent_oiv(roles):  # the OIV's steps: see organization/roles.py
            raise PermissionDenied(_("Questo passaggio di stato spetta a un componente indipendente dell'OIV, senza "
                                     "altri ruoli nell'ente."))
        if rule.note_required and not note:
            raise ValidationError({"note": _("%(label)s: campo obbligatorio.") % {"label": rule.note_label}})
        if not note and _late_reason_needed(locked, to_state, timezone.localdate()):
            raise ValidationError({"note": _("La Relazione è oltre la scadenza del %(due)s: indicare nella nota il "
                                             "motivo del ritardo.") % {"due": locked.relazione_due.strftime("%d/%m/%Y")}})
        snapshot = None
        if to_state == S.UNDER_VALIDATION:
            # The stored figures must be those of the frozen data: a recompute queued by the last save may
            # not have run yet, and none will run once the cycle is frozen.
            recompute_cycle(locked.pk)
        locked.state = to_state
        locked._in_transition = True
        locked._history_user = acting_user
        locked._change_reason = note[:100] or None
        locked.save(update_fields=["state"])  # computed_at was just written by the recompute
        if to_state == S.UNDER_VALIDATION:
            snapshot = create_snapshot(locked, acting_user=acting_user)
        record = CycleTransition.objects.create(cycle=locked, from_state=current, to_state=to_state, user=acting_user,
                                                at=timezone.now(), note=note, snapshot=snapshot)
        page_cache.bump(locked.pk)  # the scorecard pages show whether values can still change
    cycle.state = to_state
    return record


# --- Calendar ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class CalendarItem:
    label: str
    due: datetime.date | None
    done_on: datetime.date | None
    #: "done", "done_late", "late", "due" or "info" (a date the cycle does not track as done or not)
    status: str

    @property
    def status_label(self) -> str:
        return str(STATUS_LABELS[self.status])


STATUS_LABELS = {"done": gettext_lazy("fatto"), "done_late": gettext_lazy("fatto in ritardo"),
                 "late": gettext_lazy("in ritardo"), "due": gettext_lazy("da fare"),
                 "info": gettext_lazy("promemoria")}


def _item(label: str, due: datetime.date | None, done: bool, done_on: datetime.date | None,
          today: datetime.date) -> CalendarItem:
    if done:
        status = "done_late" if done_on and due and done_on > due else "done"
    else:
        status = "late" if due and today > due else "due"
    return CalendarItem(label, due, done_on, status)


def cycle_calendar(cycle: Cycle, today: datetime.date | None = None) -> list[CalendarItem]:
    """What the cycle has to do by when (PIAO 31/1, values per period, OIV report 30/4, Relazione 30/6),
    with what is done and what is late, in date order (two queries)."""
    today = today or timezone.localdate()
    items = [_item(_("Adozione del PIAO"), cycle.piao_due, cycle.piao_adopted_on is not None, cycle.piao_adopted_on,
                   today)]
    for period in Period.objects.filter(cycle=cycle).order_by("reference_date"):
        if period.deadline:
            items.append(_item(_("Inserimento dei valori – %(period)s") % {"period": period.name}, period.deadline,
                               period.locked or cycle.state not in (S.PLANNING, S.MONITORING, S.REPORTING), None,
                               today))
    items.append(CalendarItem(_("Relazione annuale dell'OIV sul funzionamento del sistema"), cycle.oiv_report_due,
                              None, "info"))
    validated = (CycleTransition.objects.filter(cycle=cycle, to_state=S.VALIDATED).order_by("-at")
                 .values_list("at", flat=True).first())
    done = cycle.state in (S.VALIDATED, S.PUBLISHED)
    items.append(_item(_("Relazione sulla performance adottata e validata dall'OIV"), cycle.relazione_due, done,
                       timezone.localdate(validated) if validated and done else None, today))
    return sorted(items, key=lambda i: (i.due or datetime.date.max))
