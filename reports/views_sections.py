"""The Relazione's texts: the list of sections with who is responsible for each, and the editor of one
section's Markdown with a live sanitised preview and the history of its edits.

Who may do what: the struttura tecnica, the segretario generale and the admin edit every section; the
user named responsible for a section edits that one; dirigenti and the OIV read; service heads are
refused (unless responsible for a section). A frozen cycle refuses every change."""
from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.views.decorators.http import (
    require_http_methods,
    require_POST,
    require_safe,
)

from organization.access import roles_for
from organization.models import Role
from performance.models import Cycle, StrategicObjective
from performance.parsing import parse_id
from performance.selectors import get_cycle_for_user

from .markdown import render_markdown
from .models import Layout, ReportSection
from .structure import ensure_sections

READ_ROLES = {Role.DIRIGENTE, Role.OIV}
EDIT_ALL_ROLES = {Role.STRUTTURA_TECNICA, Role.SEGRETARIO_GENERALE, Role.ADMIN}
MAX_NARRATIVE = 100_000  # characters: a long chapter is ~15.000; more is a paste gone wrong
HISTORY_SHOWN = 50


@dataclass(frozen=True)
class Access:
    cycle: Cycle
    user_id: int
    roles: frozenset[str]

    @property
    def reads_all(self) -> bool:
        return bool(self.roles & (READ_ROLES | EDIT_ALL_ROLES))

    @property
    def edits_all(self) -> bool:
        return bool(self.roles & EDIT_ALL_ROLES)

    def can_view(self, section: ReportSection) -> bool:
        return self.reads_all or section.responsible_id == self.user_id

    def can_edit(self, section: ReportSection) -> bool:
        return self.edits_all or section.responsible_id == self.user_id


def _access(request: HttpRequest, cycle_id: int) -> Access:
    """404 outside the user's entities (get_cycle_for_user), else the user's roles in the cycle's entity."""
    cycle = get_cycle_for_user(request.user, cycle_id)
    return Access(cycle, request.user.pk, frozenset(roles_for(request.user, cycle.entity)))


def _layout(request: HttpRequest) -> str:
    layout = request.GET.get("struttura") or request.POST.get("struttura") or Layout.SEED
    if layout not in Layout.values:
        raise Http404
    return layout


def _entity_users(cycle: Cycle):
    """Users who may be made responsible for a text: members of the cycle's entity."""
    return (get_user_model().objects.filter(memberships__entity=cycle.entity, is_active=True).distinct()
            .order_by("last_name", "first_name", "username"))


def _last_edits(cycle: Cycle, layout: str) -> dict[int, ReportSection.history.model]:
    """Each section's latest edit made by a person (loads and automatic changes have no user): one query.

    A correlated subquery rather than PostgreSQL's DISTINCT ON: the demo runs on SQLite, which has none.
    history_id breaks ties between records saved in the same instant."""
    history = ReportSection.history
    latest = (history.filter(id=OuterRef("id"), history_user__isnull=False)
              .order_by("-history_date", "-history_id").values("history_id")[:1])
    records = (history.filter(cycle_id=cycle.pk, layout=layout, history_user__isnull=False,
                              history_id=Subquery(latest))
               .select_related("history_user"))
    return {r.id: r for r in records}


@login_required
@require_safe
def section_list(request: HttpRequest, cycle_id: int) -> HttpResponse:
    access = _access(request, cycle_id)
    layout = _layout(request)
    sections = ensure_sections(access.cycle, layout)
    if not access.reads_all:
        # Someone without a reading role sees only the sections they are responsible for, if any.
        sections = [s for s in sections if s.responsible_id == request.user.pk]
        if not sections:
            raise PermissionDenied
    responsibles = {u.pk: u for u in get_user_model().objects.filter(
        pk__in={s.responsible_id for s in sections if s.responsible_id})}
    edits = _last_edits(access.cycle, layout)
    objectives = set(StrategicObjective.objects.filter(cycle=access.cycle).exclude(narrative="")
                     .values_list("code", flat=True))
    rows = [{
        "section": s,
        "responsible": responsibles.get(s.responsible_id),
        "last_edit": edits.get(s.pk),
        "has_text": bool(s.narrative.strip()) or (s.kind == ReportSection.Kind.STRATEGIC_OBJECTIVE
                                                  and s.ref in objectives),
        "can_edit": access.can_edit(s) and not access.cycle.is_frozen,
    } for s in sections]
    return render(request, "reports/pages/sections.html", {
        "cycle": access.cycle, "layout": layout, "layouts": Layout.choices, "rows": rows,
        "filled": sum(1 for r in rows if r["has_text"]),
    })


def _section(access: Access, layout: str, key: str) -> ReportSection:
    section = (ReportSection.objects.filter(cycle=access.cycle, layout=layout, key=key)
               .select_related("responsible").first())
    if section is None:
        # The sections may not exist yet for this cycle: create them, then look again.
        ensure_sections(access.cycle, layout)
        section = ReportSection.objects.filter(cycle=access.cycle, layout=layout, key=key).first()
    if section is None:
        raise Http404
    if not access.can_view(section):
        raise PermissionDenied
    return section


