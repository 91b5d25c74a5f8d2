"""Who may see what. Every view and API endpoint scopes its queryset through these helpers."""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from django.core.cache import cache
from django.db import transaction

from django.db.models import QuerySet

from .models import Entity, Membership, OrgUnit, Role

ENTITY_WIDE_ROLES = {Role.STRUTTURA_TECNICA, Role.SEGRETARIO_GENERALE, Role.OIV, Role.ADMIN}


def entities_for(user) -> QuerySet[Entity]:
    """Entities the user belongs to (any role); superusers see every entity."""
    if not user.is_authenticated:
        return Entity.objects.none()
    if user.is_superuser:
        return Entity.objects.all()
    return Entity.objects.filter(memberships__user=user).distinct()


def roles_for(user, entity: Entity) -> set[str]:
    if not user.is_authenticated:
        return set()
    roles = set(Membership.objects.filter(user=user, entity=entity).values_list("role", flat=True))
    if user.is_superuser:
        roles.add(Role.ADMIN)
    return roles


def has_role(user, entity: Entity, *roles: str) -> bool:
    """True when the user holds one of `roles` anywhere in the entity (superusers hold every role)."""
    if not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    return Membership.objects.filter(user=user, entity=entity, role__in=roles).exists()


#: Roles that may enter values, and roles that may approve a scorecard's submission.
EDITOR_ROLES = {Role.SERVICE_HEAD, Role.DIRIGENTE, Role.STRUTTURA_TECNICA, Role.SEGRETARIO_GENERALE, Role.ADMIN}
APPROVER_ROLES = {Role.DIRIGENTE, Role.SEGRETARIO_GENERALE, Role.ADMIN}
WHOLE_ENTITY_EDITORS = {Role.STRUTTURA_TECNICA, Role.SEGRETARIO_GENERALE, Role.ADMIN}
WHOLE_ENTITY_APPROVERS = {Role.SEGRETARIO_GENERALE, Role.ADMIN}


@dataclass(frozen=True)
class Scope:
    """What one user may do in one entity, computed once per request (two queries).

    A unit-bound role covers the unit and everything below it: a dirigente's area, a service head's
    service and its offices. Individual scorecards also belong to their holder.
    """

    user_id: int | None
    roles: frozenset[str]
    # unit ids per role; None means the whole entity
    units: dict[str, frozenset[int] | None] = field(default_factory=dict)

    @property
    def sees_everything(self) -> bool:
        return bool(self.roles & ENTITY_WIDE_ROLES)

    @property
    def read_only(self) -> bool:
        return not (self.roles & EDITOR_ROLES)

    def _covers(self, roles: set[str], whole: set[str], unit_id: int | None, holder_id: int | None) -> bool:
        if self.roles & whole:
            return True
        if holder_id is not None and holder_id == self.user_id and self.roles & roles:
            return True
        if unit_id is None:
            return False
        for role in self.roles & roles:
            units = self.units.get(role)
            if units is None or unit_id in units:
                return True
        return False

    def can_view(self, unit_id: int | None, holder_id: int | None) -> bool:
        return self.sees_everything or self._covers(EDITOR_ROLES | APPROVER_ROLES, set(), unit_id, holder_id)

    def can_edit(self, unit_id: int | None, holder_id: int | None) -> bool:
        return self._covers(EDITOR_ROLES, WHOLE_ENTITY_EDITORS, unit_id, holder_id)

    def can_approve(self, unit_id: int | None, holder_id: int | None) -> bool:
        # The holder of an individual scorecard does not approve it: the level above does.
        if holder_id is not None and holder_id == self.user_id and not self.roles & WHOLE_ENTITY_APPROVERS:
            return False
        return self._covers({Role.DIRIGENTE}, WHOLE_ENTITY_APPROVERS, unit_id, None)

    def visible_unit_ids(self) -> frozenset[int] | None:
        """Units whose scorecards the user sees (None: all of them)."""
        if self.sees_everything:
            return None
        ids: set[int] = set()
        for units in self.units.values():
            if units is None:
                return None
            ids |= units
        return frozenset(ids)


def scope_for(user, entity: Entity) -> Scope:
    if not user.is_authenticated:
        return Scope(None, frozenset())
    memberships = list(Membership.objects.filter(user=user, entity=entity).values_list("role", "unit_id"))
    roles = {role for role, _unit in memberships}
    if user.is_superuser:
        roles.add(Role.ADMIN)
    children: dict[int | None, list[int]] = {}
    if any(unit for _role, unit in memberships):
        for pk, parent in OrgUnit.objects.filter(entity=entity).values_list("id", "parent_id"):
            children.setdefault(parent, []).append(pk)
    units: dict[str, frozenset[int] | None] = {}
    for role, unit in memberships:
        if unit is None:
            units[role] = None
        elif role not in units or units[role] is not None:
            units[role] = frozenset((units.get(role) or frozenset()) | _subtree(children, unit))
    return Scope(user.pk, frozenset(roles), units)


def _subtree(children: dict[int | None, list[int]], root: int) -> set[int]:
    found, stack = set(), [root]
    while stack:
        pk = stack.pop()
        if pk not in found:
            found.add(pk)
            stack.extend(children.get(pk, ()))
    return found


# Pages cached per user (performance/page_cache.py) are stored under this generation: any change of
# who may see what moves it on, so no page outlives the permission it was rendered with.
ACCESS_KEY = "misura:access-generation"


def generation_of(key: str) -> str:
    """The current value of a generation counter in the cache, created on first use."""
    value = cache.get(key)
    if value is None:
        value = uuid.uuid4().hex
        if not cache.add(key, value, timeout=None):
            value = cache.get(key) or value
    return value


def bump_generation(key: str) -> None:
    """A new value for the counter once the current transaction commits (at once outside one)."""
    transaction.on_commit(lambda: cache.set(key, uuid.uuid4().hex, timeout=None))


def access_generation() -> str:
    return generation_of(ACCESS_KEY)


def bump_access() -> None:
    bump_generation(ACCESS_KEY)
