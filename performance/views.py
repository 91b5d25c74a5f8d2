"""Pages of the plan and its results: home, indicator explain and overrides, data quality."""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from organization.access import entities_for, has_role
from organization.models import Role

from . import services
from .dashboard import board
from .figures import indicator_figure
from .forms import OverrideDecisionForm, OverrideRequestForm
from .models import Cycle, Indicator, Level, Override
from .quality import findings_for
from .selectors import get_cycle_for_user, get_indicator_for_user

QUALITY_ROLES = (Role.STRUTTURA_TECNICA, Role.SEGRETARIO_GENERALE, Role.OIV, Role.ADMIN)


@login_required
def home(request: HttpRequest) -> HttpResponse:
    cycles = Cycle.objects.filter(entity__in=entities_for(request.user)).select_related("entity").order_by("-year")
    boards = [board(cycle, request.user) for cycle in cycles]
    return render(request, "performance/home.html", {"boards": boards})


@login_required
def indicator_detail(request: HttpRequest, cycle_id: int, code: str) -> HttpResponse:
    cycle = get_cycle_for_user(request.user, cycle_id)
    indicator = get_indicator_for_user(request.user, cycle, code)
    figure = indicator_figure(indicator)
    can_request = has_role(request.user, cycle.entity, *services.REQUESTER_ROLES) and not cycle.is_frozen
    can_decide = has_role(request.user, cycle.entity, *services.APPROVER_ROLES) and not cycle.is_frozen
    return render(request, "performance/indicator.html", {
        "cycle": cycle, "indicator": indicator, "figure": figure, "can_request": can_request,
        "can_decide": can_decide, "request_form": OverrideRequestForm(),
    })


@login_required
@require_POST
def override_request(request: HttpRequest, cycle_id: int, code: str) -> HttpResponse:
    cycle = get_cycle_for_user(request.user, cycle_id)
    indicator = get_indicator_for_user(request.user, cycle, code)
    form = OverrideRequestForm(request.POST)
    if form.is_valid():
        try:
            services.request_override(indicator, form.cleaned_data["value"], form.cleaned_data["justification"],
                                      acting_user=request.user)
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("Richiesta di rettifica registrata: attende l'approvazione."))
    else:
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields else field
            for error in errors:
                messages.error(request, f"{label}: {error}")
    return redirect("performance:indicator", cycle_id=cycle.pk, code=indicator.code)


@login_required
@require_POST
def override_decide(request: HttpRequest, cycle_id: int, override_id: int) -> HttpResponse:
    cycle = get_cycle_for_user(request.user, cycle_id)
    override = get_object_or_404(Override, cycle=cycle, pk=override_id, level=Level.INDICATOR)
    indicator = get_object_or_404(Indicator, cycle=cycle, pk=override.object_id)
    form = OverrideDecisionForm(request.POST)
    if not form.is_valid():
        raise PermissionDenied
    try:
        services.decide_override(override, approve=form.cleaned_data["decision"] == "approve",
                                 note=form.cleaned_data["note"], acting_user=request.user)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Decisione registrata."))
    return redirect("performance:indicator", cycle_id=cycle.pk, code=indicator.code)


@login_required
def quality(request: HttpRequest, cycle_id: int) -> HttpResponse:
    cycle = get_cycle_for_user(request.user, cycle_id)
    if not has_role(request.user, cycle.entity, *QUALITY_ROLES):
        raise PermissionDenied
    rows = findings_for(cycle)
    return render(request, "performance/quality.html", {
        "cycle": cycle, "rows": rows,
        "errors": sum(1 for r in rows if r.severity == "error"),
        "warnings": sum(1 for r in rows if r.severity != "error"),
    })
