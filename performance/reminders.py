"""Deadline reminders: REMINDER_DAYS days before a period's deadline, whoever still has values to enter
gets one e-mail listing their scorecards, and the struttura tecnica a digest of the whole entity.

plan_reminders() only reads, in a fixed number of queries whatever the size of the cycles. send_reminders()
writes a ReminderLog row for every message in the transaction that sends it, so a second run on the same
day (a retried task, the management command run by hand) sends nothing new.
"""
from __future__ import annotations

import datetime
import logging
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.mail import EmailMessage, get_connection
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from organization.models import Membership, OrgUnit, Role

from .models import Assignment, Cycle, Measurement, Period, ReminderLog, Scorecard, Submission

logger = logging.getLogger(__name__)

#: Cycles whose values are being collected, and submissions whose values can still change.
COLLECTING_STATES = (Cycle.State.MONITORING, Cycle.State.REPORTING)
OPEN_STATES = (Submission.State.DRAFT, Submission.State.RETURNED)
Kind = ReminderLog.Kind


@dataclass(frozen=True)
class CardLine:
    """One scorecard with values missing, as a message lists it."""

    code: str
    title: str
    unit: str
    missing: int
    url: str


@dataclass(frozen=True)
class UnitLine:
    name: str
    scorecards: int
    missing: int


@dataclass(frozen=True)
class Digest:
    """Where the whole entity stands for one period, for the struttura tecnica."""

    units: tuple[UnitLine, ...]  # a unit-less scorecard is under the name ""
    draft: int
    submitted: int
    approved: int
    returned: int
    #: codes of scorecards with values missing whose reminder reaches nobody (no responsible user with an e-mail)
    unreached: tuple[str, ...]

    @property
    def scorecards(self) -> int:
        return self.draft + self.submitted + self.approved + self.returned

    @property
    def missing(self) -> int:
        return sum(unit.missing for unit in self.units)

    @property
    def scorecards_missing(self) -> int:
        return sum(unit.scorecards for unit in self.units)


@dataclass(frozen=True)
class Reminder:
    """One message to send: a reminder (cards) or a digest (digest)."""

    kind: str
    period: Period
    user: AbstractBaseUser
    days_left: int
    cards: tuple[CardLine, ...] = ()
    digest: Digest | None = None

    @property
    def missing(self) -> int:
        return self.digest.missing if self.digest else sum(card.missing for card in self.cards)


@dataclass
class SendReport:
    planned: int = 0
    sent: int = 0
    already_sent: int = 0
    no_email: int = 0


