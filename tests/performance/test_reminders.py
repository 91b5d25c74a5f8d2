"""Deadline reminders: who gets them and when, the struttura tecnica's digest, sending once a day."""
from __future__ import annotations

import datetime
import os
import subprocess
import sys
from dataclasses import dataclass, field
from io import StringIO

import pytest
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ImproperlyConfigured
from django.core.mail.backends.locmem import EmailBackend
from django.core.management import CommandError, call_command
from django.utils import timezone

from config.settings import parse_reminder_days, parse_site_url
from organization.models import Entity, Membership, OrgUnit, Role
from performance.models import (Assignment, Cycle, Indicator, Measurement, OperationalObjective, Period,
                                Perspective, ReminderLog, Scorecard, StrategicObjective, Submission)
from performance.reminders import Kind, plan_reminders, send_reminders
from performance.tasks import send_deadline_reminders_task

DEADLINE = datetime.date(2031, 6, 30)
SITE = "https://misura.example.org"


def days_before(n: int) -> datetime.date:
    return DEADLINE - datetime.timedelta(days=n)


@dataclass
class World:
    """A small entity of its own, so the shared demo stays untouched: an area with a service that has a
    service head and one that has none; the dirigente heads the area; one struttura tecnica member."""

    entity: Entity
    cycle: Cycle
    period: Period
    units: dict[str, OrgUnit] = field(default_factory=dict)
    users: dict[str, object] = field(default_factory=dict)
    cards: dict[str, Scorecard] = field(default_factory=dict)
    objective: OperationalObjective | None = None

    def user(self, username: str, role: str | None = None, unit: str | None = None, email: bool = True):
        user = get_user_model().objects.create_user(
            username=username, email=f"{username}@example.invalid" if email else "",
            first_name=username.capitalize(), last_name="Rossi")
        if role:
            Membership.objects.create(user=user, entity=self.entity, role=role,
                                      unit=self.units[unit] if unit else None)
        self.users[username] = user
        return user

    def unit(self, code: str, name: str, parent: str | None, kind: str = OrgUnit.Kind.SERVICE) -> OrgUnit:
        self.units[code] = OrgUnit.objects.create(entity=self.entity, code=code, name=name, kind=kind,
                                                  parent=self.units.get(parent), position=len(self.units))
        return self.units[code]

    def card(self, code: str, unit: str, indicators: int, filled: int = 0, state: str | None = None,
             holder=None) -> Scorecard:
        card = Scorecard.objects.create(cycle=self.cycle, code=code, title=f"Cruscotto {code}",
                                        kind=Scorecard.Kind.INDIVIDUAL if holder else Scorecard.Kind.UNIT,
                                        unit=self.units[unit], holder=holder, position=len(self.cards))
        for i in range(indicators):
            indicator = Indicator.objects.create(cycle=self.cycle, operational_objective=self.objective,
                                                 code=f"{code}.{i}", name=f"Indicatore {i}", kind="number",
                                                 target_raw="5")
            Assignment.objects.create(scorecard=card, indicator=indicator, position=i)
            if i < filled:
                Measurement.objects.create(indicator=indicator, period=self.period, raw_value="3")
        if state:
            Submission.objects.create(scorecard=card, period=self.period, state=state)
        self.cards[code] = card
        return card


def build_world() -> World:
    entity = Entity.objects.create(code="cciaa-promemoria", name="Camera di commercio dell'Adda")
    cycle = Cycle.objects.create(entity=entity, year=2031, state=Cycle.State.MONITORING)
    period = Period.objects.create(cycle=cycle, code="S1", name="Primo semestre 2031",
                                   reference_date=DEADLINE, deadline=DEADLINE)
    world = World(entity, cycle, period)
    perspective = Perspective.objects.create(cycle=cycle, code="1", name="Imprese")
    strategic = StrategicObjective.objects.create(cycle=cycle, perspective=perspective, code="1.1", title="Servizi")
    world.objective = OperationalObjective.objects.create(cycle=cycle, strategic_objective=strategic, code="1.1.1",
                                                          title="Tempi")
    world.unit("ENTE", "Camera", None, OrgUnit.Kind.ENTITY)
    world.unit("AREA", "Area anagrafe", "ENTE", OrgUnit.Kind.AREA)
    world.unit("SVC", "Servizio registro", "AREA")
    world.unit("NOHEAD", "Servizio senza responsabile", "AREA")
    world.user("resp", Role.SERVICE_HEAD, "SVC")
    world.user("dir", Role.DIRIGENTE, "AREA")
    world.user("tecnica", Role.STRUTTURA_TECNICA)
    world.card("SVC", "SVC", indicators=3, filled=1)  # 2 missing: the service head's
    world.card("NOHEAD", "NOHEAD", indicators=2)  # 2 missing, no service head nor head: the dirigente's
    world.card("FULL", "SVC", indicators=1, filled=1, state=Submission.State.SUBMITTED)
    world.card("DIRCARD", "AREA", indicators=1, filled=1, state=Submission.State.APPROVED,
               holder=world.users["dir"])
    return world


