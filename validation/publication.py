"""Publishing the validated Relazione: the one write path of Publication.

``publish(cycle, acting_user=...)`` (first publication, cycle validated) and
``publish_correction(cycle, acting_user=..., reason=...)`` (cycle published) check the role, the state, the
OIV's positive decision on the snapshot in force with its document, and that the data still hash to the
snapshot. They then take the PDF/A edition of that snapshot: a finished one is reused and the publication
is completed at once; otherwise one is requested (or the one in flight joined) and ``publish_cycle_task``
renders it and completes the publication afterwards (``complete_publication``).

Completing is one transaction with the cycle row locked: the open data files are written, the Publication
row is created (number n + 1, superseding the previous one for a correction) and, the first time, the cycle
moves to published through performance.workflow.transition_cycle. Public pages read only Publication rows,
so a render that fails or a worker that dies leaves nothing public and the cycle as it was: publishing
again retries. Two requests at once make one Publication: the lock serialises them, the second finds the
first done, and the unique (cycle, number) and one-to-one ``supersedes`` constraints back that up.
"""
from __future__ import annotations

import hashlib
import logging
import time
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Max
from django.db.models.fields.files import FieldFile
from django.utils import timezone
from django.utils.translation import gettext as _

from config.heartbeat import cache_heartbeat
from organization.access import roles_for
from performance.exporting import result_rows
from performance.models import Cycle, CycleSnapshot
from performance.snapshot import current_snapshot, verify_snapshot
from performance.workflow import STAFF_ROLES, VIEW_ROLES, transition_cycle
from reports.models import Layout, ReportEdition
from reports.services import create_or_join, run_edition

from . import opendata
from .models import Publication, ValidationDecision

logger = logging.getLogger(__name__)
S = Cycle.State
PUBLISH_ROLES = STAFF_ROLES
READ_ROLES = VIEW_ROLES
#: The published edition: the Camera di commercio layout, PDF/A (archival).
LAYOUT, VARIANT = Layout.SEED, ReportEdition.Variant.PDFA
#: How often a publishing task looks again at a PDF/A edition another worker is rendering.
WAIT_SECONDS = 1.0


class PublicationConflict(ValidationError):
    """The page was shown for another snapshot than the one in force now: nothing was done."""


@dataclass(frozen=True)
class PublishResult:
    """What a request did: published (``publication``), or an edition is rendering and the task will
    publish it (``publication`` None). ``already``: someone else had published it first."""

    edition: ReportEdition
    publication: Publication | None
    already: bool = False


def latest_publication(cycle: Cycle) -> Publication | None:
    return Publication.objects.filter(cycle=cycle).order_by("-number").first()


def _check_role(cycle: Cycle, user) -> None:
    if not roles_for(user, cycle.entity) & PUBLISH_ROLES:
        raise PermissionDenied(_("La pubblicazione spetta alla struttura tecnica, al segretario generale o "
                                 "all'amministratore."))


def positive_decision(cycle: Cycle, snapshot: CycleSnapshot | None) -> ValidationDecision | None:
    """The OIV's positive decision on this snapshot (one decision per snapshot), or None."""
    if snapshot is None:
        return None
    return (ValidationDecision.objects.filter(cycle=cycle, snapshot=snapshot)
            .exclude(outcome=ValidationDecision.Outcome.REFUSED).first())


def _preconditions(cycle: Cycle, *, correction: bool) -> tuple[CycleSnapshot, ValidationDecision]:
    expected = S.PUBLISHED if correction else S.VALIDATED
    if cycle.state != expected:
        raise ValidationError(_("Il ciclo è nello stato «%(state)s»: %(what)s richiede lo stato «%(expected)s».") % {
            "state": cycle.get_state_display(), "expected": S(expected).label,
            "what": _("una correzione") if correction else _("la pubblicazione")})
    snapshot = current_snapshot(cycle)
    decision = positive_decision(cycle, snapshot)
    if decision is None:
        raise ValidationError(_("Manca la validazione dell'OIV sull'istantanea dei dati in vigore."))
    if not decision.document or not decision.document_sha256:
        raise ValidationError(_("Manca il documento di validazione dell'OIV: non si può pubblicare."))
    return snapshot, decision


