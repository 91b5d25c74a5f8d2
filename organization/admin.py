from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import Entity, Membership, OrgUnit


class OrgUnitInline(admin.TabularInline):
    model = OrgUnit
    fk_name = "parent"
    fields = ("code", "name", "kind", "head_name", "head", "position")
    extra = 0
    autocomplete_fields = ("head",)
    verbose_name_plural = _("unità subordinate")


@admin.register(Entity)
class EntityAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "tax_code")
    search_fields = ("name", "code")


@admin.register(OrgUnit)
class OrgUnitAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "kind", "parent", "head_name", "entity")
    list_filter = ("entity", "kind")
    search_fields = ("name", "code", "head_name")
    list_select_related = ("parent", "entity")
    autocomplete_fields = ("parent", "head")
    inlines = [OrgUnitInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "role", "unit", "entity")
    list_filter = ("role", "entity")
    search_fields = ("user__username", "user__first_name", "user__last_name", "unit__name")
    list_select_related = ("user", "unit", "entity")
    autocomplete_fields = ("user", "unit")
