"""No edit after the freeze, on every path: model save/delete, querysets, bulk writers, admin, importers,
pages and the API. The cycle is frozen here by a queryset update, as a sent-to-validation cycle is."""
from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from budget.importer import import_context
from budget.models import BudgetLine
from organization.models import ContextRow, Organ, StaffYear
from performance import bulk
from performance.freeze import CycleFrozen
from performance.models import Assignment, Cycle, Indicator, Measurement, Period, Perspective
from performance.recompute import recompute_cycle
from reports.models import ReportSection
from tests.conftest import DEMO_DIR

pytestmark = pytest.mark.django_db


@pytest.fixture
def frozen(demo_cycle):
    Cycle.objects.filter(pk=demo_cycle.pk).update(state=Cycle.State.UNDER_VALIDATION)
    demo_cycle.refresh_from_db()
    return demo_cycle


@pytest.fixture
def indicator(demo_cycle):
    return Indicator.objects.get(cycle=demo_cycle, code="1.5.03.04")


def test_saving_or_deleting_plan_rows_of_a_frozen_cycle_is_refused(frozen, indicator):
    indicator.target_raw = "99"
    with pytest.raises(CycleFrozen, match="congelati"):
        indicator.save()
    assignment = Assignment.objects.filter(indicator=indicator).first()
    with pytest.raises(CycleFrozen):
        assignment.delete()
    with pytest.raises(CycleFrozen):
        Perspective.objects.create(cycle=frozen, code="X", name="Nuova")
    assert Indicator.objects.get(pk=indicator.pk).target_raw != "99"


def test_a_cycle_object_held_since_before_the_freeze_does_not_let_a_write_through(demo_cycle, indicator):
    indicator.cycle  # loaded while the cycle was still in reporting
    Cycle.objects.filter(pk=demo_cycle.pk).update(state=Cycle.State.UNDER_VALIDATION)
    indicator.name = "Cambiato"
    with pytest.raises(CycleFrozen):
        indicator.save()


def test_queryset_and_bulk_writes_on_a_frozen_cycle_are_refused(frozen, indicator):
    with pytest.raises(CycleFrozen):
        Indicator.objects.filter(cycle=frozen).update(weight=1)
    with pytest.raises(CycleFrozen):
        Measurement.objects.filter(period__cycle=frozen).delete()
    with pytest.raises(CycleFrozen):
        Perspective.objects.bulk_create([Perspective(cycle=frozen, code="Z", name="Z")])
    indicator.weight = 7
    with pytest.raises(CycleFrozen):
        bulk.update(Indicator, [indicator], ["weight"])
    with pytest.raises(CycleFrozen):
        Period.objects.filter(cycle=frozen).update(locked=True)
    assert not Indicator.objects.filter(cycle=frozen, weight=1).exists()


def test_a_value_of_a_frozen_cycle_cannot_change(frozen, indicator, period):
    measurement = Measurement.objects.get(indicator=indicator, period=period)
    measurement.raw_value = "1"
    with pytest.raises(ValidationError):
        measurement.save()


def test_the_cycle_itself_is_frozen_and_its_state_moves_only_through_the_workflow(demo_cycle):
    demo_cycle.state = Cycle.State.VALIDATED
    with pytest.raises(ValidationError, match="passaggio di stato"):
        demo_cycle.save()
    Cycle.objects.filter(pk=demo_cycle.pk).update(state=Cycle.State.UNDER_VALIDATION)
    demo_cycle.refresh_from_db()
    demo_cycle.rules = {**demo_cycle.rules, "cap": 120}
    with pytest.raises(CycleFrozen):
        demo_cycle.save()
    with pytest.raises(CycleFrozen):
        Cycle.objects.filter(pk=demo_cycle.pk).update(state=Cycle.State.REPORTING)


def test_context_data_of_the_year_and_of_the_year_before_is_frozen(frozen):
    organ = Organ.objects.filter(entity=frozen.entity, year=2023).first()
    organ.name = "Altro"
    with pytest.raises(CycleFrozen):
        organ.save()
    # The 2023 Relazione compares with 2022: those rows are frozen too.
    with pytest.raises(CycleFrozen):
        StaffYear.objects.filter(entity=frozen.entity, year=2022).update(note="x")
    with pytest.raises(CycleFrozen):
        ContextRow.objects.filter(table__entity=frozen.entity, table__year=2023).delete()
    with pytest.raises(CycleFrozen):
        BudgetLine.objects.filter(entity=frozen.entity, year=2023).update(actual=0)
    # 2024 is read by no frozen cycle.
    StaffYear.objects.create(entity=frozen.entity, year=2024, note="ok")


