"""Write paths of the OIV's review: comments and requests, answers to them, and the decision.

Each operation runs in one transaction that holds the cycle row locked, checks the acting user's role on
the cycle's entity inside it and raises PermissionDenied (wrong role), DecisionConflict (the page was
shown for a state or snapshot that is no longer current) or ValidationError naming the field.

The decision is the OIV's act: it records the pre-validation checks as they are at that moment, moves
the cycle (validated, or back to reporting with the requests) through workflow.transition_cycle and
stores the documento di validazione, all in the same transaction. The document is rendered there and
then, not in a task: it is two or three pages (a few tenths of a second in WeasyPrint), and a decision
stored without its document would be a validation nobody can show. If the render fails, nothing is
recorded and the OIV gets the error and can decide again.
"""
from __future__ import annotations

import hashlib

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from organization.access import roles_for
from organization.roles import is_independent_oiv
from organization.models import Membership, Role
from performance.models import Cycle, Indicator
from performance.snapshot import current_snapshot
from performance.workflow import STAFF_ROLES, transition_cycle
from reports.models import ReportEdition

from .checks import Check, checks_for
from .models import ReviewComment, ValidationDecision

S = Cycle.State
Outcome = ValidationDecision.Outcome


class DecisionConflict(ValidationError):
    """The cycle or its snapshot moved on since the page was shown: nothing was done."""


def _lock(cycle: Cycle) -> Cycle:
    return Cycle.objects.select_for_update().select_related("entity").get(pk=cycle.pk)


def require_oiv(user, cycle: Cycle) -> None:
    # roles_for, not has_role: a superuser holds every role for has_role, but the OIV's acts are the OIV's.
    roles = roles_for(user, cycle.entity)
    if Role.OIV not in roles:
        raise PermissionDenied(_("Questa operazione spetta all'OIV."))
    # The OIV judges the staff's work: a member who also holds another role in the entity (or is a superuser,
    # who holds ADMIN in roles_for) would judge their own. organization/roles.py keeps such memberships out;
    # this refuses the act even if one got in past it (a restored backup, a hand-made row).
    if not is_independent_oiv(roles):
        others = ", ".join(sorted(str(dict(Role.choices).get(r, r)) for r in roles - {Role.OIV}))
        raise PermissionDenied(_("Questa operazione spetta a un componente indipendente dell'OIV: l'utente ricopre "
                                 "nell'ente anche il ruolo «%(roles)s» e non può quindi agire come OIV.")
                               % {"roles": others})


def _require_under_validation(cycle: Cycle) -> None:
    if cycle.state != S.UNDER_VALIDATION:
        raise DecisionConflict(_("Il ciclo non è in validazione (stato attuale: «%(state)s»): nulla è stato fatto. "
                                 "Ricaricare la pagina.") % {"state": cycle.get_state_display()})


def section_choices(snapshot) -> list[tuple[str, str]]:
    """The Relazione's sections in the snapshot (camerale layout first), as (key, "number title")."""
    sections = sorted(snapshot.data.get("report", {}).get("sections", []),
                      key=lambda s: (s["layout"] != "seed", s["layout"], s["position"]))
    seen: dict[str, str] = {}
    for s in sections:
        seen.setdefault(s["key"], f"{s['number']} {s['title']}".strip())
    return list(seen.items())


def comment_subject(comment: ReviewComment, section_titles: dict[str, str]) -> str:
    """What a comment is about, in words: "1.5.03.04 Name", a section's title, or the whole Relazione."""
    if comment.indicator_id:
        return f"{comment.indicator.code} {comment.indicator.name}"
    if comment.section_key:
        return section_titles.get(comment.section_key) or comment.section_key
    return _("Relazione nel suo complesso")


def add_comment(cycle: Cycle, *, acting_user, text: str, target: str, indicator: Indicator | None = None,
                section_key: str = "", is_request: bool = False) -> ReviewComment:
    """An OIV comment (or request for correction) on the snapshot under review."""
    text = (text or "").strip()
    with transaction.atomic():
        locked = _lock(cycle)
        require_oiv(acting_user, locked)
        _require_under_validation(locked)
        snapshot = current_snapshot(locked)
        errors: dict[str, str] = {}
        if not text:
            errors["text"] = _("Osservazione: campo obbligatorio.")
        if target not in ReviewComment.Target.values:
            errors["target"] = _("Riferito a: scegliere la Relazione, un indicatore o una sezione.")
        elif target == ReviewComment.Target.INDICATOR and (indicator is None or indicator.cycle_id != locked.pk):
            errors["indicator"] = _("Indicatore: scegliere un indicatore del ciclo.")
        elif target == ReviewComment.Target.SECTION and section_key not in dict(section_choices(snapshot)):
            errors["section_key"] = _("Sezione: scegliere una sezione della Relazione.")
        if errors:
            raise ValidationError(errors)
        return ReviewComment.objects.create(
            cycle=locked, snapshot=snapshot, target=target, text=text, is_request=bool(is_request),
            indicator=indicator if target == ReviewComment.Target.INDICATOR else None,
            section_key=section_key if target == ReviewComment.Target.SECTION else "", author=acting_user)


def last_refusal(cycle: Cycle) -> ValidationDecision | None:
    """The decision that sent the cycle back, while the cycle is in reporting because of it."""
    if cycle.state != S.REPORTING:
        return None
    latest = ValidationDecision.objects.filter(cycle=cycle).order_by("-decided_at", "-pk").first()
    return latest if latest is not None and latest.outcome == Outcome.REFUSED else None


