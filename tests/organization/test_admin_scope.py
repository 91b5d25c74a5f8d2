"""The admin keeps each entity's data to its own staff (issue 15, item 2).

Entity B gets the demo plan and context too, plus one record of each workflow model, so every model
registered in the admin has objects of B. The walk goes through admin.site._registry: a model registered
later is covered without touching this file. `struttura` is staff (Struttura tecnica) of the demo entity
only; every object of B must be invisible to them: not listed, not filterable, not offered as a choice,
404 on its own pages.
"""
from __future__ import annotations

import datetime
import json

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.forms import ModelChoiceField
from django.utils import timezone

from budget.importer import import_context
from organization.models import Entity, Membership, OrgUnit, Role, StaffBreakdown
from performance.importer import import_plan
from performance.models import (
    Cycle, CycleSnapshot, CycleTransition, Indicator, Level, Measurement, Override, PlanChange,
)
from tests.conftest import DEMO_DIR

B_NAME = "Ente Beta della prova di isolamento"


def _all_pks() -> dict[type, set]:
    return {model: set(model._base_manager.values_list("pk", flat=True)) for model in apps.get_models()}


@pytest.fixture
def entity_b(db) -> dict[type, list]:
    """Entity B with data in every model; returns, per model, the pks created for B (and only B)."""
    before = _all_pks()
    entity = Entity.objects.create(code="ente-beta", name=B_NAME)
    cycle = import_plan(DEMO_DIR, year=2023, entity=entity).cycle
    import_context(DEMO_DIR / "contesto", year=2023, entity=entity)
    bob = get_user_model().objects.create(username="bob.beta", is_staff=True)
    Membership.objects.create(user=bob, entity=entity, role=Role.STRUTTURA_TECNICA)
    indicator = Indicator.objects.filter(cycle=cycle).first()
    Override.objects.create(cycle=cycle, level=Level.INDICATOR, object_id=indicator.pk, value=90,
                            justification="prova", requested_by=bob)
    snapshot = CycleSnapshot.objects.create(cycle=cycle, number=1, created_by=bob, data={}, sha256="0" * 64)
    CycleTransition.objects.create(cycle=cycle, from_state="planning", to_state="monitoring", user=bob,
                                   at=timezone.now(), snapshot=snapshot)
    PlanChange.objects.create(cycle=cycle, changed_on=datetime.date(2023, 6, 1), act="Det. 1/2023", reason="prova",
                              object_kind="indicator", object_code=indicator.code, field="peso", old_value="1",
                              new_value="2", recorded_by=bob)
    # the demo context has no breakdown sheet
    StaffBreakdown.objects.create(entity=entity, year=2023, dimension="eta", bucket="30-39", gender="F", headcount=3)
    after = _all_pks()
    return {model: sorted(after[model] - before[model]) for model in after if after[model] - before[model]}


@pytest.fixture
def staff(client, db):
    client.force_login(get_user_model().objects.get(username="struttura"))
    return client


def _url(model, view: str, *args) -> str:
    from django.urls import reverse

    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def _walk(staff) -> list[tuple[type, admin.ModelAdmin]]:
    """Registered admins the staff user may open at all; the others must refuse them outright."""
    opened = []
    for model, model_admin in admin.site._registry.items():
        response = staff.get(_url(model, "changelist"))
        assert response.status_code in (200, 403), f"{model.__name__}: {response.status_code}"
        if response.status_code == 200:
            opened.append((model, model_admin))
    assert len(opened) >= 25, "the Struttura tecnica works in most of the admin"
    return opened


def test_every_admin_changelist_hides_another_entitys_objects(staff, entity_b):
    failures = []
    for model, model_admin in _walk(staff):
        ours = entity_b.get(model)
        assert ours, f"entity B has no {model.__name__}: the fixture must cover every admin model"
        response = staff.get(_url(model, "changelist"))
        listed = response.context["cl"].queryset.filter(pk__in=ours)
        if listed.exists():
            failures.append(f"{model.__name__}: lists {listed.count()} objects of B")
        # The filters' choices (entities, cycles, units…) do not name B or its objects.
        if B_NAME in response.content.decode():
            failures.append(f"{model.__name__}: the page names entity B")
        # Filtering by B's related ids shows nothing either.
        obj = model._base_manager.get(pk=ours[0])
        for spec in response.context["cl"].filter_specs:
            field = getattr(spec, "field", None)
            if field is None or not field.is_relation or not hasattr(spec, "lookup_kwarg"):
                continue
            value = _value_at(obj, spec.field_path)
            if value is None:
                continue
            filtered = staff.get(_url(model, "changelist"), {spec.lookup_kwarg: value})
            if filtered.status_code == 200 and filtered.context["cl"].result_count:
                failures.append(f"{model.__name__}: ?{spec.lookup_kwarg}={value} shows B's objects")
    assert failures == []


def _value_at(obj, path: str):
    """The pk reached from obj along an admin field path ("cycle", "strategic_objective__perspective")."""
    target = obj
    for name in path.split("__"):
        target = getattr(target, name, None)
        if target is None:
            return None
    return target.pk


def test_change_delete_and_history_of_another_entitys_object_answer_404(staff, entity_b):
    failures = []
    for model, _model_admin in _walk(staff):
        pk = entity_b[model][0]
        for view in ("change", "delete", "history"):
            response = staff.get(_url(model, view, pk))
            if response.status_code not in (403, 404):
                failures.append(f"{model.__name__} {view}: {response.status_code}")
        response = staff.post(_url(model, "delete", pk), {"post": "yes"})
        if response.status_code not in (403, 404):
            failures.append(f"{model.__name__} delete POST: {response.status_code}")
        if not model._base_manager.filter(pk=pk).exists():
            failures.append(f"{model.__name__}: B's object was deleted")
    assert failures == []


