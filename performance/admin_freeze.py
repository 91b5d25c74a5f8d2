"""The admin meets the freeze (performance/freeze.py) like every other path.

A frozen object's change form is read-only (Django refuses its POST with 403 on the server) and says why;
an add form or an inline row landing in a frozen cycle gets the model's error on the form; a bulk delete
touching frozen rows is refused with a message. The model layer refuses anyway: this only makes the
refusal readable.
"""
from __future__ import annotations

from django.contrib import admin, messages
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
