"""Users and groups in the admin: only superusers change them, and users on record are deactivated.

Django's user form lets whoever may change users tick "superuser" and give themselves every permission,
and whoever may change groups may give their own group any permission: both are superusers' business,
whatever permissions a staff group holds. Deleting a user whose name stays on frozen or published data
is refused with the reason and the way out (deactivation); organization/users.py is the write path.
"""
from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.admin.actions import delete_selected
from django.contrib.admin.utils import unquote
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import users as user_services
from .admin_scope import EntityScopedAdmin

User = get_user_model()


def _superuser(request) -> bool:
    return request.user.is_active and request.user.is_superuser


class SuperuserOnlyMixin:
    """Add, change and delete for superusers only (staff with the view permission may still look)."""

    def has_add_permission(self, request, *args) -> bool:
        return _superuser(request)

    def has_change_permission(self, request, obj=None) -> bool:
        return _superuser(request)

    def has_delete_permission(self, request, obj=None) -> bool:
        return _superuser(request)


class MisuraUserAdmin(EntityScopedAdmin, SuperuserOnlyMixin, UserAdmin):
    actions = ["deactivate_users"]

    @admin.action(description=gettext_lazy("Disattiva utenti selezionati"))
    def deactivate_users(self, request, queryset) -> None:
        count = user_services.deactivate_users(queryset, acting_user=request.user)
        self.message_user(request, _("Utenti disattivati: %(n)s. Non possono più accedere; i dati che hanno "
                                     "inserito restano a loro nome.") % {"n": count}, messages.SUCCESS)

    def get_actions(self, request):
        actions = super().get_actions(request)
        if "delete_selected" in actions:  # Django's own, behind the check for users on record
            actions["delete_selected"] = (type(self).delete_selected_users, "delete_selected",
                                          actions["delete_selected"][2])
        return actions

    def delete_selected_users(self, request, queryset):
        blockers = user_services.deletion_blockers(queryset)
        if blockers:
            self.message_user(request, user_services.refusal_message(queryset, blockers), messages.ERROR)
            return None  # back to the list, nothing deleted
        return delete_selected(self, request, queryset)

    def delete_view(self, request, object_id, extra_context=None):
        obj = self.get_object(request, unquote(object_id))
        if obj is not None and self.has_delete_permission(request, obj):
            blockers = user_services.deletion_blockers(User.objects.filter(pk=obj.pk))
            if blockers:
                self.message_user(request, user_services.refusal_message([obj], blockers), messages.ERROR)
                opts = self.model._meta
                return redirect(reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk],
                                        current_app=self.admin_site.name))
        return super().delete_view(request, object_id, extra_context)

    # The confirmed deletes go through the service too (a record may have appeared since the check).
    def delete_model(self, request, obj) -> None:
        self.delete_queryset(request, User.objects.filter(pk=obj.pk))

    def delete_queryset(self, request, queryset) -> None:
        try:
            user_services.delete_users(queryset)
        except ValidationError as exc:
            self.message_user(request, exc.messages[0], messages.ERROR)


class MisuraGroupAdmin(SuperuserOnlyMixin, GroupAdmin):
    pass


for model, model_admin in ((User, MisuraUserAdmin), (Group, MisuraGroupAdmin)):
    if admin.site.is_registered(model):
        admin.site.unregister(model)
    admin.site.register(model, model_admin)
