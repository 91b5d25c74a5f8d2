"""Write paths of the Relazione's editions: requesting one, rendering it (in a Celery task or the command)."""
from __future__ import annotations

import hashlib
import logging
import time
from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from organization.access import has_role, roles_for
from organization.models import Role
from performance.models import Cycle
from performance.snapshot import current_snapshot

from .models import Layout, ReportEdition

logger = logging.getLogger(__name__)

REQUEST_ROLES = (Role.STRUTTURA_TECNICA, Role.SEGRETARIO_GENERALE, Role.ADMIN)
VIEW_ROLES = (*REQUEST_ROLES, Role.DIRIGENTE, Role.OIV)
#: An edition in flight for longer than this is assumed lost (its message too): a new request sends it again.
STALE_AFTER = timedelta(minutes=20)
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
    return ReportEdition.objects.filter(cycle=cycle, layout=layout, variant=variant,
                                        state__in=(ReportEdition.State.QUEUED, ReportEdition.State.RUNNING)).first()


def create_or_join(cycle: Cycle, *, layout: str, variant: str, acting_user=None) -> tuple[ReportEdition, bool]:
    """The edition in flight for this cycle, layout and variant, or a new queued one (created=True)."""
    _validate(layout, variant)
    with transaction.atomic():
        # The cycle row serialises numbering; the partial unique constraint guards the rest.
        Cycle.objects.select_for_update().filter(pk=cycle.pk).first()
        existing = _in_flight(cycle, layout, variant)
        if existing is not None:
            return existing, False
        number = (ReportEdition.objects.filter(cycle=cycle).aggregate(n=Max("number"))["n"] or 0) + 1
        try:
            with transaction.atomic():
                edition = ReportEdition.objects.create(
                    cycle=cycle, number=number, layout=layout, variant=variant, requested_by=acting_user,
                    snapshot=current_snapshot(cycle), progress_label=_("In attesa di composizione"))
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
    """Ask for a new edition; joins the one in flight. The render runs in a task once this commits."""
    from .tasks import render_relazione_task

    if not may_request(acting_user, cycle, variant):
        raise PermissionDenied
    edition, created = create_or_join(cycle, layout=layout, variant=variant, acting_user=acting_user)
    if created or timezone.now() - edition.created_at > STALE_AFTER:
        pk = edition.pk
        transaction.on_commit(lambda: render_relazione_task.delay(pk))
    return edition


def _progress_writer(edition_id: int):
    last = [0.0]

    def progress(done: int, total: int, label: str) -> None:
        now = time.monotonic()
        if done < total and now - last[0] < PROGRESS_EVERY:
            return
        last[0] = now
        ReportEdition.objects.filter(pk=edition_id, state=ReportEdition.State.RUNNING).update(
            progress_done=done, progress_total=total, progress_label=label[:300])

    return progress


def run_edition(edition_id: int) -> ReportEdition:
    """Render a queued edition (or a running one whose worker died) and store it. Safe to run twice:
    a finished edition is returned as it is; the file, its hash and the state are written together
    at the end, so an interrupted render leaves no file and a failed one says why."""
    from .render import render_pdf

    with transaction.atomic():
        edition = ReportEdition.objects.select_for_update().select_related("cycle__entity").get(pk=edition_id)
        if edition.state in (ReportEdition.State.DONE, ReportEdition.State.FAILED):
            return edition
        edition.state = ReportEdition.State.RUNNING
        edition.progress_done, edition.progress_total = 0, 0
        edition.progress_label = _("Composizione avviata")
        edition.save(update_fields=["state", "progress_done", "progress_total", "progress_label"])
    start = time.perf_counter()
    try:
        result = render_pdf(edition.cycle, layout=edition.layout, variant=edition.variant,
                            progress=_progress_writer(edition.pk))
        return _store(edition.pk, result, time.perf_counter() - start)
    except Exception as exc:
        logger.exception("render of edition %s failed", edition_id)
        ReportEdition.objects.filter(pk=edition_id).exclude(state=ReportEdition.State.DONE).update(
            state=ReportEdition.State.FAILED, error=f"{type(exc).__name__}: {exc}"[:2000],
            finished_at=timezone.now(), seconds=time.perf_counter() - start,
            progress_label=_("Composizione non riuscita"))
        return ReportEdition.objects.get(pk=edition_id)


def _store(edition_id: int, result, seconds: float) -> ReportEdition:
    with transaction.atomic():
        edition = ReportEdition.objects.select_for_update().select_related("cycle").get(pk=edition_id)
        if edition.state == ReportEdition.State.DONE:
            return edition  # another run of the same task finished first: keep its file
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
