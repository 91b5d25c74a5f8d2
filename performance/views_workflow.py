"""The cycle's state page: where it stands, its calendar, its history, and the next steps this user may
take (each a POST form with a required confirmation and a note: works without JavaScript)."""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from organization.access import roles_for
from organization.models import Role

from . import workflow
from .models import Cycle, CycleSnapshot, CycleTransition
from .selectors import get_cycle_for_user
from .snapshot import canonical, current_snapshot

SNAPSHOT_ROLES = workflow.STAFF_ROLES | workflow.OIV_ROLES
#: Who opens the OIV workspace (validation.views.VIEW_ROLES).
REVIEW_ROLES = workflow.STAFF_ROLES | workflow.OIV_ROLES


def _access(request: HttpRequest, cycle_id: int, allowed: frozenset[str]) -> tuple[Cycle, set[str]]:
    cycle = get_cycle_for_user(request.user, cycle_id)
    roles = roles_for(request.user, cycle.entity)
    if not roles & allowed:
        raise PermissionDenied
    return cycle, roles


def checks_before_sending(cycle: Cycle) -> list:
    from validation.checks import checks_before_sending as checks  # validation depends on performance: import late

    return checks(cycle)


def open_requests(cycle: Cycle) -> list:
    from validation.services import open_requests as requests  # validation depends on performance: import late

    return requests(cycle)


def _page(request: HttpRequest, cycle: Cycle, roles: set[str], *, status: int = 200, errors: dict | None = None,
          posted: dict | None = None) -> HttpResponse:
    transitions = [t for t in workflow.allowed_transitions(cycle, request.user, roles=roles) if t.on_page]
    history = list(CycleTransition.objects.filter(cycle=cycle).select_related("user", "snapshot")
                   .defer("snapshot__data").order_by("-at", "-pk"))
    snapshot = current_snapshot(cycle, with_data=False)
    sending = any(t.to_state == Cycle.State.UNDER_VALIDATION for t in transitions)
    precheck = checks_before_sending(cycle) if sending else []
    return render(request, "performance/cycle_state.html", {
        "cycle": cycle, "calendar": workflow.cycle_calendar(cycle), "history": history, "transitions": transitions,
        "snapshot": snapshot,
        "can_download": bool(roles & SNAPSHOT_ROLES), "errors": errors or {}, "posted": posted or {},
        "is_oiv": Role.OIV in roles, "can_open_review": bool(roles & REVIEW_ROLES),
        "open_requests": len(open_requests(cycle)) if roles & workflow.STAFF_ROLES else 0,
        "precheck": precheck, "precheck_failed": sum(c.outcome == "failed" for c in precheck),
        "precheck_warnings": sum(c.outcome == "warning" for c in precheck),
    }, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def cycle_state(request: HttpRequest, cycle_id: int) -> HttpResponse:
    cycle, roles = _access(request, cycle_id, workflow.VIEW_ROLES)
    if request.method == "GET":
        return _page(request, cycle, roles)
    to_state = request.POST.get("to_state", "")
    posted = {"to_state": to_state, "note": request.POST.get("note", "")}
    if any(t.to_state == to_state and not t.on_page for t in workflow.allowed_transitions(cycle, request.user,
                                                                                           roles=roles)):
        raise PermissionDenied  # the OIV decides in its workspace, publication has its page: not here
    if not any(t.to_state == to_state for t in workflow.allowed_transitions(cycle, request.user, roles=roles)):
        if any(to_state == t.to_state and cycle.state == t.from_state for t in workflow.TRANSITIONS.values()):
            raise PermissionDenied  # a step that exists, but not for this user's roles
        return _page(request, cycle, roles, status=409, posted=posted, errors={"page": [
            _("Il passaggio richiesto non è possibile dallo stato attuale («%(state)s»).")
            % {"state": cycle.get_state_display()}]})
    if request.POST.get("confirm") != "1":
        return _page(request, cycle, roles, status=422, posted=posted, errors={"confirm": [
            _("Conferma: spuntare la casella per confermare il passaggio di stato.")]})
    try:
        record = workflow.transition_cycle(cycle, to_state, acting_user=request.user, note=posted["note"],
                                           expected_state=request.POST.get("expected_state") or None)
    except workflow.TransitionConflict as exc:
        return _page(request, Cycle.objects.select_related("entity").get(pk=cycle.pk), roles, status=409,
                     posted=posted, errors={"page": exc.messages})
    except ValidationError as exc:
        errors = exc.message_dict if hasattr(exc, "error_dict") else {"page": exc.messages}
        return _page(request, cycle, roles, status=422, posted=posted, errors=errors)
    text = _("Il ciclo %(year)s è ora «%(state)s».") % {"year": cycle.year, "state": record.get_to_state_display()}
    if record.snapshot is not None:
        text += " " + _("Istantanea n. %(n)d dei dati congelata (SHA-256 %(hash)s).") % {
            "n": record.snapshot.number, "hash": record.snapshot.sha256}
    messages.success(request, text)
    return redirect("performance:cycle-state", cycle_id=cycle.pk)


@login_required
@require_safe
def snapshot_file(request: HttpRequest, cycle_id: int, number: int) -> HttpResponse:
    """The snapshot's data as the canonical JSON that was hashed: its SHA-256 is the one the page shows."""
    cycle, _roles = _access(request, cycle_id, SNAPSHOT_ROLES)
    snapshot = CycleSnapshot.objects.filter(cycle=cycle, number=number).first()
    if snapshot is None:
        raise Http404
    response = HttpResponse(canonical(snapshot.data), content_type="application/json")
    response["Content-Disposition"] = content_disposition_header(
        True, f"istantanea-{cycle.year}-{snapshot.number}.json")
    response["Cache-Control"] = "private, no-store"
    return response
