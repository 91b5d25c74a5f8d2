"""Template context shared by every page (registered in TEMPLATES in config/settings.py)."""
from __future__ import annotations

from django.utils.functional import SimpleLazyObject

from .models import Entity


def _entity_name(user) -> str:
    """The name of the user's entity when they belong to exactly one, else "" (several or none)."""
    if not user.is_authenticated:
        return ""
    names = list(Entity.objects.filter(memberships__user=user).values_list("name", flat=True).distinct()[:2])
    return names[0] if len(names) == 1 else ""


def current_entity(request) -> dict:
    """`current_entity_name` for the page header, read from the database only if a template uses it."""
    user = getattr(request, "user", None)
    if user is None:
        return {"current_entity_name": ""}
    return {"current_entity_name": SimpleLazyObject(lambda: _entity_name(user))}
