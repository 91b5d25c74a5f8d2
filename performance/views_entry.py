"""Data entry pages: the scorecard for a period, saving a row (htmx) or the page, the live preview,
the history of a value, submission and approval, period locks. Every write goes through services."""
from __future__ import annotations

from pathlib import Path

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.middleware.csrf import get_token
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from config.downloads import stored_file_download
from organization.access import has_role
from organization.models import Role

from . import page_cache, services
from .engine import RuleSet
from .entry import EntryError, clean, preview
from .models import Indicator, Level, Measurement, Period, RollupResult, Submission
from .parsing import parse_id
from .scorecard_rows import PREFIX, Row, entry_from_post, estimate, load_rows, posted_version
from .selectors import ScorecardAccess, current_period, get_cycle_for_user, get_indicator_for_user, \
    get_scorecard_for_user

LOCK_ROLES = (Role.STRUTTURA_TECNICA, Role.SEGRETARIO_GENERALE, Role.ADMIN)


class _Page:
    """Everything the scorecard page shows about its state, computed once per request."""

    def __init__(self, access: ScorecardAccess, period_code: str | None):
        self.access = access
        self.scorecard = scorecard = access.scorecard
        self.cycle = scorecard.cycle
        self.periods = list(Period.objects.filter(cycle=self.cycle).order_by("reference_date"))
        self.period = current_period(self.cycle, period_code, self.periods) if self.periods else None
        self.submission = (Submission.objects.filter(scorecard=scorecard, period=self.period)
                           .select_related("submitted_by", "decided_by").first()) if self.period else None
        self.rules = RuleSet.from_dict(self.cycle.rules or {})
        try:
            if self.period is None:
                raise services.EntryLocked(_("Il ciclo non ha periodi di rilevazione."))
            services.check_period_open(self.period)
            self.locked_reason = ""
        except services.EntryLocked as exc:
            self.locked_reason = exc.messages[0]

    @property
    def state(self) -> str:
        return self.submission.state if self.submission else Submission.State.DRAFT

    @property
    def can_edit(self) -> bool:
        return (self.access.can_edit and not self.locked_reason
                and self.state in (Submission.State.DRAFT, Submission.State.RETURNED))

    @property
    def can_decide(self) -> bool:
        return self.access.can_approve and not self.locked_reason and self.state == Submission.State.SUBMITTED

    def context(self, rows: list[Row] | None, **extra) -> dict:
        context = {"scorecard": self.scorecard, "cycle": self.cycle, "period": self.period, "periods": self.periods,
                   "submission": self.submission, "state": self.state, "can_edit": self.can_edit,
                   "can_decide": self.can_decide, "locked_reason": self.locked_reason,
                   "can_submit": self.can_edit and self.access.can_edit, "self_url": self.url(), "urls": self.urls()}
        if rows is not None:
            total = RollupResult.objects.filter(cycle=self.cycle, level=Level.SCORECARD,
                                                object_id=self.scorecard.pk).values_list("realization", flat=True)
            context |= {"rows": rows, "entered": sum(1 for r in rows if r.measurement is not None), "due": len(rows),
                        "total_realization": next(iter(total), None)}
        return context | extra

    def cached_context(self, request: HttpRequest) -> dict:
        """The page with its rows rendered once per cycle generation (see page_cache): a page served
        to 32 people at once costs a cache read, not 16 rows of template."""
        key = ":".join(("misura:scorecard-rows", str(self.scorecard.pk), str(self.period.pk), str(int(self.can_edit)),
                        get_language() or "", page_cache.generation(self.cycle.pk)))
        hit = page_cache.get(key)
        if hit is None:
            context = self.context(load_rows(self.scorecard, self.period, self.periods, self.rules))
            hit = {"rows_html": render_to_string("performance/_rows.html", context, request=request),
                   "entered": context["entered"], "due": context["due"],
                   "total_realization": context["total_realization"]}
            page_cache.put(key, hit)
        return self.context(None, **hit) | {"rows_html": mark_safe(hit["rows_html"])}  # noqa: S308 rendered above

    def urls(self) -> dict[str, str]:
        cycle, code = self.cycle.pk, self.scorecard.code
        return {"preview": reverse("performance:scorecard-preview", args=[cycle, code]),
                "row": reverse("performance:scorecard", args=[cycle, code]) + "righe/",
                "indicator": reverse("performance:home") + f"cicli/{cycle}/indicatori/"}

    def url(self) -> str:
        base = reverse("performance:scorecard", args=[self.cycle.pk, self.scorecard.code])
        return f"{base}?periodo={self.period.code}" if self.period else base


