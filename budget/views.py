"""Chapter 1's data for the struttura tecnica: view it by topic, with its checks, and correct it by
downloading the context workbook, fixing it and uploading it back (all or nothing)."""
from __future__ import annotations

import tempfile
from pathlib import Path

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from config.spreadsheets import SpreadsheetRefused, check_archive
from organization.access import roles_for
from organization.models import OrgUnit, Role
from organization.orgchart import org_chart_svg, units_from_queryset
from performance.importer import ImportFailed, ImportIssue
from performance.models import Cycle
from performance.selectors import get_cycle_for_user

from . import chart_data, selectors
from .importer import export_context, import_context

VIEW_ROLES = {Role.STRUTTURA_TECNICA, Role.SEGRETARIO_GENERALE, Role.OIV, Role.ADMIN, Role.DIRIGENTE}
EDIT_ROLES = {Role.STRUTTURA_TECNICA, Role.ADMIN}
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ALLOWED_SUFFIXES = {".xlsx", ".zip"}


def _access(request: HttpRequest, cycle_id: int) -> tuple[Cycle, bool]:
    """The cycle (404 outside the user's entities) and whether the user may correct its context data."""
    cycle = get_cycle_for_user(request.user, cycle_id)
    roles = roles_for(request.user, cycle.entity)
    if not roles & VIEW_ROLES:
        raise PermissionDenied
    return cycle, bool(roles & EDIT_ROLES)


def _page(request: HttpRequest, template: str, cycle: Cycle, can_edit: bool, tab: str, **context) -> HttpResponse:
    return render(request, template, {"cycle": cycle, "can_edit": can_edit, "tab": tab, **context})


@login_required
@require_safe
def overview(request: HttpRequest, cycle_id: int) -> HttpResponse:
    cycle, can_edit = _access(request, cycle_id)
    resources = selectors.resources_for(cycle.entity, cycle.year)
    staff = selectors.staff_for(cycle.entity, cycle.year)
    tables = selectors.context_tables_for(cycle.entity, cycle.year)
    checks = chart_data.all_checks(resources, staff, tables)
    return _page(request, "budget/overview.html", cycle, can_edit, "overview", resources=resources, staff=staff,
                 tables=tables, checks=checks, organs=selectors.organs_for(cycle.entity, cycle.year),
                 max_upload_mb=_max_upload_mb())


@login_required
@require_safe
def resources(request: HttpRequest, cycle_id: int) -> HttpResponse:
    cycle, can_edit = _access(request, cycle_id)
    data = selectors.resources_for(cycle.entity, cycle.year)
    entity_chart = chart_data.budget_chart(data.entity_budget) if data.entity_budget else None
    agencies = [(agency, chart_data.budget_chart(agency)) for agency in data.agencies]
    return _page(request, "budget/resources.html", cycle, can_edit, "resources", data=data,
                 entity_chart=entity_chart, agencies=agencies)


@login_required
@require_safe
def staff(request: HttpRequest, cycle_id: int) -> HttpResponse:
    cycle, can_edit = _access(request, cycle_id)
    data = selectors.staff_for(cycle.entity, cycle.year)
    chart = chart_data.staff_chart(data.table) if data.table else None
    return _page(request, "budget/staff.html", cycle, can_edit, "staff", data=data, chart=chart)


@login_required
@require_safe
def economy(request: HttpRequest, cycle_id: int) -> HttpResponse:
    cycle, can_edit = _access(request, cycle_id)
    return _page(request, "budget/economy.html", cycle, can_edit, "economy",
                 tables=selectors.context_tables_for(cycle.entity, cycle.year))


@login_required
@require_safe
def organs(request: HttpRequest, cycle_id: int) -> HttpResponse:
    cycle, can_edit = _access(request, cycle_id)
    units = units_from_queryset(OrgUnit.objects.filter(entity=cycle.entity))
    chart = org_chart_svg(units, title=_("Organigramma – %(entity)s") % {"entity": cycle.entity.name}) if units else None
    return _page(request, "budget/organs.html", cycle, can_edit, "organs",
                 organs=selectors.organs_for(cycle.entity, cycle.year), chart=chart)


def _max_upload_mb() -> int:
    from django.conf import settings

    return max(1, settings.MAX_UPLOAD_BYTES // (1024 * 1024))


def _check_archive(path: Path, name: str) -> None:
    """The reader checks the file too (config/spreadsheets.py); here first, to name the file as uploaded."""
    try:
        check_archive(path)
    except SpreadsheetRefused as exc:
        raise ImportFailed([ImportIssue(name, None, "", str(exc))]) from exc


@login_required
@require_http_methods(["GET", "POST"])
def workbook(request: HttpRequest, cycle_id: int) -> HttpResponse:
    """GET: the year's context data as .xlsx. POST (field `file`): the corrected workbook, all or nothing."""
    from django.conf import settings

    cycle, can_edit = _access(request, cycle_id)
    if request.method == "GET":
        response = HttpResponse(export_context(cycle.entity, cycle.year), content_type=XLSX_TYPE)
        response["Content-Disposition"] = content_disposition_header(True, f"contesto-{cycle.year}.xlsx")
        response["Cache-Control"] = "private, no-store"
        return response
    if not can_edit:
        raise PermissionDenied
    back = reverse("budget:overview", args=[cycle.pk])
    upload = request.FILES.get("file")
    problems: list[ImportIssue] = []
    if cycle.is_frozen:
        problems.append(ImportIssue("", None, "", _(
            "Il ciclo %(year)s è in validazione o chiuso: i dati di contesto non si possono più modificare.")
            % {"year": cycle.year}))
    elif upload is None:
        problems.append(ImportIssue("", None, "", _("Scegliere il file da caricare (.xlsx o .zip di file CSV).")))
    elif Path(upload.name).suffix.lower() not in ALLOWED_SUFFIXES:
        problems.append(ImportIssue(upload.name, None, "", _(
            "Formato non ammesso: caricare una cartella di lavoro .xlsx o un .zip di file CSV, uno per foglio.")))
    elif upload.size > settings.MAX_UPLOAD_BYTES:
        problems.append(ImportIssue(upload.name, None, "", _(
            "Il file supera la dimensione massima di %(mb)d MB.") % {"mb": _max_upload_mb()}))
    if not problems:
        suffix = Path(upload.name).suffix.lower()
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / f"contesto{suffix}"
            with path.open("wb") as out:
                for chunk in upload.chunks():
                    out.write(chunk)
            try:
                _check_archive(path, upload.name)
                report = import_context(path, year=cycle.year, entity=cycle.entity)
            except ImportFailed as exc:
                problems = exc.issues
    if problems:
        return render(request, "budget/workbook_errors.html",
                      {"cycle": cycle, "problems": problems, "back": back, "tab": "overview", "can_edit": can_edit},
                      status=403 if cycle.is_frozen else 422)
    messages.success(request, _("Dati di contesto %(year)s caricati: %(summary)s.") % {
        "year": cycle.year, "summary": report.summary()})
    return redirect(back)
