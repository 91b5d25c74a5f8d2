"""The OIV workspace (/cicli/<id>/validazione/): review of the frozen snapshot, comments and requests,
the decision with its documento di validazione, and the struttura tecnica's answers after a refusal.

Every form is a plain POST (works without JavaScript); a refused form re-renders the page with the
message on its field (422), a stale one with a conflict (409)."""
from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from config.downloads import stored_file_download
from organization.access import roles_for
from organization.roles import is_independent_oiv
from organization.models import Role
from performance.models import Cycle, Indicator
from performance.parsing import parse_id
from performance.selectors import get_cycle_for_user
from performance.workflow import STAFF_ROLES

from . import services
from .models import ReviewComment, ValidationDecision
from .workspace import workspace_context

#: Who opens the workspace: the OIV works in it, staff read it and answer the requests after a refusal.
VIEW_ROLES = STAFF_ROLES | {Role.OIV}


def _access(request: HttpRequest, cycle_id: int) -> tuple[Cycle, set[str]]:
    cycle = get_cycle_for_user(request.user, cycle_id)
    roles = roles_for(request.user, cycle.entity)
    if not roles & VIEW_ROLES:
        raise PermissionDenied
    return cycle, roles


def _page(request: HttpRequest, cycle: Cycle, roles: set[str], *, status: int = 200, form: str = "",
          errors: dict | None = None, posted: dict | None = None) -> HttpResponse:
    context = workspace_context(cycle, can_review=is_independent_oiv(roles), can_answer=bool(roles & STAFF_ROLES))
    context.update(form=form, errors=errors or {}, posted=posted or {})
    return render(request, "validation/workspace.html", context, status=status)


def _perform(request: HttpRequest, cycle: Cycle, roles: set[str], action: Callable[[], str], *, form: str,
             posted: dict) -> HttpResponse:
    """Run one service call: on success its message and back to the workspace (POST/redirect/GET); refused,
    the page again with the message on its field (422) or, when the page was stale, a conflict (409)."""
    try:
        text = action()
    except ValidationError as exc:
        cycle = Cycle.objects.select_related("entity").get(pk=cycle.pk)  # the state may have moved on
        if isinstance(exc, services.DecisionConflict):
            return _page(request, cycle, roles, status=409, form=form, posted=posted, errors={"page": exc.messages})
        errors = exc.message_dict if hasattr(exc, "error_dict") else {"page": exc.messages}
        return _page(request, cycle, roles, status=422, form=form, posted=posted, errors=errors)
    messages.success(request, text)
    return redirect("validation:workspace", cycle_id=cycle.pk)


@login_required
@require_http_methods(["GET", "HEAD"])
def workspace(request: HttpRequest, cycle_id: int) -> HttpResponse:
    cycle, roles = _access(request, cycle_id)
    return _page(request, cycle, roles)


@login_required
@require_POST
def add_comment(request: HttpRequest, cycle_id: int) -> HttpResponse:
    cycle, roles = _access(request, cycle_id)
    posted = {k: request.POST.get(k, "") for k in ("text", "target", "indicator", "section_key", "is_request")}
    indicator = None
    indicator_id = parse_id(posted["indicator"])  # isdigit() let "²" through to int(): 500
    if indicator_id is not None:
        indicator = Indicator.objects.filter(cycle=cycle, pk=indicator_id).first()

    def action() -> str:
        services.add_comment(cycle, acting_user=request.user, text=posted["text"], target=posted["target"],
                             indicator=indicator, section_key=posted["section_key"],
                             is_request=posted["is_request"] == "1")
        return _("Osservazione registrata.")

    return _perform(request, cycle, roles, action, form="comment", posted=posted)


@login_required
@require_POST
def decide(request: HttpRequest, cycle_id: int) -> HttpResponse:
    cycle, roles = _access(request, cycle_id)
    posted = {k: request.POST.get(k, "") for k in ("outcome", "reasons", "members", "snapshot", "confirm")}
    services.require_oiv(request.user, cycle)  # refused with the reason (403 page) before any form check
    if posted["confirm"] != "1":
        return _page(request, cycle, roles, status=422, form="decision", posted=posted, errors={
            "confirm": [_("Conferma: spuntare la casella per confermare la decisione.")]})
    snapshot_id = parse_id(posted["snapshot"])

    def action() -> str:
        decision = services.decide(cycle, acting_user=request.user, outcome=posted["outcome"],
                                   reasons=posted["reasons"], members=posted["members"],
                                   expected_snapshot_id=snapshot_id)
        return (_("Decisione registrata: %(outcome)s. Il documento di validazione è disponibile.")
                % {"outcome": decision.get_outcome_display()})

    return _perform(request, cycle, roles, action, form="decision", posted=posted)


@login_required
@require_POST
def respond(request: HttpRequest, cycle_id: int, comment_id: int) -> HttpResponse:
    cycle, roles = _access(request, cycle_id)
    comment = get_object_or_404(ReviewComment, cycle=cycle, pk=comment_id)
    posted = {"response": request.POST.get("response", ""), "comment": comment.pk}

    def action() -> str:
        services.respond_to_request(comment, acting_user=request.user, response=posted["response"])
        return _("Risposta registrata.")

    return _perform(request, cycle, roles, action, form="response", posted=posted)


@login_required
@require_safe
def decision_document(request: HttpRequest, cycle_id: int, decision_id: int) -> HttpResponse:
    """The documento di validazione, to anyone with a role on the entity (publication makes the positive
    one public separately)."""
    cycle = get_cycle_for_user(request.user, cycle_id)
    if not roles_for(request.user, cycle.entity):
        raise PermissionDenied
    decision = get_object_or_404(ValidationDecision, cycle=cycle, pk=decision_id)
    if not decision.document:
        raise Http404(_("Il documento di questa decisione non è disponibile."))
    return stored_file_download(
        request, decision.document, sha256=decision.document_sha256, content_type="application/pdf",
        filename=f"Documento-validazione-{cycle.year}-istantanea-{decision.snapshot.number}.pdf",
        owner=decision, entity=cycle.entity,
        description=_("documento di validazione del %(year)s, istantanea n. %(n)s") % {
            "year": cycle.year, "n": decision.snapshot.number})
