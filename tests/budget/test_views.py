"""The context pages as the struttura tecnica uses them: the seed's chapter 1 figures, computed, with the
seed's own inconsistencies flagged; the workbook downloaded, corrected and uploaded back, all or nothing."""
from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from organization.models import StaffCount
from performance.models import Cycle
from tests.helpers import client_for

pytestmark = pytest.mark.django_db


def url(cycle, name: str = "") -> str:
    return f"/cicli/{cycle.pk}/contesto/{name}"


def text(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def test_resources_page_computes_totals_differences_and_flags_the_seeds_line_5(demo_cycle):
    page = text(client_for("struttura").get(url(demo_cycle, "risorse-economiche/")))
    # Seed: diritto annuale 12.765.200 → 13.232.118, scostamento 466.918.
    assert "12.765.200" in page and "13.232.118" in page and "466.918" in page
    # Totale oneri correnti (B) adds up in the seed: 20.695.700 / 19.825.572 / -870.128.
    assert "20.695.700" in page and "19.825.572" in page and "-870.128" in page
    # Line 5 is printed 8.680 while the printed total A (20.105.042) only holds with -8.680: flagged.
    assert "20.105.042" in page and "20.122.402" in page
    assert "n.s." in page
    assert "<svg" in page and 'role="img"' in page  # preventivo vs consuntivo chart


def test_indices_are_computed_from_components_with_their_formula(demo_cycle):
    page = text(client_for("struttura").get(url(demo_cycle, "risorse-economiche/")))
    for printed in ("4,38%", "3,24%", "1,64", "1,53", "4,50", "4,33", "95,75%", "48,17%"):
        assert printed in page, printed
    assert "Formula" in page


def test_participations_show_the_share_computed_from_capital_and_nominal_value(demo_cycle):
    page = text(client_for("struttura").get(url(demo_cycle, "risorse-economiche/")))
    assert "BERGAMO FIERA NUOVA" in page and "48,83%" in page


def test_staff_page_shows_the_seeds_table_totals_and_the_gender_chart(demo_cycle):
    page = text(client_for("struttura").get(url(demo_cycle, "personale/")))
    assert "Funzionari ed EQ" in page and ">91<" in page and ">68<" in page and ">23<" in page
    assert "87,34" in page  # the FTE the seed declares
    assert page.count("<svg") >= 1


def test_gender_section_has_the_seeds_part_time_absence_and_parental_leave_tables(demo_cycle):
    page = text(client_for("struttura").get(url(demo_cycle, "personale/")))
    assert "Bilancio di genere" in page
    assert "73%" in page and "27%" in page and "75%" in page  # part-time and in-service shares (seed 2.5)
    assert "1.377" in page  # absences total: 707 + 0 + 87 + 583
    assert ">89<" in page  # 2022 in service computed (the seed prints 87 while its rows add up to 89)
    assert "non coincidono" not in page  # parental leave 20 + 67 + 0 = the absences' 87


def test_an_azienda_speciale_with_its_own_conto_economico_gets_its_own_table(demo_cycle):
    from budget.models import BudgetLine
    from organization.models import OrgUnit

    agency = OrgUnit.objects.get(entity=demo_cycle.entity, kind=OrgUnit.Kind.SPECIAL_AGENCY)
    BudgetLine.objects.create(entity=demo_cycle.entity, year=2023, subject=agency, section="A", code="1",
                              label="Proventi da servizi", forecast=1000, actual=1250)
    page = text(client_for("struttura").get(url(demo_cycle, "risorse-economiche/")))
    assert f"L&#x27;azienda speciale: {agency.name}" in page or f"L'azienda speciale: {agency.name}" in page
    assert "1.250" in page and "25,0%" in page


def test_economy_page_lists_the_seeds_tables_with_their_sources(demo_cycle):
    page = text(client_for("oiv").get(url(demo_cycle, "quadro-economico/")))
    assert "Forze" in page and "Infocamere" in page and "91.431" in page and "505,7" in page


def test_organs_page_has_the_organs_and_an_org_chart_of_every_unit(demo_cycle):
    page = text(client_for("dirigente").get(url(demo_cycle, "organi/")))
    assert "Consiglio" in page and "Giunta" in page and "Collegio dei revisori" in page
    assert "Registro imprese" in page or "REGISTRO IMPRESE" in page.upper()
    assert 'role="img"' in page


def test_overview_lists_the_checks_of_every_section(demo_cycle):
    page = text(client_for("struttura").get(url(demo_cycle)))
    assert "20.122.402" in page  # the total A mismatch
    assert "Carica e sostituisci" in page


def test_oiv_and_dirigente_read_but_see_no_upload_form(demo_cycle):
    for user in ("oiv", "dirigente"):
        page = text(client_for(user).get(url(demo_cycle)))
        assert "Carica e sostituisci" not in page


def _download(client, cycle) -> bytes:
    response = client.get(url(cycle, "file/"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    return response.content


def _upload(client, cycle, data: bytes, name: str = "contesto.xlsx"):
    return client.post(url(cycle, "file/"), {"file": SimpleUploadedFile(name, data)})


def _staff_snapshot(cycle) -> list[tuple]:
    return list(StaffCount.objects.filter(entity=cycle.entity).order_by("year", "category", "gender", "contract")
                .values_list("year", "category", "gender", "contract", "part_time_percent", "headcount"))


def test_download_then_upload_unchanged_keeps_every_figure(demo_cycle):
    client = client_for("struttura")
    before = _staff_snapshot(demo_cycle)
    response = _upload(client, demo_cycle, _download(client, demo_cycle))
    assert response.status_code == 302
    assert _staff_snapshot(demo_cycle) == before
    assert "caricati" in text(client.get(url(demo_cycle)))


def test_a_broken_upload_names_sheet_row_and_column_and_changes_nothing(demo_cycle):
    client = client_for("struttura")
    wb = load_workbook(io.BytesIO(_download(client, demo_cycle)))
    ws = wb["personale"]
    header = [c.value for c in ws[1]]
    ws.cell(row=2, column=header.index("dipendenti") + 1, value="molti")
    buffer = io.BytesIO()
    wb.save(buffer)
    before = _staff_snapshot(demo_cycle)
    response = _upload(client, demo_cycle, buffer.getvalue())
    assert response.status_code == 422
    page = response.content.decode()
    assert "personale" in page and ">2<" in page and "dipendenti" in page and "nessun dato è stato modificato" in page
    assert _staff_snapshot(demo_cycle) == before


def test_uploads_of_the_wrong_kind_are_refused_with_a_message(demo_cycle):
    client = client_for("struttura")
    response = _upload(client, demo_cycle, b"not a workbook", name="note.txt")
    assert response.status_code == 422 and "Formato non ammesso" in response.content.decode()
    response = client.post(url(demo_cycle, "file/"), {})
    assert response.status_code == 422 and "Scegliere il file" in response.content.decode()


def test_a_frozen_cycle_refuses_uploads(demo_cycle):
    client = client_for("struttura")
    data = _download(client, demo_cycle)
    Cycle.objects.filter(pk=demo_cycle.pk).update(state=Cycle.State.UNDER_VALIDATION)
    response = _upload(client, demo_cycle, data)
    assert response.status_code == 403 and "non si possono più modificare" in response.content.decode()


def test_service_heads_and_other_entities_get_no_context_data(demo_cycle, other_entity):
    assert client_for("resp.ri").get(url(demo_cycle)).status_code == 403
    other = Cycle.objects.create(entity=other_entity, year=2023)
    assert client_for("struttura").get(url(other)).status_code == 404


def test_the_admin_refuses_an_index_formula_it_cannot_read(demo_cycle):
    from budget.models import BalanceIndex

    index = BalanceIndex.objects.filter(entity=demo_cycle.entity).first()
    before = index.formula
    client = client_for("admin")
    path = f"/admin/budget/balanceindex/{index.pk}/change/"
    form = {f: getattr(index, f) for f in ("year", "group", "code", "label", "format", "decimals", "position")}
    response = client.post(path, {**form, "entity": index.entity_id, "formula": "risultato_esercizio / (patrimonio"})
    assert response.status_code == 200 and "Formula «" in response.content.decode()  # the parser's message
    index.refresh_from_db()
    assert index.formula == before
