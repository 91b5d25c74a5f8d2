"""One rule against circular unit parents, for the admin and the importer alike (issue 15, item 17)."""
from __future__ import annotations

import pytest

from organization.models import OrgUnit
from performance.importer import ImportFailed, import_plan
from tests.conftest import read_sheet, write_sheet
from tests.helpers import client_for


def _form_data(unit: OrgUnit, **changes) -> dict:
    data = {"entity": unit.entity_id, "code": unit.code, "name": unit.name, "kind": unit.kind,
            "parent": unit.parent_id or "", "head_name": unit.head_name, "head": unit.head_id or "",
            "position": unit.position,
            # the children inline, unchanged
            "children-TOTAL_FORMS": "0", "children-INITIAL_FORMS": "0"}
    data.update(changes)
    return data


@pytest.mark.parametrize("username", ["admin", "struttura"])
def test_admin_refuses_to_put_a_unit_under_its_own_descendant(demo_cycle, username):
    area = OrgUnit.objects.get(entity=demo_cycle.entity, code="AREA-SG")
    below = OrgUnit.objects.get(entity=demo_cycle.entity, code="PROM")  # a service of AREA-SG
    before = area.parent_id
    response = client_for(username).post(f"/admin/organization/orgunit/{area.pk}/change/",
                                         _form_data(area, parent=below.pk))
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "La gerarchia delle unità conterrebbe un ciclo" in str(errors)
    area.refresh_from_db()
    assert area.parent_id == before


def test_admin_still_moves_a_unit_under_another_branch(demo_cycle):
    unit = OrgUnit.objects.get(entity=demo_cycle.entity, code="PROM")
    other_area = OrgUnit.objects.get(entity=demo_cycle.entity, code="AREA-ARM")
    response = client_for("admin").post(f"/admin/organization/orgunit/{unit.pk}/change/",
                                        _form_data(unit, parent=other_area.pk))
    assert response.status_code == 302
    unit.refresh_from_db()
    assert unit.parent_id == other_area.pk


@pytest.mark.parametrize("prom_in_sheet", [True, False], ids=["loop-in-the-sheet", "loop-through-the-database"])
def test_import_refuses_a_loop_of_units(demo_cycle, demo_copy, prom_in_sheet):
    # Without PROM in the sheet it stays in the database under AREA-SG: moving AREA-SG under it closes a
    # loop the sheet alone does not show.
    rows = [r for r in read_sheet(demo_copy, "unita") if prom_in_sheet or r["codice"] != "PROM"]
    for r in rows:
        if r["codice"] == "AREA-SG":
            r["padre"] = "PROM"
    write_sheet(demo_copy, "unita", rows)
    with pytest.raises(ImportFailed) as failed:
        import_plan(demo_copy, year=2023, entity=demo_cycle.entity)
    assert "la gerarchia delle unità contiene un ciclo" in str(failed.value)
    assert OrgUnit.objects.get(entity=demo_cycle.entity, code="AREA-SG").parent.code == "CCIAA-BG"