def _history(section: ReportSection) -> list[dict]:
    """The section's changes, newest first, each with what it changed (compared with the one before)."""
    records = list(section.history.select_related("history_user").order_by("-history_date", "-history_id")
                   [:HISTORY_SHOWN + 1])
    entries = []
    for newer, older in zip(records, records[1:] + [None]):
        changed = []
        if older is None or newer.narrative != older.narrative:
            changed.append(_("testo"))
        if older is not None and newer.responsible_id != older.responsible_id:
            changed.append(_("responsabile"))
        if older is not None and (newer.number, newer.title) != (older.number, older.title):
            changed.append(_("titolo"))
        entries.append({"record": newer, "changed": changed, "created": older is None})
    return entries[:HISTORY_SHOWN]


def _edit_page(request: HttpRequest, access: Access, section: ReportSection, *, narrative: str | None = None,
               errors: dict | None = None, status: int = 200, saved_meanwhile: str | None = None) -> HttpResponse:
    objective = None
    if section.kind == ReportSection.Kind.STRATEGIC_OBJECTIVE:
        objective = StrategicObjective.objects.filter(cycle=access.cycle, code=section.ref).first()
    text = section.narrative if narrative is None else narrative
    return render(request, "reports/pages/section_edit.html", {
        "cycle": access.cycle, "section": section, "layout": section.layout,
        "narrative": text, "preview": render_markdown(text), "objective": objective,
        "objective_html": render_markdown(objective.narrative) if objective else "",
        "can_edit": access.can_edit(section), "frozen": access.cycle.is_frozen,
        "can_assign": access.edits_all, "users": _entity_users(access.cycle) if access.edits_all else [],
        "history": _history(section), "errors": errors or {}, "max_narrative": MAX_NARRATIVE,
        "version": section.updated_at.isoformat() if section.updated_at else "",
        "saved_meanwhile": render_markdown(saved_meanwhile) if saved_meanwhile is not None else None,
    }, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def section_edit(request: HttpRequest, cycle_id: int, key: str) -> HttpResponse:
    access = _access(request, cycle_id)
    layout = _layout(request)
    section = _section(access, layout, key)
    if request.method == "GET":
        return _edit_page(request, access, section)
    if not access.can_edit(section):
        raise PermissionDenied
    narrative = request.POST.get("narrative", section.narrative).replace("\r\n", "\n")
    if access.cycle.is_frozen:
        return _edit_page(request, access, section, narrative=narrative, status=409, errors={"page": [
            _("Il ciclo è in validazione o chiuso: la Relazione non si può più modificare.")]})
    errors: dict[str, list[str]] = {}
    if len(narrative) > MAX_NARRATIVE:
        errors["narrative"] = [_("Il testo supera i %(n)s caratteri ammessi.") % {"n": f"{MAX_NARRATIVE:,}".replace(",", ".")}]
    responsible_id = section.responsible_id
    if access.edits_all and "responsible" in request.POST:
        raw = request.POST["responsible"].strip()
        if not raw:
            responsible_id = None
        elif (user_id := parse_id(raw)) is not None and _entity_users(access.cycle).filter(pk=user_id).exists():
            responsible_id = user_id
        else:
            errors["responsible"] = [_("Scegliere un utente dell'ente.")]
    if errors:
        return _edit_page(request, access, section, narrative=narrative, errors=errors, status=422)
    with transaction.atomic():
        current = ReportSection.objects.select_for_update().get(pk=section.pk)
        version = request.POST.get("version", "")
        if version and current.updated_at and version != current.updated_at.isoformat():
            # Someone saved in the meantime: do not overwrite their text with an older copy.
            return _edit_page(request, access, current, narrative=narrative, status=409,
                              saved_meanwhile=current.narrative, errors={"page": [
                _("Nel frattempo la sezione è stata modificata da un altro utente: confrontare il testo salvato "
                  "(sotto) con il proprio e salvare di nuovo.")]})
        if section.kind != ReportSection.Kind.STRATEGIC_OBJECTIVE:
            current.narrative = narrative
        current.responsible_id = responsible_id
        try:
            current.save()
        except ValidationError as exc:
            return _edit_page(request, access, section, narrative=narrative, status=409,
                              errors={"page": exc.messages})
    messages.success(request, _("Sezione «%(title)s» salvata.") % {"title": str(current)})
    url = reverse("reports:section_edit", args=[access.cycle.pk, current.key])
    return redirect(url if layout == Layout.SEED else f"{url}?struttura={layout}")


@login_required
@require_POST
def section_preview(request: HttpRequest, cycle_id: int) -> HttpResponse:
    """The narrative as it will be printed (sanitised HTML fragment), for the editor's live preview."""
    access = _access(request, cycle_id)
    if not (access.edits_all or ReportSection.objects.filter(cycle=access.cycle, responsible=request.user).exists()):
        raise PermissionDenied
    text = request.POST.get("narrative", "")[:MAX_NARRATIVE]
    html = render_markdown(text)
    return HttpResponse(html or format_html('<p class="text-muted">{}</p>', _("Nessun testo.")))
