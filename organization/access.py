"""Who may see what. Every view and API endpoint scopes its queryset through these helpers."""
from __future__ import annotations

from django.db.models import QuerySet

from .models import Entity, Membership, Role

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
