"""No edit after the freeze: once a cycle is sent to the OIV, nothing that feeds its Relazione changes.

One rule, enforced in the model layer so that every path (pages, API, admin, importers, shell) meets it:

- data of a cycle (plan, values, overrides, Relazione sections, plan changes) is read-only while the
  cycle is in FROZEN_STATES;
- data of an entity's year (budget, staff, organs, context tables) is read-only while a frozen cycle
  reads it: the Relazione of year Y shows the figures of Y and, for comparison, of Y − 1, so rows of
  year Y are frozen by the cycles of Y and of Y + 1.

Models opt in with ``FreezeGuarded`` (save/delete of one object) and ``FreezeGuardQuerySet`` (update,
delete, bulk_create, bulk_update); the set-based writers of performance/bulk.py call ``guard_objects``.
The state is always read from the database, never from a Cycle object the caller holds (it may predate
the freeze). Inside a transaction on PostgreSQL the cycle rows are read FOR SHARE: the freeze locks the
row FOR UPDATE, so it waits for writes in flight to commit, and a write that waited sees the new state.

Not frozen on purpose: the org units (entity-wide, next year's plan needs them; the snapshot keeps the
chart as it was), rendered editions (the final one is made after validation), the engine's stored
results (recompute refuses a frozen cycle instead, see recompute.py) and logs.

This module imports no model at load time: organization and budget models import it.
"""
from __future__ import annotations

from collections.abc import Iterable

from django.apps import apps
from django.core.exceptions import EmptyResultSet, ValidationError
from django.db import connections, models, router
from django.utils.translation import gettext as _

#: Cycle states in which the Relazione's data is frozen (the same as Cycle.is_frozen).
FROZEN_STATES = ("under_validation", "validated", "published")


class CycleFrozen(ValidationError):
    """A write refused because the cycle (or a cycle reading the data) is frozen for validation."""


def _cycle_model():
    return apps.get_model("performance", "Cycle")


def _frozen_error(year: int, state: str) -> CycleFrozen:
    label = dict(_cycle_model().State.choices).get(state, state)
    return CycleFrozen(_("Il ciclo %(year)s è «%(state)s»: i dati della sua Relazione sono congelati e non si "
                         "possono più modificare.") % {"year": year, "state": label}, code="frozen")


def check_cycles(cycles: models.QuerySet) -> None:
    """Raise CycleFrozen when any cycle of the queryset is frozen (one query, FOR SHARE in a transaction)."""
    query = cycles.order_by().values_list("year", "state")
    try:
        sql, params = query.query.sql_with_params()
    except EmptyResultSet:  # e.g. pk__in=[]: no cycle to check
        return
    connection = connections[query.db]
    if connection.vendor == "postgresql" and connection.in_atomic_block:
        sql += " FOR SHARE"
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    for year, state in sorted(rows):
        if state in FROZEN_STATES:
            raise _frozen_error(year, state)


def ensure_cycle_writable(cycle_id: int | None) -> None:
    """The public helper: raise CycleFrozen unless the cycle's data may change now."""
    if cycle_id is not None:
        check_cycles(_cycle_model().objects.filter(pk=cycle_id))


def ensure_cycles_writable(cycle_ids: Iterable[int | None]) -> None:
    ids = {pk for pk in cycle_ids if pk is not None}
    if ids:
        check_cycles(_cycle_model().objects.filter(pk__in=ids))


def years_reading(years: Iterable[int]) -> set[int]:
    """Years of the cycles whose Relazione shows data of these years (the year itself and the next)."""
    return {y for year in years for y in (year, year + 1)}


def ensure_years_writable(entity_id: int, years: Iterable[int]) -> None:
    """Raise CycleFrozen when a frozen cycle of the entity shows data of one of these years."""
    years = set(years)
    if years:
        check_cycles(_cycle_model().objects.filter(entity_id=entity_id, year__in=years_reading(years)))


# --- Where a model's rows belong --------------------------------------------------------------------

def _year_cycles(pairs: Iterable[tuple[int, int]]) -> models.QuerySet:
    """Cycles showing data of these (entity id, year) pairs."""
    by_entity: dict[int, set[int]] = {}
    for entity_id, year in pairs:
        by_entity.setdefault(entity_id, set()).add(year)
    wanted = models.Q(pk__in=[])
    for entity_id, years in by_entity.items():
        wanted |= models.Q(entity_id=entity_id, year__in=years_reading(years))
    return _cycle_model().objects.filter(wanted)