def open_requests(cycle: Cycle) -> list[ReviewComment]:
    """The OIV's requests for correction the struttura tecnica answers before sending the cycle again."""
    refusal = last_refusal(cycle)
    if refusal is None:
        return []
    return list(ReviewComment.objects.filter(snapshot_id=refusal.snapshot_id, is_request=True)
                .select_related("author", "indicator", "responded_by").order_by("created_at", "pk"))


def respond_to_request(comment: ReviewComment, *, acting_user, response: str) -> ReviewComment:
    """The struttura tecnica's answer to a request of the last refusal (can be rewritten until the cycle is
    sent again; then it belongs to the record of that round)."""
    response = (response or "").strip()
    with transaction.atomic():
        cycle = _lock(comment.cycle)
        if not roles_for(acting_user, cycle.entity) & STAFF_ROLES:
            raise PermissionDenied(_("Rispondere alle richieste dell'OIV spetta alla struttura tecnica."))
        locked = ReviewComment.objects.select_for_update().get(pk=comment.pk)
        refusal = last_refusal(cycle)
        if refusal is None or not locked.is_request or locked.snapshot_id != refusal.snapshot_id:
            raise DecisionConflict(_("Questa richiesta non è tra quelle dell'ultima restituzione dell'OIV: "
                                     "nulla è stato fatto."))
        if not response:
            raise ValidationError({"response": _("Risposta: campo obbligatorio.")})
        locked.response, locked.responded_by, locked.responded_at = response, acting_user, timezone.now()
        locked.save(update_fields=["response", "responded_by", "responded_at"])
    return locked


def oiv_members(cycle: Cycle) -> str:
    """The entity's OIV members by full name, one per line: the decision form's default."""
    ids = Membership.objects.filter(entity_id=cycle.entity_id, role=Role.OIV).values("user_id")
    users = get_user_model().objects.filter(pk__in=ids).order_by("last_name", "first_name", "username")
    return "\n".join(u.get_full_name() or u.username for u in users)


def draft_edition(snapshot) -> ReportEdition | None:
    """The latest finished draft of the Relazione rendered from this snapshot."""
    return (ReportEdition.objects.filter(snapshot=snapshot, variant=ReportEdition.Variant.DRAFT,
                                         state=ReportEdition.State.DONE).order_by("-number").first())


def _refusal_note(reasons: str, requests: list[ReviewComment]) -> str:
    if not requests:
        return reasons
    lines = [f"{n}. {r.text}" for n, r in enumerate(requests, 1)]
    return reasons + "\n\n" + _("Richieste di correzione:") + "\n" + "\n".join(lines)


def decide(cycle: Cycle, *, acting_user, outcome: str, reasons: str = "", members: str = "",
           expected_snapshot_id: int | None) -> ValidationDecision:
    """The OIV's decision on the snapshot under review, with its documento di validazione."""
    from .document import render_document

    reasons, members = (reasons or "").strip(), (members or "").strip()
    with transaction.atomic():
        locked = _lock(cycle)
        require_oiv(acting_user, locked)
        _require_under_validation(locked)
        snapshot = current_snapshot(locked)
        if snapshot is None or snapshot.pk != expected_snapshot_id:
            raise DecisionConflict(_("Nel frattempo è stata inviata una nuova istantanea dei dati (n. %(n)s): la "
                                     "decisione deve riferirsi a quella. Nulla è stato fatto; ricaricare la pagina.")
                                   % {"n": snapshot.number if snapshot else "–"})
        errors: dict[str, str] = {}
        if outcome not in Outcome.values:
            errors["outcome"] = _("Esito: scegliere validata, validata con osservazioni o non validata.")
        elif outcome != Outcome.VALIDATED and not reasons:
            errors["reasons"] = _("Motivazione: obbligatoria per una validazione con osservazioni o un rifiuto.")
        if not members:
            errors["members"] = _("Componenti dell'OIV: campo obbligatorio.")
        if errors:
            raise ValidationError(errors)
        checks: list[Check] = checks_for(snapshot)
        comments = list(ReviewComment.objects.filter(snapshot=snapshot).select_related("indicator", "author")
                        .order_by("created_at", "pk"))
        requests = [c for c in comments if c.is_request]
        if outcome == Outcome.REFUSED:
            transition_cycle(locked, S.REPORTING, acting_user=acting_user, note=_refusal_note(reasons, requests),
                             expected_state=S.UNDER_VALIDATION)
        else:
            transition_cycle(locked, S.VALIDATED, acting_user=acting_user, note=reasons,
                             expected_state=S.UNDER_VALIDATION)
        decision = ValidationDecision(
            cycle=locked, snapshot=snapshot, edition=draft_edition(snapshot), outcome=outcome, reasons=reasons,
            checks=[c.as_dict() for c in checks], members=members, decided_by=acting_user, decided_at=timezone.now())
        pdf = render_document(decision, comments=comments, sections=dict(section_choices(snapshot)))
        name = f"documento-validazione-{locked.year}-istantanea-{snapshot.number}.pdf"
        decision.document.save(name, ContentFile(pdf), save=False)
        decision.document_sha256 = hashlib.sha256(pdf).hexdigest()
        try:
            decision.save()
        except BaseException:
            decision.document.delete(save=False)  # no file without its decision
            raise
    cycle.state = locked.state
    return decision
