"""Read-only pages of the plan. Data entry comes with issue 5."""
from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from organization.access import entities_for

from .models import Assignment, Cycle, Measurement, Scorecard


@login_required
def home(request: HttpRequest) -> HttpResponse:
    cycles = (
        Cycle.objects.filter(entity__in=entities_for(request.user))
        .select_related("entity")
        .prefetch_related("scorecards")
    )
    return render(request, "performance/home.html", {"cycles": cycles})


def get_scorecard_for_user(user, cycle_id: int, code: str) -> Scorecard:
    """The scorecard, or 404 when it does not exist or belongs to an entity the user is not in."""
    scorecard = (
        Scorecard.objects.filter(cycle_id=cycle_id, code=code, cycle__entity__in=entities_for(user))
        .select_related("cycle__entity", "unit")
        .first()
    )
    if scorecard is None:
        raise Http404
    return scorecard


@login_required
def scorecard_detail(request: HttpRequest, cycle_id: int, code: str) -> HttpResponse:
    scorecard = get_scorecard_for_user(request.user, cycle_id, code)
    assignments = list(
        Assignment.objects.filter(scorecard=scorecard)
        .select_related("indicator__operational_objective__strategic_objective__perspective")
        .order_by("position")
    )
    final_values = dict(
        Measurement.objects.filter(period__cycle_id=cycle_id, period__is_final=True,
                                   indicator_id__in=[a.indicator_id for a in assignments])
        .values_list("indicator_id", "raw_value")
    )
    rows = [{"assignment": a, "achieved": final_values.get(a.indicator_id, "")} for a in assignments]
    return render(request, "performance/scorecard.html", {"scorecard": scorecard, "rows": rows})