@login_required
def scorecard_detail(request: HttpRequest, cycle_id: int, code: str) -> HttpResponse:
    slot = None
    if request.method == "GET":
        # The page people open all day long: served whole from the cache while nothing in the cycle or
        # in who-may-see-what changed (page_cache), permission included, since it is per user.
        # Only a plausible period code goes into the cache key (a NUL or control character would be an invalid
        # key for some backends); anything else is rendered, and refused, without the cache.
        period_code = request.GET.get("periodo", "")
        if period_code.isprintable() and len(period_code) <= 50:
            slot, html = page_cache.page_lookup(request, cycle_id, code, period_code)
        else:
            html = None
        if html is not None:
            return _with_csrf(request, html)
    page = _Page(get_scorecard_for_user(request.user, cycle_id, code), request.GET.get("periodo"))
    if request.method == "POST":
        return _save_page(request, page)
    context = page.cached_context(request) if page.period else page.context([])
    html = render_to_string("performance/scorecard.html", context | {"csrf_token": page_cache.CSRF_PLACEHOLDER},
                            request=request)
    if slot is not None:
        page_cache.page_store(slot, html)
    return _with_csrf(request, html)


def _with_csrf(request: HttpRequest, html: str) -> HttpResponse:
    response = HttpResponse(html.replace(page_cache.CSRF_PLACEHOLDER, get_token(request)))
    response["Cache-Control"] = "private, no-cache"
    return response


def _save_page(request: HttpRequest, page: _Page) -> HttpResponse:
    """Save every row the person touched, all or nothing: one wrong row and nothing is written."""
    if not page.can_edit:
        raise PermissionDenied
    rows = load_rows(page.scorecard, page.period, page.periods, page.rules)
    stored = [row.measurement for row in rows]
    failed = False
    try:
        with transaction.atomic():
            for row in rows:
                failed |= _save_row(request, page, row, quiet_if_untouched=True)
            if failed:
                transaction.set_rollback(True)
    except services.EntryLocked as exc:
        messages.error(request, exc.messages[0])
        return redirect(page.url())
    if failed:
        # Rolled back: every row shows the stored value's version again, and what was typed.
        for row, measurement in zip(rows, stored):
            if row.saved:
                row.measurement, row.saved = measurement, False
                row.typed = entry_from_post(request.POST, {}, row.prefix)
                estimate(row, page.rules)
        error = _("Nessun valore è stato salvato: correggere le righe segnalate (%(codes)s).") % {
            "codes": ", ".join(r.indicator.code for r in rows if r.errors)}
        return render(request, "performance/scorecard.html", page.context(rows, page_error=error), status=422)
    saved = sum(1 for r in rows if r.saved)
    messages.success(request, _("Valori salvati: %(n)d.") % {"n": saved})
    return redirect(page.url())


def _save_row(request: HttpRequest, page: _Page, row: Row, *, quiet_if_untouched: bool = False) -> bool:
    """Save one row from the POST; True when it failed (errors or conflict are left on the row)."""
    prefix = row.prefix
    data = entry_from_post(request.POST, request.FILES, prefix)
    if quiet_if_untouched and _untouched(request, row, data):
        return False
    row.typed = data
    try:
        measurement = services.submit_measurement(
            row.indicator, page.period, data, expected_version=posted_version(request.POST, prefix),
            acting_user=request.user, scope=page.access.scope)
    except services.EditConflict as exc:
        row.conflict = exc.current
        row.errors["row"] = _conflict_message(exc.current)
        estimate(row, page.rules)
        return True
    except services.EntryLocked:
        raise
    except ValidationError as exc:
        row.errors = {name: " ".join(errors) for name, errors in exc.message_dict.items()} \
            if hasattr(exc, "error_dict") else {"row": " ".join(exc.messages)}
        estimate(row, page.rules)
        return True
    row.saved = measurement.version != (row.measurement.version if row.measurement else 0)
    row.measurement, row.typed = measurement, None
    estimate(row, page.rules)
    return False


def _untouched(request: HttpRequest, row: Row, data) -> bool:
    """A row of the whole-page form left as it was shown (or not on the form at all): not saved, so a
    legacy value the checks would now refuse does not block the rows that did change."""
    if row.prefix + "version" not in request.POST:
        return True
    if data.evidence is not None:
        return False
    shown = row.form
    same = all(getattr(data, name).strip() == getattr(shown, name).strip()
               for name in ("value", "numerator", "denominator", "nv_reason", "note", "shortfall_reason"))
    return same and data.is_nv == shown.is_nv


def _conflict_message(current) -> str:
    if current is None:
        return _("Il valore è stato eliminato da un'altra persona mentre lo modificavi. Il tuo valore non è stato "
                 "salvato ed è ancora nel modulo: salva di nuovo per confermarlo.")
    who = current.author.get_full_name() or current.author.username if current.author else _("un'altra persona")
    return _("%(who)s ha salvato «%(value)s» il %(when)s mentre lo modificavi. Il tuo valore non è stato salvato ed "
             "è ancora nel modulo: salva di nuovo per sostituire il valore dell'altra persona.") % {
        "who": who, "value": current.raw_value or "–", "when": timezone.localtime(current.updated_at).strftime("%d/%m/%Y %H:%M")}