def test_results_of_a_frozen_cycle_are_not_recomputed(frozen):
    with pytest.raises(CycleFrozen):
        recompute_cycle(frozen.pk)
    with pytest.raises(CommandError, match="congelati"):
        call_command("recompute", cycle=2023)


def test_plan_import_into_a_frozen_cycle_writes_nothing(frozen):
    from performance.importer import ImportFailed, import_plan

    with pytest.raises(ImportFailed, match="congelati"):
        import_plan(DEMO_DIR, year=2023, entity=frozen.entity)


def test_context_import_replacing_a_frozen_year_names_the_sheet(frozen):
    from performance.importer import ImportFailed

    with pytest.raises(ImportFailed) as failure:
        import_context(DEMO_DIR / "contesto", year=2023, entity=frozen.entity)
    assert "foglio «organi»" in str(failure.value) and "congelati" in str(failure.value)


def test_context_page_upload_is_refused_once_frozen(frozen, as_user):
    client = as_user("struttura")
    with (DEMO_DIR / "contesto" / "organi.csv").open("rb") as fh:
        response = client.post(f"/cicli/{frozen.pk}/contesto/file/", {"file": fh})
    assert response.status_code == 403


def test_admin_change_form_of_a_frozen_indicator_is_read_only_and_refuses_a_post(frozen, indicator, as_user):
    client = as_user("admin")
    url = f"/admin/performance/indicator/{indicator.pk}/change/"
    page = client.get(url)
    assert page.status_code == 200 and "Sola lettura" in page.content.decode()
    response = client.post(url, {"name": "Cambiato", "code": indicator.code, "kind": indicator.kind})
    assert response.status_code == 403
    assert Indicator.objects.get(pk=indicator.pk).name == indicator.name


def test_admin_add_form_into_a_frozen_cycle_shows_why(frozen, as_user):
    client = as_user("admin")
    response = client.post("/admin/organization/organ/add/", {
        "entity": frozen.entity_id, "year": 2023, "position": 9, "kind": "altro", "name": "Tardivo"})
    assert response.status_code == 200
    assert "congelati" in response.content.decode()
    assert not Organ.objects.filter(name="Tardivo").exists()


def test_admin_budget_line_of_a_frozen_year_refuses_a_post(frozen, as_user):
    line = BudgetLine.objects.filter(entity=frozen.entity, year=2023).first()
    response = as_user("admin").post(f"/admin/budget/budgetline/{line.pk}/change/", {"label": "x"})
    assert response.status_code == 403


def test_measurement_api_refuses_a_frozen_cycle(frozen, period, as_user):
    response = as_user("resp.ri").post("/api/v1/measurements/", {
        "cycle": frozen.pk, "indicator": "1.5.03.04", "period": period.code, "value": "5", "version": None},
        content_type="application/json")
    assert response.status_code == 403
    assert "congelato" in response.json()["detail"]


def test_scorecard_row_save_is_refused_once_frozen(frozen, period, indicator, as_user):
    before = Measurement.objects.get(indicator=indicator, period=period).raw_value
    response = as_user("resp.ri").post(f"/cicli/{frozen.pk}/schede/RI/righe/{indicator.code}/",
                                       {"value": "1"}, HTTP_HX_REQUEST="true")
    assert response.status_code in (403, 422)
    assert Measurement.objects.get(indicator=indicator, period=period).raw_value == before


def test_report_section_edit_is_refused_once_frozen(frozen, as_user):
    response = as_user("struttura").post(f"/cicli/{frozen.pk}/relazione/sezioni/premessa/",
                                         {"narrative": "Tardiva"})
    assert response.status_code == 409
    assert ReportSection.objects.get(cycle=frozen, layout="seed", key="premessa").narrative != "Tardiva"


def test_a_draft_cycle_stays_writable(demo_cycle, indicator):
    indicator.source = "Registro"
    indicator.save()
    assert Indicator.objects.get(pk=indicator.pk).source == "Registro"
    assert Cycle.objects.get(pk=demo_cycle.pk).relazione_due == datetime.date(2024, 6, 30)