def _verify(snapshot: CycleSnapshot) -> None:
    if not verify_snapshot(snapshot):
        raise ValidationError(_("I dati non corrispondono più all'istantanea validata (impronta SHA-256 diversa): "
                                "pubblicazione bloccata. Segnalarlo all'amministratore."))


def file_sha256(field: FieldFile) -> str:
    digest = hashlib.sha256()
    with field.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def publish(cycle: Cycle, *, acting_user, expected_snapshot_id: int | None = None) -> PublishResult:
    """First publication of a validated cycle (see the module's docstring)."""
    return _request(cycle, acting_user, reason="", correction=False, expected_snapshot_id=expected_snapshot_id)


def publish_correction(cycle: Cycle, *, acting_user, reason: str) -> PublishResult:
    """A new edition superseding the one in force; both stay public. ``reason`` is required."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Indicare il motivo della correzione.")})
    return _request(cycle, acting_user, reason=reason, correction=True, expected_snapshot_id=None)


def _request(cycle: Cycle, user, *, reason: str, correction: bool, expected_snapshot_id: int | None) -> PublishResult:
    _check_role(cycle, user)
    with transaction.atomic():
        locked = Cycle.objects.select_for_update().select_related("entity").get(pk=cycle.pk)
        if not correction and locked.state == S.PUBLISHED and (done := latest_publication(locked)):
            return PublishResult(done.edition, done, already=True)
        snapshot, decision = _preconditions(locked, correction=correction)
        if expected_snapshot_id is not None and expected_snapshot_id != snapshot.pk:
            raise PublicationConflict(_("I dati validati sono cambiati da quando la pagina è stata aperta: nulla è "
                                        "stato pubblicato. Ricaricare la pagina."))
        _verify(snapshot)
        previous = latest_publication(locked) if correction else None
        editions = ReportEdition.objects.filter(cycle=locked, snapshot=snapshot, layout=LAYOUT, variant=VARIANT)
        if previous is not None:
            # A correction publishes an edition newer than the one it replaces (rendered after a fix).
            editions = editions.filter(number__gt=previous.edition.number)
        ready = editions.filter(state=ReportEdition.State.DONE).order_by("-number").first()
        if ready is not None:
            return PublishResult(ready, _complete(locked, ready, snapshot, decision, user, previous, reason))
        edition, _created = create_or_join(locked, layout=LAYOUT, variant=VARIANT, acting_user=user)
        args = (locked.pk, edition.pk, user.pk, reason, previous.pk if previous else None)
        transaction.on_commit(lambda: _enqueue(*args))
    return PublishResult(edition, None)


def _pending_key(edition_id: int) -> str:
    return f"misura:publish-pending:{edition_id}"


def publishing(edition: ReportEdition) -> bool:
    """A publishing task waits for this edition (its marker lives while the task beats): it will publish it.
    False after its worker died: the beat task's new render of the PDF/A publishes nothing by itself."""
    return bool(cache.get(_pending_key(edition.pk)))


def _enqueue(cycle_id: int, edition_id: int, user_id: int, reason: str, supersedes_id: int | None) -> None:
    """One publishing task per edition: a second click while it renders joins it. The key lives one
    HEARTBEAT_TIMEOUT and the running task keeps it alive (complete_publication), so a task lost with its
    worker blocks nothing for long: the next click sends it again (a new edition if the render was cut)."""
    from .tasks import publish_cycle_task

    if cache.add(_pending_key(edition_id), 1, timeout=settings.HEARTBEAT_TIMEOUT):
        publish_cycle_task.delay(cycle_id, edition_id, user_id, reason, supersedes_id)


