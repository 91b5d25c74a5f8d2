from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from organization.admin_scope import EntityScopedAdmin, EntityScopedInline

from . import page_cache
from .admin_freeze import FrozenAdminMixin, FrozenInlineMixin, PlanChangeFormMixin, PlanInlineMixin
from .tasks import schedule_recompute

from .models import (
    Assignment,
    Override,
    Cycle,
    CycleSnapshot,
    CycleTransition,
    PlanChange,
    Indicator,
    Measurement,
    OperationalObjective,
    Period,
    Perspective,
    Scorecard,
    StrategicObjective,
)


def _cycle_id(obj) -> int | None:
    if isinstance(obj, Cycle):
        return obj.pk
    for path in ("cycle_id", "scorecard.cycle_id", "period.cycle_id"):
        target = obj
        try:
            for name in path.split("."):
                target = getattr(target, name)
        except AttributeError:
            continue
        return target
    return None


class CycleDataMixin:
    """Every change made in the admin moves the cycle's page generation on (see page_cache)."""

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        cycle_id = _cycle_id(form.instance)
        if cycle_id:
            page_cache.bump(cycle_id)

    def delete_model(self, request, obj):
        cycle_id = _cycle_id(obj)
        super().delete_model(request, obj)
        if cycle_id:
            page_cache.bump(cycle_id)

    def delete_queryset(self, request, queryset):
        cycle_ids = {_cycle_id(obj) for obj in queryset}
        super().delete_queryset(request, queryset)
        for cycle_id in cycle_ids - {None}:
            page_cache.bump(cycle_id)


class CycleDataAdmin(EntityScopedAdmin, FrozenAdminMixin, CycleDataMixin, admin.ModelAdmin):
    pass


class CycleHistoryAdmin(EntityScopedAdmin, FrozenAdminMixin, CycleDataMixin, SimpleHistoryAdmin):
    """django-simple-history's views find the object past get_queryset (history_view falls back to the
    history records, history_form_view reads them directly) and its "revert" form saves on POST whatever
    the change permission: both go through the scoped get_object first, and a revert needs the right to change."""

    def history_view(self, request, object_id, extra_context=None):
        self.get_object(request, admin.utils.unquote(object_id))  # 404 outside the user's entities
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        obj = self.get_object(request, admin.utils.unquote(object_id))
        if request.method != "GET" and not self.has_change_permission(request, obj):
            raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)


class PeriodInline(EntityScopedInline, FrozenInlineMixin, admin.TabularInline):
    model = Period
    extra = 0
    fields = ("code", "name", "reference_date", "deadline", "is_final", "locked")


class PerspectiveInline(EntityScopedInline, FrozenInlineMixin, admin.TabularInline):
    model = Perspective
    extra = 0
    fields = ("code", "name", "position")


@admin.register(Cycle)
class CycleAdmin(CycleDataAdmin):
    list_display = ("year", "entity", "state", "piao_due", "relazione_due")
    list_filter = ("entity", "state")
    search_fields = ("entity__name", "piao_reference")
    # The state moves only through the workflow (performance/workflow.py), never by editing the field.
    readonly_fields = ("state",)
    inlines = [PerspectiveInline, PeriodInline]


class OperationalObjectiveInline(EntityScopedInline, PlanInlineMixin, admin.TabularInline):
    model = OperationalObjective
    extra = 0
    fields = ("code", "title", "weight", "position")
    show_change_link = True


@admin.register(StrategicObjective)
class StrategicObjectiveAdmin(PlanChangeFormMixin, CycleDataAdmin):
    list_display = ("code", "title", "perspective", "cycle")
    list_filter = ("cycle", "perspective")
    search_fields = ("code", "title", "narrative")
    list_select_related = ("perspective", "cycle__entity")
    inlines = [OperationalObjectiveInline]


class IndicatorInline(EntityScopedInline, PlanInlineMixin, admin.TabularInline):
    model = Indicator
    extra = 0
    fields = ("code", "name", "kind", "direction", "target_raw", "weight")
    show_change_link = True


@admin.register(OperationalObjective)
class OperationalObjectiveAdmin(PlanChangeFormMixin, CycleDataAdmin):
    list_display = ("code", "title", "strategic_objective", "weight", "is_common")
    list_filter = ("cycle", "is_common", "strategic_objective__perspective")
    search_fields = ("code", "title")
    list_select_related = ("strategic_objective",)
    autocomplete_fields = ("strategic_objective",)
    inlines = [IndicatorInline]


class AssignmentInline(EntityScopedInline, PlanInlineMixin, admin.TabularInline):
    model = Assignment
    extra = 0
    fields = ("scorecard", "indicator", "weight", "printed_realization_raw", "position")
    autocomplete_fields = ("scorecard", "indicator")