def add_services(world: World, count: int) -> None:
    """More services, each with its service head and a scorecard with values missing."""
    for i in range(count):
        world.unit(f"X{i}", f"Servizio {i}", "AREA")
        world.user(f"resp{i}", Role.SERVICE_HEAD, f"X{i}")
        world.card(f"X{i}", f"X{i}", indicators=3, filled=1)


@pytest.fixture(autouse=True)
def _reminder_settings(settings):
    settings.REMINDER_DAYS = (7, 3, 1, 0)
    settings.SITE_URL = SITE


@pytest.fixture
def world(db) -> World:
    return build_world()


def mine(world: World, day: datetime.date) -> dict[tuple[str, str], object]:
    """Planned messages of the test entity by (kind, username)."""
    return {(r.kind, r.user.username): r for r in plan_reminders(day) if r.period == world.period}


def to(mail) -> str:
    return mail.to[0].split("@")[0]


@pytest.mark.parametrize("n", [7, 3, 1, 0])
def test_service_head_is_reminded_n_days_before_the_deadline(world, n):
    planned = mine(world, days_before(n))
    reminder = planned[(Kind.REMINDER, "resp")]
    assert [(c.code, c.missing) for c in reminder.cards] == [("SVC", 2)]
    assert reminder.days_left == n
    # The dirigente is not reminded of a service that has its own head, only of the one without.
    assert [c.code for c in planned[(Kind.REMINDER, "dir")].cards] == ["NOHEAD"]


@pytest.mark.parametrize("n", [8, 6, 5, 4, 2, -1, -7])
def test_nothing_on_other_days(world, n):
    assert mine(world, days_before(n)) == {}


def test_unit_head_then_dirigenti_above_stand_in_for_a_missing_service_head(world):
    capo = world.user("capo")
    OrgUnit.objects.filter(pk=world.units["NOHEAD"].pk).update(head=capo)
    planned = mine(world, days_before(7))
    assert [c.code for c in planned[(Kind.REMINDER, "capo")].cards] == ["NOHEAD"]
    assert (Kind.REMINDER, "dir") not in planned


def test_holder_of_an_individual_scorecard_is_reminded(world):
    holder = world.user("titolare", Role.SERVICE_HEAD, "SVC")
    world.card("IND", "NOHEAD", indicators=2, filled=1, state=Submission.State.RETURNED, holder=holder)
    planned = mine(world, days_before(3))
    assert [c.code for c in planned[(Kind.REMINDER, "titolare")].cards] == ["SVC", "IND"]  # one e-mail, both cards
    assert [c.code for c in planned[(Kind.REMINDER, "dir")].cards] == ["NOHEAD", "IND"]


@pytest.mark.parametrize("change", ["locked", Cycle.State.PLANNING, Cycle.State.UNDER_VALIDATION,
                                    Cycle.State.VALIDATED, Cycle.State.PUBLISHED])
def test_nothing_for_a_locked_period_or_a_cycle_not_collecting_values(world, change, mailoutbox):
    if change == "locked":
        Period.objects.filter(pk=world.period.pk).update(locked=True)
    else:
        Cycle.objects.filter(pk=world.cycle.pk).update(state=change)
    assert mine(world, days_before(7)) == {}
    send_reminders(days_before(7))
    assert not [m for m in mailoutbox if "example.invalid" in m.to[0]]