def complete_publication(cycle_id: int, edition_id: int, user_id: int, reason: str = "",
                         supersedes_id: int | None = None) -> Publication | None:
    """Render the edition if needed, then publish it. Safe to run twice (a redelivered task): an edition
    already published, or a cycle published (or corrected) meanwhile, returns what is public. None when
    the render failed: the failure is on the edition and publishing again retries."""
    key = _pending_key(edition_id)
    try:
        with cache_heartbeat(key, name=f"publication-{edition_id}"):
            edition = _rendered(edition_id)
        if edition.state != ReportEdition.State.DONE:
            return None
        user = get_user_model().objects.get(pk=user_id)
        with transaction.atomic():
            locked = Cycle.objects.select_for_update().select_related("entity").get(pk=cycle_id)
            existing = Publication.objects.filter(cycle=locked, edition=edition).first()
            if existing is not None:
                return existing
            latest = latest_publication(locked)
            correction = supersedes_id is not None
            if latest is not None and (not correction or latest.pk != supersedes_id):
                return latest  # published (or corrected) by another request meanwhile
            _check_role(locked, user)
            snapshot, decision = _preconditions(locked, correction=correction)
            _verify(snapshot)
            return _complete(locked, edition, snapshot, decision, user, latest, reason)
    finally:
        cache.delete(key)


def _rendered(edition_id: int) -> ReportEdition:
    """The edition rendered (a finished one is returned as it is). If another worker is rendering it (a
    request from the editions page, or the beat task's restart, joined by this publication), wait while that
    worker beats; if it dies, run_edition takes the render over (or the beat task has failed it: None is
    published, and publishing again retries)."""
    while True:
        edition = run_edition(edition_id)
        if not edition.in_flight:
            return edition
        time.sleep(WAIT_SECONDS)


def _complete(cycle: Cycle, edition: ReportEdition, snapshot: CycleSnapshot, decision: ValidationDecision, user,
              previous: Publication | None, reason: str) -> Publication:
    """Store the open data and the Publication; call inside a transaction holding the cycle row locked."""
    if edition.state != ReportEdition.State.DONE or edition.snapshot_id != snapshot.pk or edition.variant != VARIANT:
        raise ValidationError(_("L'edizione PDF/A non è stata composta dall'istantanea validata."))
    if file_sha256(edition.file) != edition.sha256:
        raise ValidationError(_("Il file dell'edizione PDF/A non corrisponde alla sua impronta SHA-256."))
    if file_sha256(decision.document) != decision.document_sha256:
        raise ValidationError(_("Il documento di validazione non corrisponde alla sua impronta SHA-256."))
    number = (Publication.objects.filter(cycle=cycle).aggregate(n=Max("number"))["n"] or 0) + 1
    published_at = timezone.now()
    rows = result_rows(cycle)
    csv_bytes = opendata.results_csv(rows, snapshot_sha256=snapshot.sha256)
    json_bytes = opendata.results_json(rows, entity_code=cycle.entity.code, entity_name=cycle.entity.name,
                                       year=cycle.year, number=number, snapshot_sha256=snapshot.sha256,
                                       published_at=published_at)
    publication = Publication(
        cycle=cycle, number=number, snapshot=snapshot, decision=decision, edition=edition,
        results_csv_sha256=hashlib.sha256(csv_bytes).hexdigest(),
        results_json_sha256=hashlib.sha256(json_bytes).hexdigest(),
        supersedes=previous, correction_reason=reason if previous else "", published_by=user,
        published_at=published_at)
    stem = f"risultati-{cycle.entity.code}-{cycle.year}-{number}"
    written: list[FieldFile] = []
    try:
        with transaction.atomic():
            publication.results_csv.save(f"{stem}.csv", ContentFile(csv_bytes), save=False)
            written.append(publication.results_csv)
            publication.results_json.save(f"{stem}.json", ContentFile(json_bytes), save=False)
            written.append(publication.results_json)
            publication.save()
            if previous is None:
                transition_cycle(cycle, S.PUBLISHED, acting_user=user,
                                 note=_("Pubblicazione n. %(n)d") % {"n": number})
    except BaseException:
        # No row, no files: what is not fully published must not linger next to what is.
        for field in written:
            field.storage.delete(field.name)
        raise
    logger.info("cycle %s: publication %s (edition %s)", cycle.pk, number, edition.pk)
    return publication