def _choice_fields(response):
    """Every model choice field of the add/change form and of its inlines."""
    forms = [response.context["adminform"].form]
    for formset in response.context["inline_admin_formsets"]:
        forms += [formset.formset.empty_form, *formset.formset.forms]
    for form in forms:
        for name, field in form.fields.items():
            # (a formset's hidden pk field is not a choice: rows are looked up in the formset's own queryset)
            if isinstance(field, ModelChoiceField) and name != form._meta.model._meta.pk.name:
                yield form, name, field


def test_add_forms_and_autocompletes_offer_nothing_of_another_entity(staff, entity_b):
    failures = []
    for model, model_admin in _walk(staff):
        response = staff.get(_url(model, "add"))
        if response.status_code == 403:
            continue
        for form, name, field in _choice_fields(response):
            foreign = entity_b.get(field.queryset.model, [])
            if field.queryset.filter(pk__in=foreign).exists():
                failures.append(f"{model.__name__}/{type(form).__name__}.{name} offers B's objects")
        for name in model_admin.get_autocomplete_fields(None):
            target = model._meta.get_field(name).related_model
            found = staff.get("/admin/autocomplete/", {"app_label": model._meta.app_label,
                                                       "model_name": model._meta.model_name, "field_name": name})
            if found.status_code != 200:
                continue
            ids = {int(r["id"]) for r in json.loads(found.content)["results"]}
            if ids & set(entity_b.get(target, [])):
                failures.append(f"{model.__name__}.{name} autocomplete lists B's objects")
    assert failures == []


def test_adding_with_another_entitys_foreign_key_is_a_form_error(staff, entity_b):
    b_entity = Entity.objects.get(name=B_NAME)
    response = staff.post(_url(OrgUnit, "add"), {
        "entity": b_entity.pk, "code": "INFILTRATA", "name": "Unità infiltrata", "kind": "servizio", "position": 1,
        "children-TOTAL_FORMS": "0", "children-INITIAL_FORMS": "0"})
    assert not OrgUnit.objects.filter(code="INFILTRATA").exists()
    assert response.status_code == 200 and "entity" in response.context["adminform"].form.errors
    b_cycle = Cycle.objects.get(entity=b_entity)
    response = staff.post(_url(Indicator, "add"), {
        "cycle": b_cycle.pk, "code": "X.1", "name": "Indicatore infiltrato", "kind": "number",
        "direction": "increase", "target_raw": "1", "weight": "1"})
    assert not Indicator.objects.filter(code="X.1").exists()
    assert response.status_code == 200 and "cycle" in response.context["adminform"].form.errors


def test_staff_post_to_another_entitys_value_is_404_and_changes_nothing(staff, entity_b):
    measurement = Measurement.objects.filter(pk__in=entity_b[Measurement]).exclude(raw_value="").first()
    before = (measurement.raw_value, measurement.version)
    response = staff.post(_url(Measurement, "change", measurement.pk), {
        "indicator": measurement.indicator_id, "period": measurement.period_id, "raw_value": "12345",
        "note": "cambiato da un altro ente"})
    assert response.status_code == 404
    measurement.refresh_from_db()
    assert (measurement.raw_value, measurement.version) == before


def test_entity_admin_shows_staff_only_their_entities_and_no_add_or_delete(staff, entity_b):
    b_entity = Entity.objects.get(name=B_NAME)
    response = staff.get(_url(Entity, "changelist"))
    assert list(response.context["cl"].queryset.values_list("code", flat=True)) == ["cciaa-bergamo"]
    assert staff.get(_url(Entity, "change", b_entity.pk)).status_code == 404
    assert staff.get(_url(Entity, "add")).status_code == 403
    own = Entity.objects.get(code="cciaa-bergamo")
    assert staff.post(_url(Entity, "delete", own.pk), {"post": "yes"}).status_code == 403
    assert Entity.objects.filter(pk=own.pk).exists()


def test_superuser_still_sees_every_entity_in_the_admin(client, entity_b):
    client.force_login(get_user_model().objects.get(username="admin"))
    response = client.get(_url(Indicator, "changelist"))
    assert response.context["cl"].queryset.filter(pk__in=entity_b[Indicator]).exists()
    assert client.get(_url(Measurement, "change", entity_b[Measurement][0])).status_code == 200


def test_only_struttura_tecnica_and_amministratore_roles_open_an_entity_in_the_admin(client, demo_cycle):
    # segretario made staff with the Struttura tecnica group but holding only their own role: the admin
    # shows them none of the entity's data until they are Struttura tecnica there.
    from django.contrib.auth.models import Group

    user = get_user_model().objects.get(username="segretario")
    user.is_staff = True
    user.save()
    user.groups.add(Group.objects.get(name="Struttura tecnica"))
    client.force_login(user)
    assert client.get(_url(Indicator, "changelist")).context["cl"].result_count == 0
    Membership.objects.create(user=user, entity=demo_cycle.entity, role=Role.STRUTTURA_TECNICA)
    assert client.get(_url(Indicator, "changelist")).context["cl"].result_count == Indicator.objects.filter(
        cycle=demo_cycle).count()
