"""The home page by role: each person sees the scorecards they answer for and how far along they are."""
from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, Q

from organization.access import Scope, scope_for

from .models import Assignment, Cycle, Measurement, Period, Scorecard, Submission
from .selectors import current_period, visible_scorecards


@dataclass
class CardProgress:
    scorecard: Scorecard
    due: int
    entered: int
    state: str
    state_label: str
    comment: str = ""
    can_edit: bool = False
    can_approve: bool = False

    @property
    def missing(self) -> int:
        return self.due - self.entered

    @property
    def percent(self) -> int:
        return round(self.entered * 100 / self.due) if self.due else 100


@dataclass
class CycleBoard:
    cycle: Cycle
    scope: Scope
    period: Period | None
    periods: list[Period]
    cards: list[CardProgress] = field(default_factory=list)

    @property
    def missing(self) -> int:
        return sum(c.missing for c in self.cards)

    @property
    def returned(self) -> list[CardProgress]:
        return [c for c in self.cards if c.state == Submission.State.RETURNED]

    @property
    def to_approve(self) -> list[CardProgress]:
        return [c for c in self.cards if c.state == Submission.State.SUBMITTED and c.can_approve]


def board(cycle: Cycle, user) -> CycleBoard:
    scope = scope_for(user, cycle.entity)
    periods = list(Period.objects.filter(cycle=cycle).order_by("reference_date"))
    period = current_period(cycle, periods=periods) if periods else None
    result = CycleBoard(cycle, scope, period, periods)
    cards = list(visible_scorecards(cycle, scope).select_related("unit").order_by("position", "code"))
    if not cards or period is None:
        result.cards = [CardProgress(c, 0, 0, Submission.State.DRAFT, "") for c in cards]
        return result
    due = dict(Assignment.objects.filter(scorecard__in=cards).values("scorecard_id")
               .annotate(n=Count("id")).values_list("scorecard_id", "n"))
    present = Q(raw_value__gt="") | Q(numerator__isnull=False)
    entered_ids = Measurement.objects.filter(present, period=period).values("indicator_id")
    entered = dict(Assignment.objects.filter(scorecard__in=cards, indicator_id__in=entered_ids)
                   .values("scorecard_id").annotate(n=Count("id")).values_list("scorecard_id", "n"))
    submissions = {s.scorecard_id: s for s in Submission.objects.filter(scorecard__in=cards, period=period)}
    labels = dict(Submission.State.choices)
    for card in cards:
        submission = submissions.get(card.pk)
        state = submission.state if submission else Submission.State.DRAFT
        result.cards.append(CardProgress(
            card, due.get(card.pk, 0), entered.get(card.pk, 0), state, labels[state],
            submission.comment if submission else "", scope.can_edit(card.unit_id, card.holder_id),
            scope.can_approve(card.unit_id, card.holder_id)))
    return result
