"""The Relazione's editions: list, request a new one (rendered by a task), follow its progress, download."""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from config.downloads import stored_file_download
from organization.access import roles_for
from performance.models import Cycle
from performance.selectors import get_cycle_for_user

from .models import Layout, ReportEdition
from .services import REQUEST_ROLES, VIEW_ROLES, may_request, request_edition


def _access(request: HttpRequest, cycle_id: int) -> tuple[Cycle, bool]:
    """The cycle (404 outside the user's entities; 403 for roles that do not see the Relazione) and
    whether the user may request an edition."""
    cycle = get_cycle_for_user(request.user, cycle_id)
    roles = roles_for(request.user, cycle.entity)
    if not roles & set(VIEW_ROLES):
        raise PermissionDenied
    # The OIV may ask for drafts of the snapshot under review (may_request): the form is offered to it then.
    return cycle, bool(roles & set(REQUEST_ROLES)) or may_request(request.user, cycle, roles=roles)


def _page(request: HttpRequest, cycle: Cycle, can_request: bool, *, status: int = 200, errors=None) -> HttpResponse:
    editions = list(ReportEdition.objects.filter(cycle=cycle).select_related("requested_by").order_by("-number"))
    return render(request, "reports/pages/editions.html", {
        "cycle": cycle, "editions": editions, "can_request": can_request, "errors": errors or {},
        "variants": ReportEdition.Variant.choices, "layouts": Layout.choices,
        "in_flight": any(e.in_flight for e in editions)}, status=status)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def editions(request: HttpRequest, cycle_id: int) -> HttpResponse:
    cycle, can_request = _access(request, cycle_id)
    if request.method != "POST":
        return _page(request, cycle, can_request)
    if not can_request:
        raise PermissionDenied
    try:
        edition = request_edition(cycle, layout=request.POST.get("layout", Layout.SEED),
                                  variant=request.POST.get("variant", ""), acting_user=request.user)
    except ValidationError as exc:
        return _page(request, cycle, can_request, status=422, errors=exc.message_dict)
    messages.success(request, _("Edizione n. %(number)s richiesta: la composizione prosegue anche se si lascia "
                                "la pagina.") % {"number": edition.number})
    return redirect("reports:editions", cycle_id=cycle.pk)


@login_required
@require_safe
def edition_status(request: HttpRequest, cycle_id: int, number: int) -> HttpResponse:
    """One edition's row, polled by htmx every second while it is in flight."""
    cycle, _can_request = _access(request, cycle_id)
    edition = get_object_or_404(ReportEdition, cycle=cycle, number=number)
    return render(request, "reports/pages/editions_row.html", {"cycle": cycle, "edition": edition})


@login_required
@require_safe
def edition_file(request: HttpRequest, cycle_id: int, number: int) -> HttpResponse:
    cycle, _can_request = _access(request, cycle_id)
    edition = get_object_or_404(ReportEdition, cycle=cycle, number=number)
    if edition.state != ReportEdition.State.DONE or not edition.file:
        raise Http404(_("Il file di questa edizione non è disponibile."))
    filename = f"Relazione-Performance-{cycle.year}-{edition.get_variant_display()}-n{edition.number}.pdf"
    return stored_file_download(
        request, edition.file, filename=filename.replace(" ", "-").replace("/", "-"), sha256=edition.sha256,
        content_type="application/pdf", owner=edition, entity=cycle.entity,
        description=_("edizione n. %(n)s della Relazione sulla Performance %(year)s") % {
            "n": edition.number, "year": cycle.year})
