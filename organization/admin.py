from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .admin_scope import EntityScopedAdmin, EntityScopedInline
from .models import Entity, Membership, OrgUnit


class OrgUnitInline(EntityScopedInline, admin.TabularInline):
    model = OrgUnit
    fk_name = "parent"
    fields = ("code", "name", "kind", "head_name", "head", "position")
    extra = 0
    autocomplete_fields = ("head",)
    verbose_name_plural = _("unità subordinate")


@admin.register(Entity)
class EntityAdmin(EntityScopedAdmin, admin.ModelAdmin):
    list_display = ("name", "code", "tax_code")
    search_fields = ("name", "code")

    # Entities are created and removed by superusers; staff only correct their own entity's details.
    def has_add_permission(self, request):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser


@admin.register(OrgUnit)
class OrgUnitAdmin(EntityScopedAdmin, admin.ModelAdmin):
    list_display = ("name", "code", "kind", "parent", "head_name", "entity")
    list_filter = ("entity", "kind")
    search_fields = ("name", "code", "head_name")
    list_select_related = ("parent", "entity")
    autocomplete_fields = ("parent", "head")
    inlines = [OrgUnitInline]


@admin.register(Membership)
class MembershipAdmin(EntityScopedAdmin, admin.ModelAdmin):
    list_display = ("user", "role", "unit", "entity")
    list_filter = ("role", "entity")
    search_fields = ("user__username", "user__first_name", "user__last_name", "unit__name")
    list_select_related = ("user", "unit", "entity")
    autocomplete_fields = ("user", "unit")

    # Roles are granted only by superusers, whatever the group's permissions: whoever may edit
    # memberships may make themselves OIV or staff of any entity.
    def has_add_permission(self, request) -> bool:
        return request.user.is_active and request.user.is_superuser

    def has_change_permission(self, request, obj=None) -> bool:
        return request.user.is_active and request.user.is_superuser

    def has_delete_permission(self, request, obj=None) -> bool:
        return request.user.is_active and request.user.is_superuser


# Chapter 1 and gender-report figures: single-row corrections; whole years go through the context workbook.
# Frozen while a cycle in validation shows them (performance/freeze.py).
from performance.admin_freeze import FrozenAdminMixin, FrozenInlineMixin  # noqa: E402
from .models import (  # noqa: E402  (kept next to their admin classes)
    Absence, ContextRow, ContextTable, Organ, ParentalLeave, StaffBreakdown, StaffCount, StaffPlan, StaffYear,
)


class YearFigureAdmin(EntityScopedAdmin, FrozenAdminMixin, admin.ModelAdmin):
    list_filter = ("entity", "year")


@admin.register(Organ)
class OrganAdmin(YearFigureAdmin):
    list_display = ("name", "kind", "year", "entity")


@admin.register(StaffPlan)
class StaffPlanAdmin(YearFigureAdmin):
    list_display = ("category", "planned_posts", "year", "entity")


@admin.register(StaffCount)
class StaffCountAdmin(YearFigureAdmin):
    list_display = ("category", "gender", "contract", "part_time_percent", "headcount", "year", "entity")
    list_filter = ("entity", "year", "gender", "contract")


@admin.register(StaffYear)
class StaffYearAdmin(YearFigureAdmin):
    list_display = ("year", "declared_fte", "entity")


@admin.register(StaffBreakdown)
class StaffBreakdownAdmin(YearFigureAdmin):
    list_display = ("dimension", "bucket", "gender", "headcount", "year", "entity")


@admin.register(Absence)
class AbsenceAdmin(YearFigureAdmin):
    list_display = ("cause", "days", "year", "entity")


@admin.register(ParentalLeave)
class ParentalLeaveAdmin(YearFigureAdmin):
    list_display = ("gender", "pay", "days", "year", "entity")


class ContextRowInline(EntityScopedInline, FrozenInlineMixin, admin.TabularInline):
    model = ContextRow
    fields = ("position", "label", "style", "values")
    extra = 0


@admin.register(ContextTable)
class ContextTableAdmin(YearFigureAdmin):
    list_display = ("title", "code", "year", "entity")
    inlines = [ContextRowInline]


from . import admin_users  # noqa: E402,F401  (users and groups: superusers only, authors deactivated)
