"""The cycle's workflow: who moves it, what each step records, the frozen snapshot, the calendar and the
state page. The demo cycle starts in reporting."""
from __future__ import annotations

import datetime
import re

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.html import escape

from performance.models import Cycle, CycleSnapshot, CycleTransition, Indicator, Period
from performance.snapshot import build_snapshot_data, current_snapshot, digest, snapshot_differences, verify_snapshot
from performance.workflow import TRANSITIONS, TransitionConflict, cycle_calendar, transition_cycle

pytestmark = pytest.mark.django_db
S = Cycle.State
USERS = ["resp.ri", "dirigente", "segretario", "struttura", "oiv", "admin"]
#: who may make each transition among the demo users (the admin is a superuser, but not the OIV)
ALLOWED = {
    (S.PLANNING, S.MONITORING): {"segretario", "struttura", "admin"},
    (S.MONITORING, S.REPORTING): {"segretario", "struttura", "admin"},
    (S.REPORTING, S.MONITORING): {"segretario", "struttura", "admin"},
    (S.REPORTING, S.UNDER_VALIDATION): {"segretario", "struttura", "admin"},
    (S.UNDER_VALIDATION, S.REPORTING): {"oiv"},
    (S.UNDER_VALIDATION, S.VALIDATED): {"oiv"},
    (S.VALIDATED, S.PUBLISHED): {"segretario", "struttura", "admin"},
}


def user(name):
    return get_user_model().objects.get(username=name)


def at_state(cycle, state):
    Cycle.objects.filter(pk=cycle.pk).update(state=state)
    cycle.refresh_from_db()
    return cycle


@pytest.fixture(autouse=True)
def _before_the_deadline(monkeypatch):
    # The demo's Relazione was due on 30/06/2024: the tests act as if on 15/05/2024.
    monkeypatch.setattr("performance.workflow.timezone.localdate", lambda *a: datetime.date(2024, 5, 15))


def test_the_table_in_the_tests_is_the_table_in_the_code():
    assert set(ALLOWED) == set(TRANSITIONS)


@pytest.mark.parametrize(("start", "end"), list(ALLOWED))
@pytest.mark.parametrize("username", USERS)
def test_each_transition_by_the_right_role_is_recorded_and_by_any_other_refused(demo_cycle, start, end, username):
    cycle = at_state(demo_cycle, start)
    if username not in ALLOWED[(start, end)]:
        with pytest.raises(PermissionDenied):
            transition_cycle(cycle, end, acting_user=user(username), note="richieste")
        assert Cycle.objects.get(pk=cycle.pk).state == start
        assert not CycleTransition.objects.filter(cycle=cycle).exists()
        return
    record = transition_cycle(cycle, end, acting_user=user(username), note="richieste")
    assert Cycle.objects.get(pk=cycle.pk).state == end
    assert (record.from_state, record.to_state, record.user.username, record.note) == (start, end, username, "richieste")
    assert record.at is not None
    assert (record.snapshot is not None) == (end == S.UNDER_VALIDATION)


def test_an_illegal_jump_is_refused_naming_both_states(demo_cycle):
    with pytest.raises(ValidationError, match="«Rendicontazione».*«Pubblicato»"):
        transition_cycle(demo_cycle, S.PUBLISHED, acting_user=user("admin"))
    with pytest.raises(ValidationError):
        transition_cycle(demo_cycle, S.REPORTING, acting_user=user("admin"))


def test_a_stale_page_gets_a_conflict_and_nothing_happens(demo_cycle):
    with pytest.raises(TransitionConflict, match="nel frattempo"):
        transition_cycle(demo_cycle, S.UNDER_VALIDATION, acting_user=user("struttura"), expected_state=S.MONITORING)
    assert Cycle.objects.get(pk=demo_cycle.pk).state == S.REPORTING


def test_a_refusal_needs_the_oiv_requests(demo_cycle):
    cycle = at_state(demo_cycle, S.UNDER_VALIDATION)
    with pytest.raises(ValidationError) as failure:
        transition_cycle(cycle, S.REPORTING, acting_user=user("oiv"), note="  ")
    assert "note" in failure.value.message_dict


def test_sending_late_needs_the_reason(demo_cycle, monkeypatch):
    monkeypatch.setattr("performance.workflow.timezone.localdate", lambda *a: datetime.date(2024, 7, 10))
    with pytest.raises(ValidationError, match="motivo del ritardo"):
        transition_cycle(demo_cycle, S.UNDER_VALIDATION, acting_user=user("struttura"))
    transition_cycle(demo_cycle, S.UNDER_VALIDATION, acting_user=user("struttura"), note="Bilancio approvato tardi")


