"""In-year changes to the plan: past planning they need date, formal act and reason on every path that
edits the plan (import, admin), are recorded, and appear in the Relazione."""
from __future__ import annotations

import datetime

import pytest

from performance.importer import ImportFailed, import_plan
from performance.models import Cycle, Indicator, PlanChange
from performance.plan_changes import ChangeAct
from reports.content.sections import build_sections
from tests.conftest import read_sheet, write_sheet

pytestmark = pytest.mark.django_db
ACT = ChangeAct(datetime.date(2023, 5, 3), "Determinazione n. 12 del 3/5/2023", "Nuove risorse assegnate")


def _new_target(folder, code="1.5.03.04", target="99%"):
    rows = read_sheet(folder, "indicatori")
    for r in rows:
        if r["codice"] == code:
            old, r["target"] = r["target"], target
    write_sheet(folder, "indicatori", rows)
    return old


def test_importing_a_changed_target_past_planning_needs_the_act(demo_cycle, demo_copy):
    _new_target(demo_copy)
    with pytest.raises(ImportFailed, match="atto formale"):
        import_plan(demo_copy, year=2023, entity=demo_cycle.entity)
    assert not PlanChange.objects.exists()
    assert Indicator.objects.get(cycle=demo_cycle, code="1.5.03.04").target_raw != "99%"


def test_importing_a_changed_target_with_its_act_records_the_change(demo_cycle, demo_copy):
    old = _new_target(demo_copy)
    import_plan(demo_copy, year=2023, entity=demo_cycle.entity, change_act=ACT)
    change = PlanChange.objects.get(cycle=demo_cycle)
    assert (change.object_code, change.field, change.old_value, change.new_value) == (
        "1.5.03.04", "risultato atteso", old, "99%")
    assert (change.act, change.reason, change.changed_on) == (ACT.act, ACT.reason, ACT.changed_on)


def test_an_incomplete_act_names_the_missing_field(demo_cycle, demo_copy):
    _new_target(demo_copy)
    with pytest.raises(ImportFailed, match="Motivazione: campo obbligatorio"):
        import_plan(demo_copy, year=2023, entity=demo_cycle.entity,
                    change_act=ChangeAct(datetime.date(2023, 5, 3), "Det. 12", ""))


def test_in_planning_changes_need_no_act(demo_cycle, demo_copy):
    Cycle.objects.filter(pk=demo_cycle.pk).update(state=Cycle.State.PLANNING)
    _new_target(demo_copy)
    import_plan(demo_copy, year=2023, entity=demo_cycle.entity)
    assert not PlanChange.objects.exists()


def test_admin_change_of_a_weight_past_planning_asks_for_the_act_then_records_it(demo_cycle, as_user):
    indicator = Indicator.objects.get(cycle=demo_cycle, code="1.5.03.04")
    client = as_user("admin")
    url = f"/admin/performance/indicator/{indicator.pk}/change/"
    form = {"cycle": demo_cycle.pk, "operational_objective": indicator.operational_objective_id, "code": indicator.code,
            "name": indicator.name, "algorithm": indicator.algorithm, "kind": indicator.kind,
            "direction": indicator.direction, "unit_of_measure": indicator.unit_of_measure,
            "target_raw": indicator.target_raw, "weight": "42", "source": indicator.source,
            "position": indicator.position,
            **{f"{prefix}-{k}": v for prefix in ("assignments", "measurements")
               for k, v in (("TOTAL_FORMS", "0"), ("INITIAL_FORMS", "0"))}}
    refused = client.post(url, form)
    assert refused.status_code == 200 and "Atto formale: campo obbligatorio" in refused.content.decode()
    assert Indicator.objects.get(pk=indicator.pk).weight != 42
    done = client.post(url, {**form, "changed_on": "2023-05-03", "act": "Det. 12/2023", "reason": "Ripesatura"})
    assert done.status_code == 302
    change = PlanChange.objects.get(cycle=demo_cycle)
    assert (change.field, change.new_value, change.act, change.recorded_by.username) == (
        "peso", "42", "Det. 12/2023", "admin")


def test_plan_changes_are_listed_in_the_relazione(demo_cycle):
    PlanChange.objects.create(cycle=demo_cycle, changed_on=datetime.date(2023, 5, 3), act="Determinazione n. 12",
                              reason="Nuove risorse", object_kind="indicator", object_code="1.5.03.04",
                              field="risultato atteso", old_value="95%", new_value="99%")
    sections = {s.key: s for s in build_sections(demo_cycle)}
    html = sections["variazioni-piano"].html
    assert "Determinazione n. 12" in html and "95% → 99%" in html and "Nuove risorse" in html


def test_without_changes_the_relazione_says_so(demo_cycle):
    html = {s.key: s for s in build_sections(demo_cycle)}["variazioni-piano"].html
    assert "non sono intervenute variazioni" in html


def test_no_plan_change_is_recorded_once_frozen(demo_cycle):
    from performance.freeze import CycleFrozen

    Cycle.objects.filter(pk=demo_cycle.pk).update(state=Cycle.State.UNDER_VALIDATION)
    with pytest.raises(CycleFrozen):
        PlanChange.objects.create(cycle=demo_cycle, changed_on=datetime.date(2023, 5, 3), act="x", reason="y",
                                  object_kind="indicator", object_code="1", field="peso")
