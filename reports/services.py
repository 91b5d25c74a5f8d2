"""Write paths of the Relazione's editions: requesting one, rendering it (in a Celery task or the command)."""
from __future__ import annotations

import hashlib
import logging
import time
from datetime import datetime

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from config.heartbeat import heartbeat, is_stale, stale_before, timeout
from organization.access import has_role, roles_for
from organization.models import Role
from performance.models import Cycle
from performance.snapshot import current_snapshot

from .models import Layout, ReportEdition

logger = logging.getLogger(__name__)

REQUEST_ROLES = (Role.STRUTTURA_TECNICA, Role.SEGRETARIO_GENERALE, Role.ADMIN)
VIEW_ROLES = (*REQUEST_ROLES, Role.DIRIGENTE, Role.OIV)
#: An edition interrupted this many times in a row is not started again by the beat task: a render that
#: keeps killing its worker (out of memory) would otherwise loop for ever. A new request still starts one.
MAX_ATTEMPTS = 3
#: A queued edition no worker has taken after this many HEARTBEAT_TIMEOUTs is sent again: its message was
#: lost (the broker was down when it was sent). A duplicate message costs nothing (run_edition returns).
RESEND_QUEUED_AFTER = 5
#: Progress is written at most this often (seconds): one UPDATE per chunk is cheap, but not free.
PROGRESS_EVERY = 0.2


def _validate(layout: str, variant: str) -> None:
    errors = {}
    if layout not in Layout.values:
        errors["layout"] = _("Struttura della Relazione non valida.")
    if variant not in ReportEdition.Variant.values:
        errors["variant"] = _("Variante non valida: scegliere bozza, PDF/A o PDF/UA.")
    if errors:
        raise ValidationError(errors)


def _in_flight(cycle: Cycle, layout: str, variant: str) -> ReportEdition | None:
    return ReportEdition.objects.select_for_update().filter(
        cycle=cycle, layout=layout, variant=variant,
        state__in=(ReportEdition.State.QUEUED, ReportEdition.State.RUNNING)).first()


def interrupted(edition: ReportEdition, now: datetime | None = None) -> bool:
    """A running edition whose worker stopped beating (config/heartbeat.py): killed, or its machine lost."""
    return edition.state == ReportEdition.State.RUNNING and is_stale(edition.heartbeat_at, now)


def _mark_interrupted(edition: ReportEdition) -> None:
    """Fail an interrupted edition (row locked by the caller). It has no file: only _store writes one, with
    the state done, in one transaction; and _store refuses an edition no longer running."""
    edition.state = ReportEdition.State.FAILED
    edition.error = _("Composizione interrotta: il processo di lavoro si è fermato senza terminarla (nessun "
                      "segnale di attività da oltre %(seconds)d secondi). Nessun file è stato prodotto.") % {
        "seconds": settings.HEARTBEAT_TIMEOUT}
    edition.progress_label = _("Composizione interrotta")
    edition.finished_at = timezone.now()
    edition.save(update_fields=["state", "error", "progress_label", "finished_at"])
    logger.warning("edition %s (attempt %s) interrupted: no heartbeat since %s", edition.pk, edition.attempt,
                   edition.heartbeat_at)


def _new_edition(cycle: Cycle, layout: str, variant: str, user, attempt: int = 1) -> ReportEdition:
    """A queued edition; call with the cycle row locked (it serialises numbering)."""
    number = (ReportEdition.objects.filter(cycle=cycle).aggregate(n=Max("number"))["n"] or 0) + 1
    return ReportEdition.objects.create(
        cycle=cycle, number=number, layout=layout, variant=variant, requested_by=user, attempt=attempt,
        snapshot=current_snapshot(cycle), progress_label=_("In attesa di composizione"), heartbeat_at=timezone.now())