@dataclass
class _Data:
    """Everything the planning reads, loaded once for all the due periods (one query per model)."""

    cards: dict[int, list[Scorecard]] = field(default_factory=lambda: defaultdict(list))  # by cycle
    assigned: dict[int, set[int]] = field(default_factory=lambda: defaultdict(set))  # indicator ids by card
    present: dict[int, set[int]] = field(default_factory=lambda: defaultdict(set))  # indicator ids by period
    states: dict[tuple[int, int], str] = field(default_factory=dict)  # (card, period) -> submission state
    units: dict[int, OrgUnit] = field(default_factory=dict)
    service_heads: dict[int, list] = field(default_factory=lambda: defaultdict(list))  # users by unit
    dirigenti: dict[int, list] = field(default_factory=lambda: defaultdict(list))  # users by unit
    technical: dict[int, list] = field(default_factory=lambda: defaultdict(list))  # users by entity

    @classmethod
    def load(cls, periods: list[Period]) -> _Data:
        data = cls()
        cycle_ids = {p.cycle_id for p in periods}
        entity_ids = {p.cycle.entity_id for p in periods}
        for card in (Scorecard.objects.filter(cycle_id__in=cycle_ids).select_related("holder")
                     .order_by("cycle_id", "position", "code")):
            data.cards[card.cycle_id].append(card)
        for card_id, indicator_id in (Assignment.objects.filter(scorecard__cycle_id__in=cycle_ids)
                                      .values_list("scorecard_id", "indicator_id")):
            data.assigned[card_id].add(indicator_id)
        # The same test as services.missing_values: a value is there when written or given as a fraction.
        for period_id, indicator_id in (Measurement.objects.filter(period__in=periods)
                                        .exclude(raw_value="", numerator__isnull=True)
                                        .values_list("period_id", "indicator_id")):
            data.present[period_id].add(indicator_id)
        data.states = {(card_id, period_id): state for card_id, period_id, state in
                       Submission.objects.filter(period__in=periods).values_list("scorecard_id", "period_id", "state")}
        data.units = {unit.pk: unit for unit in OrgUnit.objects.filter(entity_id__in=entity_ids).select_related("head")}
        roles = (Role.SERVICE_HEAD, Role.DIRIGENTE, Role.STRUTTURA_TECNICA)
        for membership in (Membership.objects.filter(entity_id__in=entity_ids, role__in=roles, user__is_active=True)
                           .select_related("user").order_by("pk")):
            if membership.role == Role.STRUTTURA_TECNICA:
                _add(data.technical[membership.entity_id], membership.user)
            elif membership.unit_id is not None:
                by_unit = data.service_heads if membership.role == Role.SERVICE_HEAD else data.dirigenti
                _add(by_unit[membership.unit_id], membership.user)
        return data

    def ancestors(self, unit_id: int) -> list[int]:
        """The unit and the units above it, nearest first (a cycle in bad data stops the walk)."""
        chain: list[int] = []
        current: int | None = unit_id
        while current is not None and current in self.units and current not in chain:
            chain.append(current)
            current = self.units[current].parent_id
        return chain

    def responsible(self, card: Scorecard) -> list:
        """Who is reminded of a scorecard: the unit's service head; failing that the unit's head, failing
        that the dirigenti above it. The holder of an individual scorecard is always reminded too. The
        dirigente of the area is not reminded when a service head exists: the service enters the values."""
        users: list = []
        if card.unit_id is not None:
            users = list(self.service_heads.get(card.unit_id, ()))
            head = self.units[card.unit_id].head if card.unit_id in self.units else None
            if not users and head is not None and head.is_active:
                users = [head]
            if not users:
                for unit_id in self.ancestors(card.unit_id):
                    for user in self.dirigenti.get(unit_id, ()):
                        _add(users, user)
        if card.holder is not None and card.holder.is_active:
            _add(users, card.holder)
        return users


def _add(users: list, user) -> None:
    if all(existing.pk != user.pk for existing in users):
        users.append(user)


def scorecard_url(cycle_id: int, code: str, period_code: str) -> str:
    path = reverse("performance:scorecard", args=[cycle_id, code])
    return f"{settings.SITE_URL}{path}?{urlencode({'periodo': period_code})}"


def plan_reminders(today: datetime.date) -> list[Reminder]:
    """The messages due today, whether or not they were already sent (send_reminders checks that)."""
    due = {today + datetime.timedelta(days=n): n for n in settings.REMINDER_DAYS}
    periods = list(Period.objects.filter(deadline__in=list(due), locked=False, cycle__state__in=COLLECTING_STATES)
                   .select_related("cycle__entity").order_by("deadline", "cycle_id", "reference_date"))
    if not periods:
        return []
    data = _Data.load(periods)
    reminders: list[Reminder] = []
    for period in periods:
        reminders += _plan_period(period, due[period.deadline], data)
    return reminders


def _plan_period(period: Period, days_left: int, data: _Data) -> list[Reminder]:
    present = data.present.get(period.pk, set())
    lines: dict[int, tuple[object, list[CardLine]]] = {}
    by_unit: dict[int | None, list[int]] = {}
    states: Counter[str] = Counter()
    unreached: list[str] = []
    for card in data.cards.get(period.cycle_id, ()):
        assigned = data.assigned.get(card.pk)
        if not assigned:
            continue  # nothing to enter on it
        state = data.states.get((card.pk, period.pk), Submission.State.DRAFT)
        states[state] += 1
        missing = len(assigned - present)
        if not missing or state not in OPEN_STATES:
            continue  # complete, or waiting for / past the dirigente's decision: nothing to do for now
        unit = data.units.get(card.unit_id) if card.unit_id else None
        line = CardLine(card.code, card.title, unit.name if unit else "", missing,
                        scorecard_url(period.cycle_id, card.code, period.code))
        counts = by_unit.setdefault(card.unit_id, [0, 0])
        counts[0], counts[1] = counts[0] + 1, counts[1] + missing
        recipients = data.responsible(card)
        if not any(user.email for user in recipients):
            unreached.append(card.code)
        for user in recipients:
            lines.setdefault(user.pk, (user, []))[1].append(line)
    if not by_unit:
        return []  # every value is in: no reminder, and no digest to report it
    reminders = [Reminder(Kind.REMINDER, period, user, days_left, cards=tuple(cards))
                 for user, cards in lines.values()]
    order = {pk: i for i, pk in enumerate(data.units)}  # OrgUnit's ordering: the organisation chart's
    units = tuple(UnitLine(data.units[pk].name if pk in data.units else "", n, missing)
                  for pk, (n, missing) in sorted(by_unit.items(), key=lambda item: order.get(item[0], -1)))
    digest = Digest(units, draft=states[Submission.State.DRAFT], submitted=states[Submission.State.SUBMITTED],
                    approved=states[Submission.State.APPROVED], returned=states[Submission.State.RETURNED],
                    unreached=tuple(unreached))
    return reminders + [Reminder(Kind.DIGEST, period, user, days_left, digest=digest)
                        for user in data.technical.get(period.cycle.entity_id, ())]


