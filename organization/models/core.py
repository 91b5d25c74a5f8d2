from __future__ import annotations

from collections.abc import Hashable, Mapping

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils.translation import gettext_lazy as _


class Entity(models.Model):
    """The administration whose performance cycle is managed (e.g. a Camera di commercio)."""

    code = models.SlugField(_("codice"), max_length=40, unique=True)
    name = models.CharField(_("denominazione"), max_length=200)
    tax_code = models.CharField(_("codice fiscale"), max_length=16, blank=True)
    website = models.URLField(_("sito web"), blank=True)

    class Meta:
        verbose_name = _("ente")
        verbose_name_plural = _("enti")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


def closes_a_loop(parents: Mapping[Hashable, Hashable | None], start: Hashable) -> bool:
    """True when following parents up from `start` comes back to a unit already met: the one rule against
    circular hierarchies, for the importer (keys are codes) and OrgUnit.clean (keys are ids)."""
    seen, current = set(), start
    while current in parents and current not in seen:
        seen.add(current)
        current = parents[current]
    return current in seen


class OrgUnitQuerySet(models.QuerySet):
    """Set-based writes move the access generation on, as OrgUnit.save()/delete() do: a unit moved under
    another area changes who sees its scorecards, and a page cached under the old tree must go."""

    def for_entity(self, entity: Entity) -> OrgUnitQuerySet:
        return self.filter(entity=entity)

    def delete(self):
        result = super().delete()
        _bump_access()
        return result

    def update(self, **kwargs) -> int:
        count = super().update(**kwargs)
        _bump_access()
        return count

    def bulk_update(self, objs, fields, *args, **kwargs) -> int:
        count = super().bulk_update(objs, fields, *args, **kwargs)
        _bump_access()
        return count


class OrgUnit(models.Model):
    class Kind(models.TextChoices):
        ENTITY = "ente", _("Ente")
        AREA = "area", _("Area")
        SERVICE = "servizio", _("Servizio")
        OFFICE = "ufficio", _("Ufficio")
        SPECIAL_AGENCY = "azienda_speciale", _("Azienda speciale")

    entity = models.ForeignKey(Entity, on_delete=models.CASCADE, related_name="units", verbose_name=_("ente"))
    code = models.CharField(_("codice"), max_length=40)
    name = models.CharField(_("nome"), max_length=200)
    kind = models.CharField(_("tipo"), max_length=20, choices=Kind.choices)
    parent = models.ForeignKey(
        "self", on_delete=models.RESTRICT, null=True, blank=True, related_name="children",
        verbose_name=_("unità superiore"),
    )
    head_name = models.CharField(_("responsabile"), max_length=200, blank=True)
    # PROTECT: the units are in the snapshots the OIV validates; deleting their head would rewrite them
    # (a user who headed a unit is deactivated instead, organization/users.py).
    head = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="headed_units", verbose_name=_("utente responsabile"),
    )
    position = models.PositiveIntegerField(_("ordine"), default=0)

    objects = OrgUnitQuerySet.as_manager()

    class Meta:
        verbose_name = _("unità organizzativa")
        verbose_name_plural = _("unità organizzative")
        ordering = ["entity", "position", "code"]
        constraints = [
            models.UniqueConstraint(fields=["entity", "code"], name="orgunit_code_unique_per_entity"),
            models.CheckConstraint(condition=~models.Q(parent=models.F("id")), name="orgunit_not_own_parent"),
        ]

    def clean(self) -> None:
        """The admin's forms call this (full_clean): the parent is in the same entity and not below the unit."""
        super().clean()
        if self.parent_id is None:
            return
        if self.entity_id and OrgUnit.objects.filter(pk=self.parent_id).exclude(entity_id=self.entity_id).exists():
            raise ValidationError({"parent": _("L'unità superiore deve appartenere allo stesso ente.")})
        parents: dict[int | str, int | str | None] = dict(
            OrgUnit.objects.filter(entity_id=self.entity_id).values_list("id", "parent_id"))
        me = self.pk if self.pk is not None else "new"  # a new unit has no children yet, hence no loop
        parents[me] = self.parent_id
        if closes_a_loop(parents, me):
            raise ValidationError({"parent": _(
                "La gerarchia delle unità conterrebbe un ciclo: «%(parent)s» è già sotto questa unità.")
                % {"parent": self.parent}})

    def save(self, *args, **kwargs) -> None:
        super().save(*args, **kwargs)
        _bump_access()  # a moved unit moves who sees its scorecards

    def delete(self, *args, **kwargs):
        result = super().delete(*args, **kwargs)
        _bump_access()
        return result

    def __str__(self) -> str:
        return self.name

    def descendant_ids(self, units_by_parent: dict[int | None, list[int]] | None = None) -> set[int]:
        """Ids of this unit and all units below it (one query for the whole entity)."""
        if units_by_parent is None:
            units_by_parent = {}
            for uid, pid in OrgUnit.objects.filter(entity_id=self.entity_id).values_list("id", "parent_id"):
                units_by_parent.setdefault(pid, []).append(uid)
        result, stack = set(), [self.pk]
        while stack:
            current = stack.pop()
            if current in result:
                continue
            result.add(current)
            stack.extend(units_by_parent.get(current, []))
        return result