@login_required
@require_POST
def save_row(request: HttpRequest, cycle_id: int, code: str, indicator_code: str) -> HttpResponse:
    """htmx: save one row in place and return it."""
    page = _Page(get_scorecard_for_user(request.user, cycle_id, code), request.GET.get("periodo"))
    if not page.can_edit:
        raise PermissionDenied
    indicator = get_object_or_404(Indicator, cycle=page.cycle, code=indicator_code)
    rows = load_rows(page.scorecard, page.period, page.periods, page.rules, indicator_ids=[indicator.pk])
    if not rows:
        raise PermissionDenied
    row = rows[0]
    try:
        failed = _save_row(request, page, row)
    except services.EntryLocked as exc:
        row.errors["row"], failed = exc.messages[0], True
    context = page.context(rows) | {"row": row}
    status = 409 if row.conflict is not None else (422 if failed else 200)
    if not request.headers.get("HX-Request"):
        if failed:
            return render(request, "performance/scorecard.html", context, status=status)
        messages.success(request, _("Valore salvato."))
        return redirect(page.url())
    return render(request, "performance/_row.html", context, status=status)


@login_required
@require_GET
def preview_row(request: HttpRequest, cycle_id: int, code: str) -> HttpResponse:
    """htmx: the realization the engine would give the value being typed (nothing is saved)."""
    access = get_scorecard_for_user(request.user, cycle_id, code)
    cycle = access.scorecard.cycle
    # parse_id: "abc" or "²" would reach the query as a pk and raise ValueError (500); None finds nothing.
    indicator = get_object_or_404(Indicator, cycle=cycle, pk=parse_id(request.GET.get("indicatore")),
                                  assignments__scorecard=access.scorecard)
    data = entry_from_post(request.GET, {}, PREFIX.format(indicator.pk))
    try:
        result = preview(indicator, clean(indicator.kind, data), RuleSet.from_dict(cycle.rules or {}))
    except EntryError as exc:
        return render(request, "performance/_preview.html", {"errors": exc.errors})
    return render(request, "performance/_preview.html", {"result": result})


@login_required
def history(request: HttpRequest, cycle_id: int, code: str) -> HttpResponse:
    """Every change of the indicator's values: who, when, old → new, note."""
    cycle = get_cycle_for_user(request.user, cycle_id)
    indicator = get_indicator_for_user(request.user, cycle, code)
    records = list(indicator.measurements.model.history.filter(indicator_id=indicator.pk)
                   .select_related("history_user", "period").order_by("period_id", "history_date", "history_id"))
    changes, last = [], {}
    for record in records:
        before = last.get(record.period_id)
        changes.append({"record": record, "before": before.raw_value if before else "",
                        "after": record.raw_value if record.history_type != "-" else ""})
        last[record.period_id] = record
    changes.reverse()
    return render(request, "performance/history.html", {"cycle": cycle, "indicator": indicator, "changes": changes})


@login_required
@require_POST
def submission(request: HttpRequest, cycle_id: int, code: str) -> HttpResponse:
    """Submit the scorecard, or approve / return it (dirigente)."""
    page = _Page(get_scorecard_for_user(request.user, cycle_id, code), request.GET.get("periodo"))
    action = request.POST.get("azione")
    try:
        if action == "invia":
            services.submit_scorecard(page.scorecard, page.period, acting_user=request.user, scope=page.access.scope)
            messages.success(request, _("Scheda inviata per l'approvazione."))
        elif action in ("approva", "restituisci"):
            services.decide_submission(page.scorecard, page.period, approve=action == "approva",
                                       comment=request.POST.get("commento", ""), acting_user=request.user,
                                       scope=page.access.scope)
            messages.success(request, _("Scheda approvata.") if action == "approva"
                             else _("Scheda restituita con il commento."))
        else:
            raise PermissionDenied
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    return redirect(page.url())


@login_required
@require_POST
def period_lock(request: HttpRequest, cycle_id: int, period_code: str) -> HttpResponse:
    cycle = get_cycle_for_user(request.user, cycle_id)
    if not has_role(request.user, cycle.entity, *LOCK_ROLES):
        raise PermissionDenied
    period = get_object_or_404(Period, cycle=cycle, code=period_code)
    locked = request.POST.get("azione") == "blocca"
    try:
        services.set_period_lock(period, locked, acting_user=request.user)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    else:
        messages.success(request, (_("Periodo «%(p)s» bloccato.") if locked else _("Periodo «%(p)s» riaperto."))
                         % {"p": period.name})
    return redirect("performance:home")



@login_required
@require_GET
def evidence(request: HttpRequest, cycle_id: int, code: str, period_code: str) -> HttpResponse:
    """An evidence file, to those who may see the indicator, always as a download (never rendered inline)."""
    cycle = get_cycle_for_user(request.user, cycle_id)
    indicator = get_indicator_for_user(request.user, cycle, code)
    measurement = get_object_or_404(Measurement, indicator=indicator, period__cycle=cycle, period__code=period_code)
    if not measurement.evidence:
        raise Http404
    return stored_file_download(
        request, measurement.evidence, filename=Path(measurement.evidence.name).name, owner=measurement,
        entity=cycle.entity, description=_("evidenza dell'indicatore %(code)s, periodo «%(period)s»") % {
            "code": indicator.code, "period": measurement.period.name})
