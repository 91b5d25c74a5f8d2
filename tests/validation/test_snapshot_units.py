"""The org units stay editable while a cycle is under validation (next year's plan needs them), and that
must not break this year's frozen snapshot: the snapshot keeps its own copy of the chart it froze, verifies
it by its hash, and the Relazione of a frozen cycle draws that copy."""
from __future__ import annotations

import pytest

from organization.models import OrgUnit
from performance.importer import import_plan
from performance.models import Cycle
from performance.snapshot import current_snapshot, snapshot_differences, verify_snapshot
from performance.workflow import transition_cycle
from reports.content.sections import build_sections
from validation.models import Publication

from ..conftest import read_sheet, write_sheet
from .conftest import user
from .test_publication import publish_now

pytestmark = pytest.mark.django_db


def org_chart_html(cycle: Cycle) -> str:
    return next(s.html for s in build_sections(cycle) if s.kind == "org_chart")


def decide_validated(cycle: Cycle) -> None:
    """The OIV's positive decision on the snapshot under review, with its document (as in conftest.validate)."""
    import hashlib

    from django.core.files.base import ContentFile
    from django.utils import timezone

    from validation.models import ValidationDecision

    from .conftest import DOCUMENT

    decision = ValidationDecision(cycle=cycle, snapshot=current_snapshot(cycle),
                                  outcome=ValidationDecision.Outcome.VALIDATED, decided_by=user("oiv"),
                                  decided_at=timezone.now(), document_sha256=hashlib.sha256(DOCUMENT).hexdigest())
    decision.document.save("validazione-2023.pdf", ContentFile(DOCUMENT), save=False)
    decision.save()
    transition_cycle(cycle, Cycle.State.VALIDATED, acting_user=user("oiv"))


def test_next_years_plan_adding_a_unit_leaves_this_years_snapshot_verified_and_publishable(
        under_review, demo_copy, real_render, run_tasks, django_capture_on_commit_callbacks):
    units = read_sheet(demo_copy, "unita")
    units.append({"codice": "INNOV", "nome": "Innovazione digitale", "tipo": "servizio", "padre": "AREA-SG",
                  "responsabile": "Nuova responsabile", "ordine": "15"})
    write_sheet(demo_copy, "unita", units)
    write_sheet(demo_copy, "valori", [], header=list(read_sheet(demo_copy, "valori")[0]))
    import_plan(demo_copy, year=2024, entity=under_review.entity)
    assert OrgUnit.objects.filter(entity=under_review.entity, code="INNOV").exists()

    snapshot = current_snapshot(under_review)
    assert verify_snapshot(snapshot) and snapshot_differences(snapshot) == []
    assert "Innovazione digitale" not in org_chart_html(under_review)  # the chart as it was frozen
    decide_validated(under_review)
    publish_now(under_review, django_capture_on_commit_callbacks)
    assert Cycle.objects.get(pk=under_review.pk).state == Cycle.State.PUBLISHED
    assert Publication.objects.get(cycle=under_review).edition.snapshot_id == snapshot.pk


def test_an_admin_edit_of_a_units_head_leaves_the_snapshot_verified_and_the_relazione_shows_the_frozen_head(
        under_review, as_user):
    unit = OrgUnit.objects.get(entity=under_review.entity, code="AREA-GR")
    assert "Segretario generale (ad interim)" in org_chart_html(under_review)
    response = as_user("admin").post(f"/admin/organization/orgunit/{unit.pk}/change/", {
        "entity": unit.entity_id, "code": unit.code, "name": unit.name, "kind": unit.kind,
        "parent": unit.parent_id, "head_name": "Maria Bianchi", "head": user("dirigente").pk,
        "position": unit.position,
        "children-TOTAL_FORMS": "0", "children-INITIAL_FORMS": "0",
        "children-MIN_NUM_FORMS": "0", "children-MAX_NUM_FORMS": "1000",
    })
    assert response.status_code == 302, response.content.decode()[:2000]
    unit.refresh_from_db()
    assert (unit.head_name, unit.head.username) == ("Maria Bianchi", "dirigente")

    snapshot = current_snapshot(under_review)
    assert verify_snapshot(snapshot) and snapshot_differences(snapshot) == []
    chart = org_chart_html(under_review)
    assert "Segretario generale (ad interim)" in chart and "Maria Bianchi" not in chart
    # The OIV's workspace does not flag the snapshot as altered.
    page = as_user("oiv").get(f"/cicli/{under_review.pk}/validazione/").content.decode()
    assert "I dati nel sistema corrispondono all&#x27;impronta." in page or "corrispondono all'impronta" in page
    assert "non verificata" not in page


def test_a_unit_copy_altered_inside_the_stored_snapshot_is_noticed(under_review):
    snapshot = current_snapshot(under_review)
    snapshot.data["organization"]["units"][0]["head_name"] = "Falsificato"
    assert not verify_snapshot(snapshot)