@pytest.mark.parametrize("state, reminded", [(Submission.State.SUBMITTED, False), (Submission.State.APPROVED, False),
                                             (Submission.State.RETURNED, True), (Submission.State.DRAFT, True)])
def test_only_scorecards_still_open_are_reminded(world, state, reminded):
    Submission.objects.create(scorecard=world.cards["SVC"], period=world.period, state=state)
    assert ((Kind.REMINDER, "resp") in mine(world, days_before(7))) is reminded


def test_nothing_at_all_when_every_value_is_present(world, mailoutbox):
    for code in ("SVC", "NOHEAD"):
        for indicator in world.cards[code].indicators.all():
            Measurement.objects.get_or_create(indicator=indicator, period=world.period, defaults={"raw_value": "SI"})
    assert mine(world, days_before(7)) == {}
    assert send_reminders(days_before(7)).sent == 0 and mailoutbox == []


def test_a_fraction_counts_as_a_value(world):
    indicator = world.cards["NOHEAD"].indicators.first()
    Measurement.objects.create(indicator=indicator, period=world.period, numerator=3, denominator=4)
    assert [c.missing for c in mine(world, days_before(7))[(Kind.REMINDER, "dir")].cards] == [1]


def test_digest_reaches_the_struttura_tecnica_with_the_counts(world, mailoutbox):
    digest = mine(world, days_before(1))[(Kind.DIGEST, "tecnica")].digest
    assert [(u.name, u.scorecards, u.missing) for u in digest.units] == [
        ("Servizio registro", 1, 2), ("Servizio senza responsabile", 1, 2)]
    assert (digest.draft, digest.submitted, digest.approved, digest.returned) == (2, 1, 1, 0)
    assert digest.missing == 4 and digest.unreached == ()
    send_reminders(days_before(1))
    body = next(m for m in mailoutbox if to(m) == "tecnica").body
    for text in ("Servizio registro: 2 valori mancanti in 1 scheda", "Totale: 4 valori mancanti",
                 "in compilazione: 2", "inviate per l'approvazione: 1", "approvate: 1", "restituite per correzioni: 0",
                 "Manca un giorno."):
        assert text in body, text


def test_email_has_the_absolute_link_and_the_italian_deadline(world, mailoutbox):
    report = send_reminders(days_before(7))
    assert report.sent == 3 and sorted(to(m) for m in mailoutbox) == ["dir", "resp", "tecnica"]
    mail = next(m for m in mailoutbox if to(m) == "resp")
    assert mail.subject == "Misura: valori da inserire per «Primo semestre 2031» entro il 30/06/2031"
    assert f"{SITE}/cicli/{world.cycle.pk}/schede/SVC/?periodo=S1" in mail.body
    assert "il 30/06/2031 scade il termine" in mail.body and "Mancano 7 giorni." in mail.body
    assert "Gentile Resp Rossi," in mail.body and "2 valori mancanti" in mail.body
    assert "dell'Adda" in mail.body  # plain text: no HTML escaping
    assert mail.extra_headers["Auto-Submitted"] == "auto-generated"


def test_running_twice_the_same_day_sends_once(world, mailoutbox):
    first = send_reminders(days_before(3))
    second = send_reminders(days_before(3))
    assert (first.sent, second.sent, second.already_sent) == (3, 0, 3)
    assert len(mailoutbox) == 3
    logs = ReminderLog.objects.filter(period=world.period, sent_on=days_before(3))
    assert sorted(logs.values_list("kind", "missing")) == [("digest", 4), ("reminder", 2), ("reminder", 2)]
    assert send_reminders(days_before(1)).sent == 3  # the next reminder day sends again


class FailingSecondMessage(EmailBackend):
    """The mail server accepts one message and then fails."""

    def send_messages(self, messages):
        from django.core import mail

        if len(mail.outbox) >= 1:
            raise ConnectionError("server gone")
        return super().send_messages(messages)


