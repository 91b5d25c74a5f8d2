"""The admin sees one entity's data at a time: the entities where the user is Struttura tecnica or
Amministratore (issue 15, item 2).

Those two roles are the admin-capable ones: they already edit the whole entity on the pages
(access.WHOLE_ENTITY_EDITORS minus the segretario, who is not staff). Superusers see everything.

ENTITY_PATHS is the one place that says how each model reaches its entity. EntityScopedAdmin (for
ModelAdmins) and EntityScopedInline (for inlines) filter by it the changelist and every object view, the
choices of foreign keys and many-to-many fields, the autocomplete results (which come from the target's
admin queryset) and the related list filters (turned into RelatedOnlyFieldListFilter, whose choices come
from the scoped queryset). An object of another entity answers 404, like a missing one.
"""
from __future__ import annotations

from django.contrib import admin
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models import QuerySet
from django.http import Http404, HttpRequest

from .models import Membership, Role

#: Roles whose holders work on their entity in the admin.
ADMIN_ROLES = (Role.STRUTTURA_TECNICA, Role.ADMIN)

#: "app_label.ModelName" -> lookup path from the model to its Entity ("" for Entity itself).
ENTITY_PATHS: dict[str, str] = {
    "organization.Entity": "",
    "organization.OrgUnit": "entity",
    "organization.Membership": "entity",
    "organization.Organ": "entity",
    "organization.StaffPlan": "entity",
    "organization.StaffCount": "entity",
    "organization.StaffYear": "entity",
    "organization.StaffBreakdown": "entity",
    "organization.Absence": "entity",
    "organization.ParentalLeave": "entity",
    "organization.ContextTable": "entity",
    "organization.ContextRow": "table__entity",
    "performance.Cycle": "entity",
    "performance.Period": "cycle__entity",
    "performance.Perspective": "cycle__entity",
    "performance.StrategicObjective": "cycle__entity",
    "performance.OperationalObjective": "cycle__entity",
    "performance.Indicator": "cycle__entity",
    "performance.Scorecard": "cycle__entity",
    "performance.Assignment": "scorecard__cycle__entity",
    "performance.Measurement": "period__cycle__entity",
    "performance.Override": "cycle__entity",
    "performance.CycleTransition": "cycle__entity",
    "performance.CycleSnapshot": "cycle__entity",
    "performance.PlanChange": "cycle__entity",
    "budget.BudgetLine": "entity",
    "budget.DeclaredTotal": "entity",
    "budget.ActionLine": "entity",
    "budget.BalanceComponent": "entity",
    "budget.BalanceIndex": "entity",
    "budget.Participation": "entity",
    # People are chosen (a unit's head, a scorecard's holder, a membership's user) among the entity's members.
    "auth.User": "memberships__entity",
}


def admin_entity_ids(request: HttpRequest) -> frozenset[int] | None:
    """Ids of the entities the user administers; None for a superuser (all). One query per request."""
    user = request.user
    if user.is_superuser:
        return None
    cached = getattr(request, "_admin_entity_ids", None)
    if cached is None:
        cached = frozenset(Membership.objects.filter(user=user, role__in=ADMIN_ROLES)
                           .values_list("entity_id", flat=True).distinct())
        request._admin_entity_ids = cached
    return cached


def entity_path(model: type[models.Model]) -> str | None:
    return ENTITY_PATHS.get(model._meta.label)


def scope(queryset: QuerySet, request: HttpRequest) -> QuerySet:
    """queryset limited to the entities the user administers. A model with no known path shows nothing
    to non-superusers: a model added without its path stays closed rather than open."""
    entity_ids = admin_entity_ids(request)
    if entity_ids is None:
        return queryset
    path = entity_path(queryset.model)
    if path is None:
        return queryset.none()
    if path == "":
        return queryset.filter(pk__in=entity_ids)
    scoped = queryset.filter(**{f"{path}__in": entity_ids})
    # a path through a to-many relation (a user's memberships) would repeat rows
    return scoped.distinct() if "memberships" in path else scoped


class _ScopedChoices:
    """Foreign-key and many-to-many choices limited to the user's entities."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if field is not None and hasattr(field, "queryset"):
            field.queryset = scope(field.queryset, request)
        return field

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        field = super().formfield_for_manytomany(db_field, request, **kwargs)
        if field is not None and hasattr(field, "queryset"):
            field.queryset = scope(field.queryset, request)
        return field

    def get_queryset(self, request):
        return scope(super().get_queryset(request), request)


class EntityScopedAdmin(_ScopedChoices):
    """Mixin for every ModelAdmin (put it first in the bases)."""

    def get_object(self, request, object_id, from_field=None):
        # Django's admin answers a missing object with a redirect to the index and a message; an object of
        # another entity must not be told apart from one that does not exist: 404 for change, delete, history.
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            raise Http404
        return obj

    def get_list_filter(self, request):
        filters = []
        for item in super().get_list_filter(request):
            if isinstance(item, str) and _is_relation(self.model, item):
                item = (item, admin.RelatedOnlyFieldListFilter)
            filters.append(item)
        return filters


class EntityScopedInline(_ScopedChoices):
    """Mixin for every inline (put it first in the bases)."""


def _is_relation(model: type[models.Model], path: str) -> bool:
    field = None
    for name in path.split("__"):
        try:
            field = model._meta.get_field(name)
        except FieldDoesNotExist:  # a lookup, not a field: a plain filter
            return False
        if not field.is_relation:
            return False
        model = field.related_model
    return field is not None and field.is_relation