def create_or_join(cycle: Cycle, *, layout: str, variant: str, acting_user=None) -> tuple[ReportEdition, bool]:
    """The edition in flight for this cycle, layout and variant, or a new queued one (created=True). An
    interrupted one is not joined (it would never finish): it is marked failed and a new one is created."""
    _validate(layout, variant)
    with transaction.atomic():
        # The cycle row serialises numbering; the partial unique constraint guards the rest.
        Cycle.objects.select_for_update().filter(pk=cycle.pk).first()
        existing = _in_flight(cycle, layout, variant)
        if existing is not None:
            if not interrupted(existing):
                return existing, False
            _mark_interrupted(existing)
        try:
            with transaction.atomic():
                edition = _new_edition(cycle, layout, variant, acting_user)
        except IntegrityError:
            existing = _in_flight(cycle, layout, variant)
            if existing is None:
                raise
            return existing, False
    return edition, True


def may_request(user, cycle: Cycle, variant: str = ReportEdition.Variant.DRAFT, *,
                roles: set[str] | None = None) -> bool:
    """Staff request any edition; the OIV requests drafts while the cycle is under its review: it reads
    the Relazione as rendered from the snapshot it validates (the edition records that snapshot)."""
    if has_role(user, cycle.entity, *REQUEST_ROLES):
        return True
    roles = roles_for(user, cycle.entity) if roles is None else roles
    return (Role.OIV in roles and cycle.state == Cycle.State.UNDER_VALIDATION
            and variant == ReportEdition.Variant.DRAFT)


def request_edition(cycle: Cycle, *, layout: str = Layout.SEED, variant: str = ReportEdition.Variant.DRAFT,
                    acting_user) -> ReportEdition:
    """Ask for a new edition; joins the one in flight (unless interrupted: create_or_join). The render runs
    in a task once this commits."""
    if not may_request(acting_user, cycle, variant):
        raise PermissionDenied
    edition, created = create_or_join(cycle, layout=layout, variant=variant, acting_user=acting_user)
    if created or _lost_in_queue(edition):
        _send(edition, resend=not created)
    return edition


def _lost_in_queue(edition: ReportEdition, now: datetime | None = None) -> bool:
    return (edition.state == ReportEdition.State.QUEUED
            and is_stale(edition.heartbeat_at, (now or timezone.now()) - (RESEND_QUEUED_AFTER - 1) * timeout()))


def _send(edition: ReportEdition, *, resend: bool = False) -> None:
    """Enqueue the render once the transaction commits; heartbeat_at of a queued edition is when it was sent."""
    from .tasks import render_relazione_task

    if resend:
        ReportEdition.objects.filter(pk=edition.pk, state=ReportEdition.State.QUEUED).update(heartbeat_at=timezone.now())
    pk = edition.pk
    transaction.on_commit(lambda: render_relazione_task.delay(pk))


def recover_interrupted_editions(now: datetime | None = None) -> dict[str, int]:
    """What the beat task does every HEARTBEAT_TIMEOUT: interrupted editions are marked failed and started
    again as a new edition (up to MAX_ATTEMPTS in a row), queued ones whose message was lost are sent again.
    Safe to run twice, or next to a request doing the same: each edition is re-checked under its lock."""
    now = now or timezone.now()
    report = {"restarted": 0, "given_up": 0, "resent": 0}
    running = ReportEdition.objects.filter(state=ReportEdition.State.RUNNING).filter(
        Q(heartbeat_at__lt=stale_before(now)) | Q(heartbeat_at__isnull=True))
    for pk, cycle_id in running.values_list("pk", "cycle_id"):
        outcome = _restart(pk, cycle_id, now)
        if outcome:
            report[outcome] += 1
    queued = ReportEdition.objects.filter(state=ReportEdition.State.QUEUED).filter(
        Q(heartbeat_at__lt=stale_before(now - (RESEND_QUEUED_AFTER - 1) * timeout())) | Q(heartbeat_at__isnull=True))
    for edition in queued:
        with transaction.atomic():
            _send(edition, resend=True)
        report["resent"] += 1
    return report