class MeasurementInline(EntityScopedInline, FrozenInlineMixin, admin.TabularInline):
    """Shown, not edited: values are written only through services.submit_measurement (the entry page)."""

    model = Measurement
    extra = 0
    fields = ("period", "raw_value", "is_nv", "nv_reason", "note", "version")
    readonly_fields = fields
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Indicator)
class IndicatorAdmin(PlanChangeFormMixin, CycleDataAdmin):
    list_display = ("code", "name", "kind", "direction", "target_raw", "realization", "flags", "is_common")
    list_filter = ("cycle", "kind", "direction", "is_common", "score__status",
                   "operational_objective__strategic_objective")
    readonly_fields = ("realization", "result_status", "flags", "target_number", "target_date", "target_bool",
                       "target_operator")

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        schedule_recompute(obj.cycle_id)
    search_fields = ("code", "name", "algorithm")
    list_select_related = ("operational_objective", "score")
    autocomplete_fields = ("operational_objective",)
    inlines = [AssignmentInline, MeasurementInline]


@admin.register(Scorecard)
class ScorecardAdmin(CycleDataAdmin):
    list_display = ("title", "code", "kind", "unit", "holder_name", "cycle")
    list_filter = ("cycle", "kind")
    search_fields = ("title", "code", "holder_name")
    list_select_related = ("unit", "cycle__entity")
    autocomplete_fields = ("unit", "holder")
    inlines = [AssignmentInline]


@admin.register(Assignment)
class AssignmentAdmin(PlanChangeFormMixin, CycleDataAdmin):
    list_display = ("scorecard", "indicator", "weight", "printed_realization_raw")
    list_filter = ("scorecard__cycle", "scorecard")
    search_fields = ("indicator__name", "indicator__code", "scorecard__title")
    list_select_related = ("scorecard", "indicator")
    autocomplete_fields = ("scorecard", "indicator")


class ReadOnlyAdminMixin:
    """Shown, never added, changed or deleted in the admin."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Measurement)
class MeasurementAdmin(ReadOnlyAdminMixin, CycleHistoryAdmin):
    """Values are read here, never written: the only write path is services.submit_measurement (the
    scorecard's entry page, its Excel upload and the API), which parses the value, checks the period, the
    scorecard's submission, the user's scope and the version, and records the history. Re-doing all that
    on an admin form would be a second set of rules to keep in step; a link leads to the entry page."""

    list_display = ("indicator", "period", "raw_value", "is_nv", "author", "updated_at", "version")
    list_filter = ("period__cycle", "period", "is_nv")
    search_fields = ("indicator__name", "indicator__code", "raw_value")
    list_select_related = ("indicator", "period", "author")
    fields = ("entry_pages", "indicator", "period", "raw_value", "numerator", "denominator", "is_nv", "nv_reason",
              "note", "shortfall_reason", "evidence", "author", "updated_at", "version")
    readonly_fields = fields
    history_list_display = ("raw_value", "is_nv", "version")

    @admin.display(description=_("Dove si modifica"))
    def entry_pages(self, obj: Measurement) -> str:
        cards = obj.indicator.scorecards.order_by("position", "code").only("code", "title") if obj.pk else []
        links = format_html_join(", ", '<a href="{}?periodo={}">{}</a>', (
            (reverse("performance:scorecard", args=[obj.period.cycle_id, card.code]), obj.period.code, card.title)
            for card in cards))
        return format_html("{} {}", _("I valori si inseriscono e si correggono dalla scheda:"), links or "–")


@admin.register(Override)
class OverrideAdmin(ReadOnlyAdminMixin, CycleDataAdmin):
    """Read-only here: requests and decisions go through the indicator page (services.py)."""

    list_display = ("cycle", "level", "object_id", "value", "status", "requested_by", "requested_at", "decided_by")
    list_filter = ("cycle", "status", "level")
    search_fields = ("justification", "decision_note")
    list_select_related = ("cycle__entity", "requested_by", "decided_by")


class RecordAdmin(EntityScopedAdmin, ReadOnlyAdminMixin, admin.ModelAdmin):
    """Records of the workflow: read here, written only by performance/workflow.py and plan_changes.py."""


@admin.register(CycleTransition)
class CycleTransitionAdmin(RecordAdmin):
    list_display = ("cycle", "from_state", "to_state", "user", "at", "snapshot")
    list_filter = ("cycle", "to_state")


@admin.register(CycleSnapshot)
class CycleSnapshotAdmin(RecordAdmin):
    list_display = ("cycle", "number", "created_at", "created_by", "sha256")
    exclude = ("data",)  # megabytes of JSON: downloaded from the cycle's state page instead


@admin.register(PlanChange)
class PlanChangeAdmin(RecordAdmin):
    list_display = ("cycle", "changed_on", "object_code", "field", "old_value", "new_value", "act")
    list_filter = ("cycle", "object_kind")
    search_fields = ("object_code", "act", "reason")


admin.site.site_header = _("Misura – amministrazione")
admin.site.site_title = _("Misura")
admin.site.index_title = _("Piano, valori e organizzazione")
