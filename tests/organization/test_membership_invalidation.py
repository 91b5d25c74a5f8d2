"""A removed or moved member loses the cached page at once, whatever path changed the membership
(issue 15, item 5): the admin's bulk delete and QuerySet.update() skip Membership.delete()/save()."""
from __future__ import annotations

import pytest

from organization.models import Membership, OrgUnit
from performance.models import Period
from tests.helpers import client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def scorecard_url(demo_cycle) -> str:
    period = Period.objects.get(cycle=demo_cycle, is_final=True)
    return f"/cicli/{demo_cycle.pk}/schede/RI/?periodo={period.code}"


def test_a_member_removed_with_the_admin_bulk_action_loses_the_cached_page(scorecard_url,
                                                                          django_capture_on_commit_callbacks):
    member = client_for("resp.ri")
    assert member.get(scorecard_url).status_code == 200
    assert member.get(scorecard_url).status_code == 200  # now served from the page cache
    ids = list(Membership.objects.filter(user__username="resp.ri").values_list("pk", flat=True))
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for("admin").post("/admin/organization/membership/", {
            "action": "delete_selected", "_selected_action": ids, "post": "yes"})
    assert response.status_code == 302
    assert not Membership.objects.filter(pk__in=ids).exists()
    assert member.get(scorecard_url).status_code == 404


def test_a_member_moved_to_another_unit_by_queryset_update_loses_the_cached_page(
        demo_cycle, scorecard_url, django_capture_on_commit_callbacks):
    member = client_for("resp.ri")
    assert member.get(scorecard_url).status_code == 200
    assert member.get(scorecard_url).status_code == 200
    elsewhere = OrgUnit.objects.get(entity=demo_cycle.entity, code="PROM")
    with django_capture_on_commit_callbacks(execute=True):
        Membership.objects.filter(user__username="resp.ri").update(unit=elsewhere)
    assert member.get(scorecard_url).status_code == 404


def test_a_unit_moved_out_of_an_area_by_queryset_update_takes_the_cached_page_from_its_dirigente(
        demo_cycle, scorecard_url, django_capture_on_commit_callbacks):
    dirigente = client_for("dirigente")  # heads AREA-ARM, which RI sits under
    assert dirigente.get(scorecard_url).status_code == 200
    assert dirigente.get(scorecard_url).status_code == 200
    units = OrgUnit.objects.filter(entity=demo_cycle.entity)
    with django_capture_on_commit_callbacks(execute=True):
        units.filter(code="RI").update(parent=units.get(code="AREA-SG"))
    assert dirigente.get(scorecard_url).status_code == 404
