"""Deleting and deactivating users: the one write path for both (the admin calls these).

Records that keep a user's name in the frozen or published data (values and their authors, the units'
heads, scorecard holders, the approvals, the Relazione's responsibles, the OIV's acts, the snapshots)
point at the user with on_delete=PROTECT: deleting the user would otherwise null them through the ORM's
cascade, past the freeze guard, and the snapshot under review would no longer verify. Such a user is
deactivated instead (cannot log in, keeps their name on what they did). A user who never did anything
that stays on record can still be deleted; their memberships go with them.
"""
from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import router, transaction
from django.db.models import Model, ProtectedError, QuerySet, RestrictedError
from django.db.models.deletion import Collector
from django.utils.translation import gettext as _

from .access import bump_access


def _kinds_by_user(found, user_ids: set[int]) -> dict[int, set[str]]:
    """For each user, the kinds of record (verbose_name_plural) among `found` that point at them."""
    user_model = get_user_model()
    kinds: dict[int, set[str]] = {}
    for obj in found:
        for field in obj._meta.concrete_fields:
            if field.is_relation and field.related_model is user_model:
                pk = getattr(obj, field.attname)
                if pk in user_ids:
                    kinds.setdefault(pk, set()).add(str(obj._meta.verbose_name_plural))
    return kinds


def deletion_blockers(users: QuerySet) -> dict[int, set[str]]:
    """Users of the queryset that cannot be deleted, with what keeps their name (nothing is deleted)."""
    ids = set(users.values_list("pk", flat=True))
    collector = Collector(using=router.db_for_write(users.model))
    try:
        collector.collect(users.model.objects.filter(pk__in=ids))
    except ProtectedError as exc:
        return _kinds_by_user(exc.protected_objects, ids)
    except RestrictedError as exc:
        return _kinds_by_user(exc.restricted_objects, ids)
    return {}


def refusal_message(users: QuerySet | list[Model], blockers: dict[int, set[str]]) -> str:
    """The Italian message naming each user that cannot be deleted, why, and what to do instead."""
    names = {u.pk: u.get_username() for u in users}
    lines = [_("L'utente «%(user)s» non può essere eliminato: il suo nome resta registrato in %(what)s.")
             % {"user": names.get(pk, pk), "what": ", ".join(sorted(kinds))}
             for pk, kinds in sorted(blockers.items(), key=lambda item: str(names.get(item[0])))]
    return " ".join(lines) + " " + _(
        "Questi dati possono essere congelati per la validazione o pubblicati e non devono cambiare: disattivare "
        "l'utente invece di eliminarlo (azione «Disattiva utenti selezionati», o togliere la spunta «Attivo» "
        "nella sua scheda). Nessun utente è stato eliminato.")


def delete_users(users: QuerySet) -> int:
    """Delete the users (with their memberships), or none of them: ValidationError says which ones are on
    record and offers deactivation."""
    ids = list(users.values_list("pk", flat=True))
    targets = users.model.objects.filter(pk__in=ids)
    try:
        with transaction.atomic(using=targets.db):
            count, _detail = targets.delete()
    except (ProtectedError, RestrictedError) as exc:
        found = getattr(exc, "protected_objects", None) or getattr(exc, "restricted_objects", ())
        raise ValidationError(refusal_message(list(targets), _kinds_by_user(found, set(ids)))) from exc
    bump_access()  # their memberships went by the ORM's cascade, which skips Membership's own invalidation
    return count


def deactivate_users(users: QuerySet, *, acting_user) -> int:
    """Deactivate the users (they can no longer log in; their sessions and API tokens stop working, see
    backends.py), except the acting user, who would lock themselves out."""
    return users.exclude(pk=acting_user.pk).filter(is_active=True).update(is_active=False)
