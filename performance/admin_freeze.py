"""The admin meets the freeze (performance/freeze.py) like every other path.

A frozen object's change form is read-only (Django refuses its POST with 403 on the server) and says why;
an add form or an inline row landing in a frozen cycle gets the model's error on the form; a bulk delete
touching frozen rows is refused with a message. The model layer refuses anyway: this only makes the
refusal readable.
"""
from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from .freeze import CycleFrozen


def frozen_reason(obj) -> str:
    """The Italian reason why obj cannot change now, or "" when it can (one query)."""
    check = getattr(obj, "check_writable", None)
    if obj is None or obj.pk is None or check is None:
        return ""
    try:
        check()
    except CycleFrozen as exc:
        return exc.messages[0]
    except Exception:  # other refusals (a locked period) are the form's business, not the freeze's
        return ""
    return ""


class FrozenAdminMixin:
    """For ModelAdmins of models with FreezeGuarded (and for Cycle)."""

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and not frozen_reason(obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and not frozen_reason(obj)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, admin.utils.unquote(object_id))
        reason = frozen_reason(obj)
        if reason and request.method == "GET":
            messages.warning(request, _("Sola lettura. %(reason)s") % {"reason": reason})
        return super().change_view(request, object_id, form_url, extra_context)

    def delete_queryset(self, request, queryset):
        try:
            super().delete_queryset(request, queryset)
        except CycleFrozen as exc:
            self.message_user(request, exc.messages[0], messages.ERROR)


class FrozenInlineMixin:
    """Inline rows of a frozen parent are shown, never changed, added or deleted."""

    def _parent_frozen(self, obj) -> bool:
        return bool(frozen_reason(obj))

    def has_add_permission(self, request, obj=None):
        return super().has_add_permission(request, obj) and not self._parent_frozen(obj)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and not self._parent_frozen(obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and not self._parent_frozen(obj)


# --- In-year plan changes (performance/plan_changes.py) ---------------------------------------------

def _cycle_of(obj):
    if obj is None:
        return None
    return getattr(obj, "cycle", None) or getattr(getattr(obj, "scorecard", None), "cycle", None)


class PlanChangeForm(forms.ModelForm):
    """The three fields of an in-year change, next to the model's own (used as the admin's base form)."""

    changed_on = forms.DateField(label=_("Data della variazione"), required=False,
                                 help_text=_("Obbligatoria se il ciclo è oltre la pianificazione."))
    act = forms.CharField(label=_("Atto formale della variazione"), required=False, max_length=300)
    reason = forms.CharField(label=_("Motivazione della variazione"), required=False, widget=forms.Textarea)

    def clean(self):
        from .plan_changes import TRACKED, ChangeAct, needs_act

        data = super().clean()
        instance, cycle = self.instance, _cycle_of(self.instance)
        self.change_act = None
        if cycle is None or not needs_act(cycle) or not set(self.changed_data) & set(TRACKED[type(instance)][1]):
            return data
        self.change_act = ChangeAct(data.get("changed_on"), data.get("act") or "", data.get("reason") or "")
        try:
            self.change_act.check()
        except ValidationError as exc:
            for name, errors in exc.message_dict.items():
                self.add_error(name, errors)
        return data


class PlanChangeFormMixin:
    """Admin change forms of objectives, indicators and assignments: past planning, a change of a tracked
    field needs the date, formal act and reason, and is recorded as a PlanChange."""

    form = PlanChangeForm

    def get_fieldsets(self, request, obj=None):
        fieldsets = list(super().get_fieldsets(request, obj))
        names = ("changed_on", "act", "reason")
        fieldsets[0] = (fieldsets[0][0], {**fieldsets[0][1], "fields": [
            f for f in fieldsets[0][1]["fields"] if f not in names]})
        return fieldsets + [(_("Variazione in corso d'anno"), {"fields": names})]

    def save_model(self, request, obj, form, change):
        from .plan_changes import field_changes, object_added, record_changes, tracked_values

        act = getattr(form, "change_act", None)
        before = tracked_values(type(obj)._base_manager.get(pk=obj.pk)) if act and change else None
        super().save_model(request, obj, form, change)
        if act is not None:
            changes = field_changes(obj, before) if change else [object_added(obj)]
            record_changes(_cycle_of(obj), changes, act, acting_user=request.user)


class PlanInlineMixin(FrozenInlineMixin):
    """Past planning, objectives, indicators and assignments change one by one on their own form (which
    asks for the formal act), not in a parent's table."""

    def _parent_frozen(self, obj) -> bool:
        from .plan_changes import needs_act

        cycle = _cycle_of(obj)
        return super()._parent_frozen(obj) or (cycle is not None and needs_act(cycle))