def pending_reminders(today: datetime.date) -> tuple[list[Reminder], SendReport]:
    """The planned messages not sent yet today, to users who have an e-mail address."""
    planned = plan_reminders(today)
    report = SendReport(planned=len(planned))
    sent = set(ReminderLog.objects.filter(sent_on=today, period__in={r.period.pk for r in planned})
               .values_list("period_id", "user_id", "kind")) if planned else set()
    pending: list[Reminder] = []
    for reminder in planned:
        if (reminder.period.pk, reminder.user.pk, reminder.kind) in sent:
            report.already_sent += 1
        elif not reminder.user.email:
            report.no_email += 1
            logger.warning("%s for %s not sent: user %s has no e-mail address",
                           reminder.kind, reminder.period, reminder.user.get_username())
        else:
            pending.append(reminder)
    return pending, report


def build_message(reminder: Reminder) -> EmailMessage:
    """The e-mail, in the site's language whatever the caller (a Celery worker has no request)."""
    period = reminder.period
    context = {"reminder": reminder, "user": reminder.user, "period": period, "cycle": period.cycle,
               "entity": period.cycle.entity, "deadline": period.deadline, "days_left": reminder.days_left,
               "cards": reminder.cards, "digest": reminder.digest, "missing": reminder.missing,
               "name": reminder.user.get_full_name() or reminder.user.get_username()}
    template = "email/reminder" if reminder.kind == Kind.REMINDER else "email/digest"
    with translation.override(settings.LANGUAGE_CODE):
        subject = " ".join(render_to_string(f"{template}_subject.txt", context).split())  # one header line
        body = str(render_to_string(f"{template}.txt", context))  # plain text: not a SafeString
    # Auto-Submitted keeps out-of-office replies from answering an unattended sender (RFC 3834).
    return EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [reminder.user.email],
                        headers={"Auto-Submitted": "auto-generated"})


def send_reminders(today: datetime.date) -> SendReport:
    """Send today's reminders and digests once. Logs and messages share one transaction: if another run
    got there first its rows make ours fail and nothing is sent twice; if the mail server fails half-way,
    only the messages that went out stay logged, and a retry sends the rest."""
    reminders, report = pending_reminders(today)
    if not reminders:
        return report
    messages = [build_message(reminder) for reminder in reminders]  # rendered before the transaction opens
    error: Exception | None = None
    try:
        with transaction.atomic():
            logs = ReminderLog.objects.bulk_create([
                ReminderLog(period=r.period, user=r.user, kind=r.kind, sent_on=today, missing=r.missing)
                for r in reminders])
            report.sent, error = _deliver(messages)
            if error is not None:
                ReminderLog.objects.filter(pk__in=[log.pk for log in logs[report.sent:]]).delete()
    except IntegrityError:
        logger.warning("reminders of %s are being sent by another run: this one sends nothing", today)
        report.already_sent += len(reminders)
        return report
    if error is not None:
        raise error
    return report


def _deliver(messages: list[EmailMessage]) -> tuple[int, Exception | None]:
    """Send over one connection; stop at the first failure and say how many went out before it."""
    sent = 0
    try:
        with get_connection() as connection:
            for message in messages:
                message.connection = connection
                message.send()
                sent += 1
    except Exception as exc:  # noqa: BLE001 - each mail backend raises its own errors; the caller re-raises
        logger.exception("sending reminders failed after %d of %d messages", sent, len(messages))
        return sent, exc
    return sent, None
