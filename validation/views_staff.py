"""The cycle's publication page for the staff: the OIV's decision, the PDF/A render, the publications with
their hashes, and the forms to publish and to correct (POST with a confirmation: works without JavaScript).
The struttura tecnica, the segretario generale and the admin act; the OIV and dirigenti read."""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from organization.access import roles_for
from performance.models import Cycle
from performance.parsing import parse_id
from performance.snapshot import current_snapshot
from performance.selectors import get_cycle_for_user
from reports.models import ReportEdition

from . import publication as service
from .models import Publication

ACTIONS = ("pubblica", "correggi")


def _page(request: HttpRequest, cycle: Cycle, can_publish: bool, *, status: int = 200, errors: dict | None = None,
          posted: dict | None = None) -> HttpResponse:
    snapshot = current_snapshot(cycle, with_data=False)
    decision = service.positive_decision(cycle, snapshot)
    publications = list(Publication.objects.filter(cycle=cycle).select_related("edition", "published_by")
                        .order_by("-number"))
    # The PDF/A editions of the snapshot in force: the one rendering (progress) or the last that failed.
    editions = list(ReportEdition.objects.filter(cycle=cycle, snapshot=snapshot, variant=service.VARIANT,
                                                 layout=service.LAYOUT).order_by("-number")[:1]) if snapshot else []
    last = editions[0] if editions else None
    published_ids = {p.edition_id for p in publications}
    return render(request, "validation/publication.html", {
        "cycle": cycle, "snapshot": snapshot, "decision": decision, "publications": publications,
        "edition": last if last and last.pk not in published_ids else None,
        "publishing": bool(last and last.in_flight and service.publishing(last)),
        "can_publish": can_publish and cycle.state == Cycle.State.VALIDATED and decision is not None,
        "can_correct": can_publish and cycle.state == Cycle.State.PUBLISHED,
        "errors": errors or {}, "posted": posted or {},
    }, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def publication_page(request: HttpRequest, cycle_id: int) -> HttpResponse:
    cycle = get_cycle_for_user(request.user, cycle_id)
    roles = roles_for(request.user, cycle.entity)
    if not roles & service.READ_ROLES:
        raise PermissionDenied
    can_publish = bool(roles & service.PUBLISH_ROLES)
    if request.method == "GET":
        return _page(request, cycle, can_publish)
    if not can_publish:
        raise PermissionDenied
    action = request.POST.get("azione", "")
    posted = {"azione": action, "reason": request.POST.get("reason", "")}
    if action not in ACTIONS or request.POST.get("confirm") != "1":
        return _page(request, cycle, can_publish, status=422, posted=posted, errors={"confirm": [
            _("Conferma: spuntare la casella per confermare la pubblicazione.")]})
    try:
        if action == "pubblica":
            raw = request.POST.get("snapshot", "")
            result = service.publish(cycle, acting_user=request.user,
                                     expected_snapshot_id=parse_id(raw))
        else:
            result = service.publish_correction(cycle, acting_user=request.user, reason=posted["reason"])
    except ValidationError as exc:
        errors = exc.message_dict if hasattr(exc, "error_dict") else {"page": exc.messages}
        status = 409 if isinstance(exc, service.PublicationConflict) else 422
        return _page(request, Cycle.objects.select_related("entity").get(pk=cycle.pk), can_publish, status=status,
                     posted=posted, errors=errors)
    if result.publication is None:
        messages.info(request, _("Composizione della Relazione PDF/A in corso: la pubblicazione si completa da sola "
                                 "quando è pronta. Si può lasciare la pagina."))
    elif result.already:
        messages.info(request, _("Il ciclo era già stato pubblicato (pubblicazione n. %(n)d).")
                      % {"n": result.publication.number})
    else:
        messages.success(request, _("Pubblicazione n. %(n)d completata: è visibile nella pagina pubblica.")
                         % {"n": result.publication.number})
    return redirect("validation:publication", cycle_id=cycle.pk)
