"""The scorecard as an Excel file: download it, fill it offline, upload it back (see scorecard_excel)."""
from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from . import services
from .models import Period, Scorecard
from .scorecard_excel import ImportProblem, ScorecardImportError, export_scorecard, import_scorecard
from .selectors import current_period, get_scorecard_for_user

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@login_required
@require_http_methods(["GET", "POST"])
def scorecard_excel(request: HttpRequest, cycle_id: int, code: str) -> HttpResponse:
    """GET: the scorecard for the period as .xlsx, to anyone who may see it. POST (field `file`): the filled
    file back, to those who may edit it while the period is open; all or nothing."""
    access = get_scorecard_for_user(request.user, cycle_id, code)  # 404 when out of the user's reach
    scorecard = access.scorecard
    period = current_period(scorecard.cycle, request.GET.get("periodo") or None)
    if period is None:
        raise Http404
    if request.method == "GET":
        response = HttpResponse(export_scorecard(scorecard, period), content_type=XLSX_TYPE)
        response["Content-Disposition"] = content_disposition_header(
            True, f"scheda-{scorecard.code}-{period.code}.xlsx")
        response["Cache-Control"] = "private, no-store"
        return response
    if not access.can_edit:
        raise PermissionDenied
    back = reverse("performance:scorecard", args=[scorecard.cycle_id, scorecard.code]) + "?" + urlencode(
        {"periodo": period.code})
    try:
        upload = request.FILES.get("file")
        if upload is None:
            raise ScorecardImportError([ImportProblem(None, "", _("Scegliere il file .xlsx da caricare."))])
        result = import_scorecard(scorecard, period, upload, acting_user=request.user, scope=access.scope)
    except services.EntryLocked as exc:
        return _errors(request, scorecard, period, back, [ImportProblem(None, "", exc.messages[0])], status=403)
    except ScorecardImportError as exc:
        return _errors(request, scorecard, period, back, exc.errors, status=422)
    messages.success(request, ngettext("Caricato %(n)d valore (%(m)d invariati).",
                                       "Caricati %(n)d valori (%(m)d invariati).", result.changed)
                     % {"n": result.changed, "m": result.unchanged})
    return redirect(back)


def _errors(request: HttpRequest, scorecard: Scorecard, period: Period, back: str, errors: list[ImportProblem],
            *, status: int) -> HttpResponse:
    return render(request, "performance/excel_errors.html",
                  {"scorecard": scorecard, "period": period, "errors": errors, "back_url": back,
                   "refused": status == 403}, status=status)