def test_the_snapshot_hash_is_stable_and_follows_the_data(demo_cycle):
    first = digest(build_snapshot_data(demo_cycle))
    assert digest(build_snapshot_data(demo_cycle)) == first
    Indicator.objects.filter(cycle=demo_cycle, code="1.5.03.04").update(source="Altra fonte")
    assert digest(build_snapshot_data(demo_cycle)) != first


def test_sending_to_validation_freezes_a_verifiable_snapshot(demo_cycle):
    record = transition_cycle(demo_cycle, S.UNDER_VALIDATION, acting_user=user("struttura"))
    snapshot = record.snapshot
    assert snapshot.number == 1 and len(snapshot.sha256) == 64
    assert current_snapshot(demo_cycle) == snapshot
    assert verify_snapshot(snapshot) and snapshot_differences(snapshot) == []
    codes = {i["code"] for i in snapshot.data["plan"]["indicators"]}
    assert "1.5.03.04" in codes
    assert snapshot.data["report"]["sections"] and snapshot.data["context"]["organization.organ"]
    assert snapshot.data["results"]["rollups"]


def test_the_snapshot_read_back_from_the_database_has_the_same_hash(demo_cycle):
    snapshot = transition_cycle(demo_cycle, S.UNDER_VALIDATION, acting_user=user("struttura")).snapshot
    assert verify_snapshot(CycleSnapshot.objects.get(pk=snapshot.pk))


def test_a_snapshot_notices_data_changed_behind_the_freeze(demo_cycle):
    snapshot = transition_cycle(demo_cycle, S.UNDER_VALIDATION, acting_user=user("struttura")).snapshot
    from django.db import connection

    with connection.cursor() as cursor:  # what no path of the application can do
        cursor.execute("UPDATE performance_indicator SET source = 'x' WHERE cycle_id = %s", [demo_cycle.pk])
    assert not verify_snapshot(snapshot)
    assert snapshot_differences(snapshot) == ["plan.indicators"]


def test_refusal_and_resubmission_make_a_new_snapshot(demo_cycle):
    first = transition_cycle(demo_cycle, S.UNDER_VALIDATION, acting_user=user("struttura")).snapshot
    transition_cycle(demo_cycle, S.REPORTING, acting_user=user("oiv"), note="Manca la fonte di 1.5.03.04")
    assert current_snapshot(demo_cycle) is None
    Indicator.objects.filter(cycle=demo_cycle, code="1.5.03.04").update(source="Registro imprese")
    second = transition_cycle(demo_cycle, S.UNDER_VALIDATION, acting_user=user("struttura")).snapshot
    assert second.number == 2 and second.sha256 != first.sha256
    assert current_snapshot(demo_cycle) == second
    transition_cycle(demo_cycle, S.VALIDATED, acting_user=user("oiv"))
    assert current_snapshot(demo_cycle) == second


def test_snapshots_and_transitions_cannot_be_edited(demo_cycle):
    record = transition_cycle(demo_cycle, S.UNDER_VALIDATION, acting_user=user("struttura"))
    record.note = "riscritta"
    with pytest.raises(ValidationError):
        record.save()
    with pytest.raises(ValidationError):
        record.snapshot.delete()
    with pytest.raises(ValidationError):
        CycleSnapshot.objects.filter(cycle=demo_cycle).update(sha256="0" * 64)
    with pytest.raises(ValidationError):
        CycleTransition.objects.filter(cycle=demo_cycle).delete()


def test_calendar_shows_what_is_late(demo_cycle):
    Period.objects.filter(cycle=demo_cycle).update(deadline=datetime.date(2024, 1, 31), locked=False)
    items = {i.label: i for i in cycle_calendar(demo_cycle, today=datetime.date(2024, 7, 10))}
    assert items["Adozione del PIAO"].status == "done"  # adopted on 30/01/2023
    relazione = items["Relazione sulla performance adottata e validata dall'OIV"]
    assert relazione.status == "late" and relazione.due == datetime.date(2024, 6, 30)
    assert [i.status for label, i in items.items() if label.startswith("Inserimento")] == ["late"]
    early = {i.label: i.status for i in cycle_calendar(demo_cycle, today=datetime.date(2024, 1, 15))}
    assert early["Relazione sulla performance adottata e validata dall'OIV"] == "due"


# --- The page --------------------------------------------------------------------------------------

def test_state_page_shows_state_calendar_and_the_users_next_steps(demo_cycle, as_user):
    page = as_user("struttura").get(f"/cicli/{demo_cycle.pk}/stato/").content.decode()
    assert "Rendicontazione" in page and "Scadenze" in page and "30/06/2024" in page
    assert "Invia all&#x27;OIV per la validazione" in page and 'name="confirm"' in page
    oiv_page = as_user("oiv").get(f"/cicli/{demo_cycle.pk}/stato/").content.decode()
    assert "Invia all&#x27;OIV" not in oiv_page and "Nessun passaggio di stato spetta a te" in oiv_page


