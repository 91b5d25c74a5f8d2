"""The one rule on who may hold which roles together: the OIV is independent.

An OIV member validates the work of the entity's staff; someone who is also staff (or holds any other
role in the same entity) would validate their own work. So nobody holds OIV and another role in the
same entity at once. Membership.clean() uses the rule for the admin form's message on the role field;
Membership.save(), bulk_create() and update() check it after writing, in the same transaction, so no
ORM path (load_demo, a shell, a future importer) stores a conflict; the OIV's services refuse an act by
someone who is not a plain OIV member anyway (validation/services.py), in case a row got in past all this.
"""
from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.utils.translation import gettext as _

from .models.core import Role

_LABELS = dict(Role.choices)


def is_independent_oiv(roles: Iterable[str]) -> bool:
    """True when the roles (as roles_for gives them: superusers also hold ADMIN) are the OIV's alone."""
    return set(roles) == {Role.OIV}


def role_conflict(role: str, other_roles: Iterable[str]) -> str:
    """The Italian message when `role` cannot be held beside `other_roles` in one entity ("" when it can)."""
    others = {r for r in other_roles if r != role}
    if role == Role.OIV and others:
        labels = ", ".join(sorted(str(_LABELS.get(r, r)) for r in others))
        return _("Ruolo: l'OIV deve essere indipendente: questo utente ricopre già nell'ente il ruolo «%(roles)s» "
                 "e non può esserne anche componente dell'OIV.") % {"roles": labels}
    if role != Role.OIV and Role.OIV in others:
        return _("Ruolo: questo utente è componente dell'OIV dell'ente e l'OIV deve essere indipendente: non può "
                 "ricoprire anche il ruolo «%(role)s».") % {"role": _LABELS.get(role, role)}
    return ""


def check_membership(user_id: int | None, entity_id: int | None, role: str, *, exclude_pk: int | None = None) -> None:
    """Raise ValidationError on the role field when the membership would break the rule (one query)."""
    from .models import Membership

    if user_id is None or entity_id is None or not role:
        return
    held = (Membership.objects.filter(user_id=user_id, entity_id=entity_id).exclude(pk=exclude_pk)
            .values_list("role", flat=True))
    message = role_conflict(role, held)
    if message:
        raise ValidationError({"role": message}, code="oiv_not_independent")


def check_stored(pairs: Iterable[tuple[int, int]]) -> None:
    """Raise ValidationError when a (user id, entity id) pair holds OIV beside another role in the table
    as it is now (one query): called after a write, inside its transaction, which the error rolls back."""
    from .models import Membership

    wanted = Q(pk__in=[])
    for user_id, entity_id in set(pairs):
        wanted |= Q(user_id=user_id, entity_id=entity_id)
    conflicts = list(Membership.objects.filter(wanted).order_by().values("user_id", "entity_id")
                     .annotate(oiv=Count("pk", filter=Q(role=Role.OIV)), other=Count("pk", filter=~Q(role=Role.OIV)))
                     .filter(oiv__gt=0, other__gt=0)[:1])
    if conflicts:
        # Only on the way out: who and where, for the message.
        first = conflicts[0]
        found = (Membership.objects.filter(user_id=first["user_id"], entity_id=first["entity_id"])
                 .values_list("user__username", "entity__name").first())
        raise ValidationError({"role": _("Ruolo: l'OIV deve essere indipendente: %(user)s sarebbe componente "
                                         "dell'OIV di %(entity)s e insieme titolare di un altro ruolo nello stesso "
                                         "ente. Nulla è stato salvato.") % {"user": found[0], "entity": found[1]}},
                              code="oiv_not_independent")