class Role(models.TextChoices):
    SERVICE_HEAD = "service_head", _("Responsabile di servizio")
    DIRIGENTE = "dirigente", _("Dirigente")
    SEGRETARIO_GENERALE = "segretario_generale", _("Segretario generale")
    STRUTTURA_TECNICA = "struttura_tecnica", _("Struttura tecnica")
    OIV = "oiv", _("OIV")
    ADMIN = "admin", _("Amministratore")


#: Fields whose change can put OIV beside another role (organization/roles.py).
_ROLE_FIELDS = {"user", "user_id", "entity", "entity_id", "role"}


class MembershipQuerySet(models.QuerySet):
    """Every set-based write path of memberships: like Membership.save()/delete(), it moves the access
    generation on (pages cached under the old permissions must go, see access.py) and keeps the OIV
    independent (roles.py). The admin's bulk delete goes through delete() here."""

    def delete(self):
        result = super().delete()
        _bump_access()
        return result

    def update(self, **kwargs) -> int:
        if not _ROLE_FIELDS & set(kwargs):
            count = super().update(**kwargs)
        else:
            with transaction.atomic(using=self.db):
                pks = list(self.values_list("pk", flat=True))
                count = super().update(**kwargs)
                _check_pairs(self.model.objects.filter(pk__in=pks))
        _bump_access()
        return count

    def bulk_create(self, objs, *args, **kwargs):
        with transaction.atomic(using=self.db):
            created = super().bulk_create(objs, *args, **kwargs)
            _check_stored((m.user_id, m.entity_id) for m in created)
        _bump_access()
        return created

    def bulk_update(self, objs, fields, *args, **kwargs) -> int:
        with transaction.atomic(using=self.db):
            count = super().bulk_update(objs, fields, *args, **kwargs)
            if _ROLE_FIELDS & set(fields):
                _check_pairs(self.model.objects.filter(pk__in=[m.pk for m in objs]))
        _bump_access()
        return count


class Membership(models.Model):
    """A user's role in an entity, optionally bound to a unit (and everything below it)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("utente")
    )
    entity = models.ForeignKey(Entity, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("ente"))
    unit = models.ForeignKey(
        OrgUnit, on_delete=models.CASCADE, null=True, blank=True, related_name="memberships",
        verbose_name=_("unità"),
    )
    role = models.CharField(_("ruolo"), max_length=30, choices=Role.choices)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        verbose_name = _("incarico")
        verbose_name_plural = _("incarichi")
        constraints = [
            models.UniqueConstraint(fields=["user", "entity", "unit", "role"], name="membership_unique"),
        ]

    def __str__(self) -> str:
        where = self.unit.name if self.unit_id else self.entity.name
        return f"{self.user} – {self.get_role_display()} ({where})"

    def clean(self) -> None:
        from ..roles import check_membership

        check_membership(self.user_id, self.entity_id, self.role, exclude_pk=self.pk)

    # Permissions follow memberships: cached pages rendered under the old ones must go (see access.py).
    def save(self, *args, **kwargs) -> None:
        with transaction.atomic(using=kwargs.get("using")):
            super().save(*args, **kwargs)
            _check_stored([(self.user_id, self.entity_id)])  # the OIV stays independent on every path
        _bump_access()

    def delete(self, *args, **kwargs):
        result = super().delete(*args, **kwargs)
        _bump_access()
        return result


def _check_stored(pairs) -> None:
    from ..roles import check_stored  # roles.py reads these models

    check_stored(pairs)


def _check_pairs(memberships: models.QuerySet) -> None:
    _check_stored(memberships.values_list("user_id", "entity_id").distinct())


def _bump_access() -> None:
    from ..access import bump_access  # access.py imports these models

    bump_access()