def _step_buttons(page: str) -> list[tuple[str, str]]:
    """(button classes, label) of each state-change form, in page order."""
    return re.findall(r'<form method="post" class="[^"]*misura-transition[^"]*".*?'
                      r'<button type="submit" class="([^"]*)">([^<]*)</button>', page, flags=re.S)


def test_state_page_offers_the_next_step_first_as_primary_and_reopening_after_as_secondary(demo_cycle, as_user):
    page = as_user("struttura").get(f"/cicli/{demo_cycle.pk}/stato/").content.decode()
    (first_classes, first), (second_classes, second) = _step_buttons(page)
    assert (first, second) == ("Invia all&#x27;OIV per la validazione", "Riapri il monitoraggio")
    assert "btn-primary" in first_classes.split()
    assert "btn-primary" not in second_classes.split() and "btn-outline-primary" in second_classes.split()


@pytest.mark.parametrize("state", [S.PLANNING, S.MONITORING, S.REPORTING])
def test_state_page_lists_steps_forward_before_steps_back_whatever_the_state(demo_cycle, as_user, state):
    at_state(demo_cycle, state)
    page = as_user("struttura").get(f"/cicli/{demo_cycle.pk}/stato/").content.decode()
    order = list(S.values)
    expected = sorted((t for (start, _end), t in TRANSITIONS.items() if start == state and t.on_page),
                      key=lambda t: order.index(t.to_state) < order.index(state))
    assert [label for _classes, label in _step_buttons(page)] == [escape(t.label) for t in expected]
    assert ["btn-primary" in classes.split() for classes, _label in _step_buttons(page)] == [
        order.index(t.to_state) > order.index(state) for t in expected]


def test_before_sending_the_state_page_lists_the_checks_the_oiv_will_find(demo_cycle, as_user):
    page = as_user("struttura").get(f"/cicli/{demo_cycle.pk}/stato/").content.decode()
    # The demo's data as written: two values that cannot be scored (00/01/1900, a date in a number)
    # and shortfalls without their reason.
    assert "Verifiche che l'OIV troverà: 10 verifiche" in page and "2 non superate" in page
    assert "Ogni indicatore ha un valore finale valido" in page and "2.1.11.01" in page
    assert "Verifiche che" not in as_user("oiv").get(f"/cicli/{demo_cycle.pk}/stato/").content.decode()


def test_state_page_needs_the_confirmation(demo_cycle, as_user):
    response = as_user("struttura").post(f"/cicli/{demo_cycle.pk}/stato/", {"to_state": S.UNDER_VALIDATION,
                                                                           "expected_state": S.REPORTING})
    assert response.status_code == 422 and "spuntare la casella" in response.content.decode()
    assert Cycle.objects.get(pk=demo_cycle.pk).state == S.REPORTING


def test_state_page_sends_to_validation_and_shows_the_hash(demo_cycle, as_user):
    client = as_user("struttura")
    response = client.post(f"/cicli/{demo_cycle.pk}/stato/", {
        "to_state": S.UNDER_VALIDATION, "expected_state": S.REPORTING, "confirm": "1", "note": "Pronta"})
    assert response.status_code == 302
    snapshot = CycleSnapshot.objects.get(cycle=demo_cycle)
    page = client.get(f"/cicli/{demo_cycle.pk}/stato/").content.decode()
    assert snapshot.sha256 in page and "Pronta" in page and "congelati" in page
    download = client.get(f"/cicli/{demo_cycle.pk}/stato/istantanee/1/")
    import hashlib

    assert hashlib.sha256(download.content).hexdigest() == snapshot.sha256


@pytest.mark.parametrize("username", ["dirigente", "oiv", "resp.ri"])
def test_state_page_refuses_a_send_by_a_wrong_role(demo_cycle, as_user, username):
    response = as_user(username).post(f"/cicli/{demo_cycle.pk}/stato/", {
        "to_state": S.UNDER_VALIDATION, "expected_state": S.REPORTING, "confirm": "1"})
    assert response.status_code == 403
    assert Cycle.objects.get(pk=demo_cycle.pk).state == S.REPORTING


def test_admin_cannot_validate_in_the_oivs_name_on_the_page(demo_cycle, as_user):
    cycle = at_state(demo_cycle, S.UNDER_VALIDATION)
    response = as_user("admin").post(f"/cicli/{cycle.pk}/stato/", {
        "to_state": S.VALIDATED, "expected_state": S.UNDER_VALIDATION, "confirm": "1"})
    assert response.status_code == 403
    assert Cycle.objects.get(pk=cycle.pk).state == S.UNDER_VALIDATION


def test_state_page_stale_form_gets_409(demo_cycle, as_user):
    response = as_user("struttura").post(f"/cicli/{demo_cycle.pk}/stato/", {
        "to_state": S.REPORTING, "expected_state": S.MONITORING, "confirm": "1"})
    assert response.status_code == 409
