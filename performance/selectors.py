"""Reads scoped to the user: what is outside their reach is a 404, never a 403 that confirms it exists."""
from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from organization.access import Scope, entities_for, scope_for

from .models import Cycle, Indicator, Period, Scorecard


def get_cycle_for_user(user, cycle_id: int) -> Cycle:
    """The cycle, or 404 when it does not exist or belongs to an entity the user is not in."""
    return get_object_or_404(Cycle.objects.select_related("entity"), pk=cycle_id, entity__in=entities_for(user))


def visible_scorecards(cycle: Cycle, scope: Scope) -> QuerySet[Scorecard]:
    """Scorecards of the cycle the user may open: all for entity-wide roles, else their units' and their own."""
    cards = Scorecard.objects.filter(cycle=cycle)
    units = scope.visible_unit_ids()
    if units is None:
        return cards if scope.roles else cards.none()
    return cards.filter(Q(unit_id__in=units) | Q(holder_id=scope.user_id))


@dataclass(frozen=True)
class ScorecardAccess:
    scorecard: Scorecard
    scope: Scope

    @property
    def can_edit(self) -> bool:
        return self.scope.can_edit(self.scorecard.unit_id, self.scorecard.holder_id)

    @property
    def can_approve(self) -> bool:
        return self.scope.can_approve(self.scorecard.unit_id, self.scorecard.holder_id)


def get_scorecard_for_user(user, cycle_id: int, code: str) -> ScorecardAccess:
    """The scorecard with what the user may do on it, or 404 when they may not see it."""
    scorecard = (Scorecard.objects.filter(cycle_id=cycle_id, code=code, cycle__entity__in=entities_for(user))
                 .select_related("cycle__entity", "unit").first())
    if scorecard is None:
        raise Http404
    scope = scope_for(user, scorecard.cycle.entity)
    if not scope.can_view(scorecard.unit_id, scorecard.holder_id):
        raise Http404
    return ScorecardAccess(scorecard, scope)


def get_indicator_for_user(user, cycle: Cycle, code: str, scope: Scope | None = None) -> Indicator:
    """An indicator the user may see: on a scorecard they can open (entity-wide roles: any)."""
    scope = scope or scope_for(user, cycle.entity)
    indicators = Indicator.objects.filter(cycle=cycle, code=code)
    if not scope.sees_everything:
        indicators = indicators.filter(scorecards__in=visible_scorecards(cycle, scope)).distinct()
    indicator = indicators.select_related("operational_objective__strategic_objective", "cycle__entity").first()
    if indicator is None:
        raise Http404
    return indicator


def current_period(cycle: Cycle, code: str | None = None, periods: list[Period] | None = None) -> Period | None:
    """The period asked for, or the one being collected: the first unlocked (earliest deadline), else the
    final. `periods`: the cycle's periods by reference date, when the caller has them already."""
    if periods is None:
        periods = list(Period.objects.filter(cycle=cycle).order_by("reference_date"))
    if code:
        for period in periods:
            if period.code == code:
                return period
        raise Http404
    open_periods = [p for p in periods if not p.locked]
    if open_periods:
        return open_periods[0]
    finals = [p for p in periods if p.is_final]
    return finals[0] if finals else (periods[-1] if periods else None)


def scorecard_filter(user, path: str = "") -> Q:
    """A Q over scorecards (or, with `path`, over what points to them) that the user may see, any entity."""
    q = Q(pk__in=[])
    for entity in entities_for(user):
        scope = scope_for(user, entity)
        cycle_q = Q(**{f"{path}cycle__entity": entity})
        units = scope.visible_unit_ids()
        if units is None:
            q |= cycle_q
        else:
            q |= cycle_q & (Q(**{f"{path}unit_id__in": units}) | Q(**{f"{path}holder_id": scope.user_id}))
    return q


def visible_indicator_ids(user) -> QuerySet | None:
    """Ids of the indicators a unit-bound user may see; None when they see their entities whole."""
    scopes = [scope_for(user, entity) for entity in entities_for(user)]
    if all(s.sees_everything for s in scopes):
        return None
    return Indicator.objects.filter(scorecards__in=Scorecard.objects.filter(scorecard_filter(user))).values("pk")