def _restart(edition_id: int, cycle_id: int, now: datetime) -> str | None:
    with transaction.atomic():
        cycle = Cycle.objects.select_for_update().filter(pk=cycle_id).first()  # first, as create_or_join does
        edition = ReportEdition.objects.select_for_update().filter(pk=edition_id).first()
        if cycle is None or edition is None or not interrupted(edition, now):
            return None  # finished, failed or taken over meanwhile
        _mark_interrupted(edition)
        if edition.attempt >= MAX_ATTEMPTS:
            return "given_up"
        _send(_new_edition(cycle, edition.layout, edition.variant, edition.requested_by, edition.attempt + 1))
    return "restarted"


def _progress_writer(edition_id: int):
    last = [0.0]

    def progress(done: int, total: int, label: str) -> None:
        now = time.monotonic()
        if done < total and now - last[0] < PROGRESS_EVERY:
            return
        last[0] = now
        ReportEdition.objects.filter(pk=edition_id, state=ReportEdition.State.RUNNING).update(
            progress_done=done, progress_total=total, progress_label=label[:300], heartbeat_at=timezone.now())

    return progress


def _beat(edition_id: int) -> None:
    ReportEdition.objects.filter(pk=edition_id, state=ReportEdition.State.RUNNING).update(heartbeat_at=timezone.now())


def run_edition(edition_id: int) -> ReportEdition:
    """Render a queued edition (or a running one whose worker died, its message delivered again) and store
    it, beating while it renders. Safe to run twice: a finished or failed edition is returned as it is, and
    so is one another worker is rendering (its heartbeat is fresh); the file, its hash and the state are
    written together at the end, so an interrupted render leaves no file and a failed one says why."""
    from .render import render_pdf

    with transaction.atomic():
        edition = ReportEdition.objects.select_for_update().select_related("cycle__entity").get(pk=edition_id)
        if edition.state in (ReportEdition.State.DONE, ReportEdition.State.FAILED):
            return edition
        if edition.state == ReportEdition.State.RUNNING and not interrupted(edition):
            return edition
        edition.state = ReportEdition.State.RUNNING
        edition.progress_done, edition.progress_total = 0, 0
        edition.progress_label = _("Composizione avviata")
        edition.heartbeat_at = timezone.now()
        edition.save(update_fields=["state", "progress_done", "progress_total", "progress_label", "heartbeat_at"])
    start = time.perf_counter()
    try:
        with heartbeat(lambda: _beat(edition_id), name=f"edition-{edition_id}-heartbeat"):
            result = render_pdf(edition.cycle, layout=edition.layout, variant=edition.variant,
                                progress=_progress_writer(edition.pk))
        return _store(edition.pk, result, time.perf_counter() - start)
    except Exception as exc:
        logger.exception("render of edition %s failed", edition_id)
        ReportEdition.objects.filter(pk=edition_id, state=ReportEdition.State.RUNNING).update(
            state=ReportEdition.State.FAILED, error=f"{type(exc).__name__}: {exc}"[:2000],
            finished_at=timezone.now(), seconds=time.perf_counter() - start,
            progress_label=_("Composizione non riuscita"))
        return ReportEdition.objects.get(pk=edition_id)


def _store(edition_id: int, result, seconds: float) -> ReportEdition:
    with transaction.atomic():
        edition = ReportEdition.objects.select_for_update().select_related("cycle").get(pk=edition_id)
        if edition.state != ReportEdition.State.RUNNING:
            # Done: another run of the same task finished first, keep its file. Failed: taken as interrupted
            # meanwhile (heartbeats lost) and started again as a new edition: a failed edition has no file.
            return edition
        name = f"relazione-{edition.cycle.year}-{edition.layout}-{edition.variant}-{edition.number}.pdf"
        edition.file.save(name, ContentFile(result.pdf), save=False)
        try:
            edition.sha256 = hashlib.sha256(result.pdf).hexdigest()
            edition.page_count, edition.size = result.page_count, len(result.pdf)
            edition.content_hash = result.content_hash
            edition.state, edition.error = ReportEdition.State.DONE, ""
            edition.finished_at, edition.seconds = timezone.now(), round(seconds, 3)
            edition.progress_done = edition.progress_total = max(edition.progress_total, 1)
            edition.progress_label = _("Relazione pronta")
            edition.save()
        except BaseException:
            edition.file.delete(save=False)
            raise
    return edition