def test_a_failure_half_way_keeps_only_what_went_out_logged(world, settings, mailoutbox):
    settings.EMAIL_BACKEND = f"{__name__}.FailingSecondMessage"
    with pytest.raises(ConnectionError):
        send_reminders(days_before(7))
    assert len(mailoutbox) == 1
    assert ReminderLog.objects.filter(period=world.period).count() == 1
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    retry = send_reminders(days_before(7))  # the task retried: only the two messages not sent yet
    assert (retry.sent, retry.already_sent) == (2, 1) and len({m.to[0] for m in mailoutbox}) == 3


def test_users_without_email_are_skipped_and_logged(world, mailoutbox, caplog):
    get_user_model().objects.filter(pk=world.users["resp"].pk).update(email="")
    report = send_reminders(days_before(7))
    assert (report.sent, report.no_email) == (2, 1)
    assert sorted(to(m) for m in mailoutbox) == ["dir", "tecnica"]
    assert "resp has no e-mail address" in caplog.text
    assert not ReminderLog.objects.filter(user=world.users["resp"]).exists()
    # The struttura tecnica learns that nobody was reached for that scorecard.
    assert "Nessun responsabile con un indirizzo e-mail ha ricevuto il promemoria per queste schede: SVC." in \
        next(m for m in mailoutbox if to(m) == "tecnica").body


def test_query_count_does_not_grow_with_the_scorecards(world, mailoutbox, django_assert_max_num_queries):
    with django_assert_max_num_queries(12) as small:
        assert send_reminders(days_before(7)).sent == 3
    add_services(world, 25)
    with django_assert_max_num_queries(12) as large:
        assert send_reminders(days_before(3)).sent == 3 + 25
    assert len(large.captured_queries) == len(small.captured_queries)


def test_beat_runs_the_task_every_morning_in_rome():
    from config.celery import app

    entry = django_settings.CELERY_BEAT_SCHEDULE["send-deadline-reminders"]
    assert entry["task"] == send_deadline_reminders_task.name == "performance.tasks.send_deadline_reminders_task"
    assert entry["task"] in app.tasks
    assert entry["schedule"].hour == {7} and entry["schedule"].minute == {0}
    assert app.conf.beat_schedule["send-deadline-reminders"]["task"] == entry["task"]
    assert app.conf.timezone == "Europe/Rome"


def test_task_sends_today_and_returns_counts(world, mailoutbox):
    Period.objects.filter(pk=world.period.pk).update(deadline=timezone.localdate() + datetime.timedelta(days=3))
    assert send_deadline_reminders_task() == {"planned": 3, "sent": 3, "already_sent": 0, "no_email": 0}
    assert send_deadline_reminders_task()["sent"] == 0
    assert len(mailoutbox) == 3


def test_command_dry_run_prints_and_sends_nothing(world, mailoutbox):
    out = StringIO()
    call_command("send_reminders", "--date", days_before(7).isoformat(), "--dry-run", stdout=out)
    assert "Oggetto: Misura: valori da inserire" in out.getvalue() and "3 messaggi da inviare" in out.getvalue()
    assert mailoutbox == [] and not ReminderLog.objects.filter(period=world.period).exists()
    call_command("send_reminders", "--date", days_before(7).isoformat(), stdout=StringIO())
    assert len(mailoutbox) == 3
    with pytest.raises(CommandError):
        call_command("send_reminders", "--date", "30/06/2031")


def test_reminder_days_and_site_url_are_parsed_strictly():
    assert parse_reminder_days("7, 3,1,0") == (7, 3, 1, 0)
    assert parse_reminder_days("1,14") == (14, 1)
    for bad in ("", "7,,1", "sette", "-1", "7,7", "400", "1.5", "²"):
        with pytest.raises(ImproperlyConfigured):
            parse_reminder_days(bad)
    assert parse_site_url("https://misura.example.org/") == "https://misura.example.org"
    for bad in ("misura.example.org", "ftp://misura.example.org", "", "https://x.org/?a=1"):
        with pytest.raises(ImproperlyConfigured):
            parse_site_url(bad)


def test_bad_reminder_days_stop_the_start_up():
    env = {**os.environ, "REMINDER_DAYS": "7,tre"}
    result = subprocess.run([sys.executable, "manage.py", "check"], cwd=django_settings.BASE_DIR, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode != 0 and "REMINDER_DAYS" in result.stderr