def _cycles_of_rows(model: type[models.Model], rows: models.QuerySet) -> models.QuerySet | None:
    """The cycles that read the stored rows of a queryset (None: the model is not guarded)."""
    if getattr(model, "freeze_cycle_path", ""):
        return _cycle_model().objects.filter(pk__in=rows.values(model.freeze_cycle_path))
    prefix = getattr(model, "freeze_year_prefix", None)
    if prefix is None:
        return None
    return _year_cycles(rows.values_list(f"{prefix}entity_id", f"{prefix}year").distinct())


def _cycles_of_objects(model: type[models.Model], objs: list[models.Model]) -> models.QuerySet | None:
    """The cycles that would read these objects as they are in memory (new or changed)."""
    path = getattr(model, "freeze_cycle_path", "") or getattr(model, "freeze_year_prefix", None)
    if path is None:
        return None
    if path == "":  # entity and year on the row itself
        return _year_cycles((o.entity_id, o.year) for o in objs)
    first, _sep, rest = path.rstrip("_").partition("__")
    ids = {getattr(o, f"{first}_id") for o in objs} - {None}
    if not rest and model.freeze_cycle_path:
        return _cycle_model().objects.filter(pk__in=ids)
    related = model._meta.get_field(first).related_model
    return _cycles_of_rows(related, related._base_manager.filter(pk__in=ids)) if not rest else \
        _cycle_model().objects.filter(pk__in=related._base_manager.filter(pk__in=ids).values(rest))


def guard_rows(model: type[models.Model], rows: models.QuerySet) -> None:
    """Refuse changing or deleting these stored rows when any of them belongs to frozen data."""
    cycles = _cycles_of_rows(model, rows)
    if cycles is not None:
        check_cycles(cycles)


def guard_objects(model: type[models.Model], objs: Iterable[models.Model]) -> None:
    """Refuse writing these (new or changed) objects when any of them would belong to frozen data."""
    objs = list(objs)
    cycles = _cycles_of_objects(model, objs) if objs else None
    if cycles is not None:
        check_cycles(cycles)


class FreezeGuardQuerySet(models.QuerySet):
    """update/delete/bulk writes refused on frozen data, checked once per call."""

    def update(self, **kwargs):
        guard_rows(self.model, self)
        return super().update(**kwargs)

    def delete(self):
        guard_rows(self.model, self)
        return super().delete()

    def bulk_create(self, objs, *args, **kwargs):
        objs = list(objs)
        guard_objects(self.model, objs)
        return super().bulk_create(objs, *args, **kwargs)

    def bulk_update(self, objs, fields, *args, **kwargs):
        objs = list(objs)
        guard_objects(self.model, objs)
        guard_rows(self.model, self.model._base_manager.filter(pk__in=[o.pk for o in objs]))
        return super().bulk_update(objs, fields, *args, **kwargs)


class FreezeGuarded:
    """Mixin for models whose rows feed the Relazione. Set one of:

    - ``freeze_cycle_path``: the lookup from the model to its cycle ("cycle", "scorecard__cycle");
    - ``freeze_year_prefix``: "" when the model has entity and year, or the path to the row that has
      them ("table__").

    save() checks the row as it is stored and as it will be (moving a row out of a frozen cycle is a
    change too); delete() checks the stored row.
    """

    freeze_cycle_path: str = ""
    freeze_year_prefix: str | None = None

    def check_writable(self) -> None:
        model = type(self)
        cycles = _cycles_of_objects(model, [self])
        if self.pk is not None:
            stored = _cycles_of_rows(model, model._base_manager.using(router.db_for_write(model)).filter(pk=self.pk))
            cycles = cycles | stored
        check_cycles(cycles)

    def full_clean(self, *args, **kwargs) -> None:
        # Forms (the admin's included) show the refusal next to the fields instead of failing on save.
        super().full_clean(*args, **kwargs)
        self.check_writable()

    def save(self, *args, **kwargs) -> None:
        self.check_writable()
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        self.check_writable()
        return super().delete(*args, **kwargs)
