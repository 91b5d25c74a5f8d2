from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError

from performance import services
from performance.exporting import result_rows
from performance.models import Cycle, Indicator, Override
from performance.recompute import recompute_cycle


def user(name):
    return get_user_model().objects.get(username=name)


@pytest.fixture
def indicator(demo_cycle) -> Indicator:
    return Indicator.objects.get(cycle=demo_cycle, code="2.3.01.06")  # 11 against 12: 91,67%


def test_approved_override_replaces_the_figure_and_stays_visible(demo_cycle, indicator):
    request = services.request_override(indicator, Decimal("100"), "Target ridotto da delibera n. 12/2023",
                                        acting_user=user("struttura"))
    recompute_cycle(demo_cycle.pk)
    indicator.refresh_from_db()
    assert indicator.realization == Decimal("91.67"), "a request alone changes nothing"
    services.decide_override(request, approve=True, note="", acting_user=user("segretario"))
    recompute_cycle(demo_cycle.pk)
    indicator.refresh_from_db()
    assert indicator.realization == Decimal("100.00") and "override" in indicator.flags
    row = next(r for r in result_rows(demo_cycle) if r["indicator"] == indicator.name)
    assert row["realization"] == "100" and "override" in row["flags"]


def test_requester_cannot_approve_their_own_request(indicator):
    request = services.request_override(indicator, Decimal("100"), "motivo", acting_user=user("segretario"))
    with pytest.raises(ValidationError, match="non può approvarla"):
        services.decide_override(request, approve=True, note="", acting_user=user("segretario"))


@pytest.mark.parametrize("username", ["resp.ri", "oiv"])
def test_roles_without_the_right_cannot_request(indicator, username):
    with pytest.raises(PermissionDenied):
        services.request_override(indicator, Decimal("100"), "motivo", acting_user=user(username))


@pytest.mark.parametrize("username", ["struttura", "dirigente", "oiv", "resp.ri"])
def test_only_segretario_generale_or_admin_decide(indicator, username):
    request = services.request_override(indicator, Decimal("100"), "motivo", acting_user=user("admin"))
    with pytest.raises(PermissionDenied):
        services.decide_override(request, approve=True, note="", acting_user=user(username))


def test_justification_and_range_are_required(indicator):
    with pytest.raises(ValidationError) as exc:
        services.request_override(indicator, Decimal("150"), "  ", acting_user=user("struttura"))
    assert set(exc.value.message_dict) == {"justification", "value"}


def test_rejection_needs_a_reason_and_leaves_the_figure(demo_cycle, indicator):
    request = services.request_override(indicator, Decimal("100"), "motivo", acting_user=user("struttura"))
    with pytest.raises(ValidationError):
        services.decide_override(request, approve=False, note="", acting_user=user("segretario"))
    services.decide_override(request, approve=False, note="Non documentato", acting_user=user("segretario"))
    recompute_cycle(demo_cycle.pk)
    indicator.refresh_from_db()
    assert indicator.realization == Decimal("91.67")
    assert Override.objects.get(pk=request.pk).status == Override.Status.REJECTED


def test_no_override_once_the_cycle_is_frozen(demo_cycle, indicator):
    Cycle.objects.filter(pk=demo_cycle.pk).update(state=Cycle.State.UNDER_VALIDATION)
    indicator.refresh_from_db()
    with pytest.raises(ValidationError, match="congelato"):
        services.request_override(indicator, Decimal("100"), "motivo", acting_user=user("struttura"))


def test_override_through_the_pages(client, demo_cycle, indicator):
    client.force_login(user("struttura"))
    url = f"/cicli/{demo_cycle.pk}/indicatori/{indicator.code}/"
    response = client.post(url + "rettifica/", {"value": "95,5", "justification": "Dato corretto dall'ufficio"},
                           follow=True)
    assert "Richiesta di rettifica registrata" in response.content.decode()
    override = Override.objects.get(object_id=indicator.pk)
    assert override.value == Decimal("95.5")
    client.force_login(user("segretario"))
    page = client.get(url).content.decode()
    assert "Approva" in page and "Dato corretto dall&#x27;ufficio" in page
    client.post(f"/cicli/{demo_cycle.pk}/rettifiche/{override.pk}/decisione/", {"decision": "approve", "note": ""})
    assert Override.objects.get(pk=override.pk).status == Override.Status.APPROVED


def test_bad_override_form_input_names_the_field(client, demo_cycle, indicator):
    client.force_login(user("struttura"))
    response = client.post(f"/cicli/{demo_cycle.pk}/indicatori/{indicator.code}/rettifica/",
                           {"value": "molto", "justification": ""}, follow=True)
    body = response.content.decode()
    assert "% di realizzazione proposta:" in body and "Motivazione:" in body
    assert not Override.objects.exists()
