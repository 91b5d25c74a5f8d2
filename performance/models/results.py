"""Stored results of the realization engine, and the manual overrides of computed figures."""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ..freeze import FreezeGuardQuerySet, FreezeGuarded
from .cycle import Cycle


class Level(models.TextChoices):
    INDICATOR = "indicator", _("Indicatore")
    OPERATIONAL = "operational", _("Obiettivo operativo")
    STRATEGIC = "strategic", _("Obiettivo strategico")
    PERSPECTIVE = "perspective", _("Prospettiva")
    ENTITY = "entity", _("Ente")
    SCORECARD = "scorecard", _("Scheda")


class IndicatorScore(models.Model):
    """The engine's result for one indicator. Kept apart from the plan so that recomputing rewrites
    narrow rows (deleted and copied in bulk) instead of the wide indicator rows.

    Derived data without database foreign keys: PostgreSQL checks deferred foreign keys at commit, one
    lookup per key per row, which cost a recompute of 100,000 indicators more than the rest of its
    writing. Django still cascades deletions, and every recompute rewrites the table from the plan.
    """

    indicator = models.OneToOneField("performance.Indicator", on_delete=models.CASCADE, primary_key=True,
                                     related_name="score", db_constraint=False, verbose_name=_("indicatore"))
    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="+", db_constraint=False,
                              verbose_name=_("ciclo"))
    realization = models.DecimalField(_("% realizzazione"), max_digits=9, decimal_places=2, null=True, blank=True)
    status = models.CharField(_("esito del calcolo"), max_length=20, blank=True)
    flags = models.CharField(_("segnalazioni"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("risultato di un indicatore")
        verbose_name_plural = _("risultati degli indicatori")

    def __str__(self) -> str:
        return f"{self.indicator_id}: {self.realization} {self.flags}"


class RollupResult(models.Model):
    """A computed realization above the indicator level (object_id is the cycle's id for the entity)."""

    # Derived rows replaced as a whole by every recompute: like IndicatorScore, no foreign-key trigger per
    # inserted row (Django cascades the delete), and the unique constraint's index serves cycle look-ups.
    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="rollups", verbose_name=_("ciclo"),
                              db_constraint=False, db_index=False)
    level = models.CharField(_("livello"), max_length=20, choices=Level.choices)
    object_id = models.PositiveBigIntegerField(_("oggetto"))
    realization = models.DecimalField(_("% realizzazione"), max_digits=9, decimal_places=2, null=True, blank=True)
    counted = models.PositiveIntegerField(_("elementi conteggiati"), default=0)

    class Meta:
        verbose_name = _("risultato aggregato")
        verbose_name_plural = _("risultati aggregati")
        constraints = [
            models.UniqueConstraint(fields=["cycle", "level", "object_id"], name="rollup_unique"),
            models.CheckConstraint(condition=~models.Q(level="indicator"), name="rollup_not_indicator"),
        ]

    def __str__(self) -> str:
        return f"{self.get_level_display()} {self.object_id}: {self.realization}"


class OverrideQuerySet(FreezeGuardQuerySet):
    def approved(self) -> OverrideQuerySet:
        return self.filter(status=Override.Status.APPROVED)


class Override(FreezeGuarded, models.Model):
    """A requested replacement of a computed figure: it counts only once approved, and stays visible."""

    class Status(models.TextChoices):
        REQUESTED = "requested", _("Richiesta")
        APPROVED = "approved", _("Approvata")
        REJECTED = "rejected", _("Respinta")

    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="overrides", verbose_name=_("ciclo"))
    level = models.CharField(_("livello"), max_length=20, choices=Level.choices)
    object_id = models.PositiveBigIntegerField(_("oggetto"))
    value = models.DecimalField(_("% realizzazione proposta"), max_digits=9, decimal_places=2)
    justification = models.TextField(_("motivazione"))
    status = models.CharField(_("stato"), max_length=20, choices=Status.choices, default=Status.REQUESTED)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("richiesta da"))
    requested_at = models.DateTimeField(_("richiesta il"), auto_now_add=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+", verbose_name=_("decisa da"))
    decided_at = models.DateTimeField(_("decisa il"), null=True, blank=True)
    decision_note = models.TextField(_("nota della decisione"), blank=True)

    objects = OverrideQuerySet.as_manager()
    freeze_cycle_path = "cycle"

    class Meta:
        verbose_name = _("rettifica di un valore calcolato")
        verbose_name_plural = _("rettifiche di valori calcolati")
        ordering = ["-requested_at"]
        constraints = [
            models.CheckConstraint(condition=~models.Q(justification=""), name="override_has_justification"),
            models.CheckConstraint(condition=models.Q(value__gte=0), name="override_value_non_negative"),
            models.UniqueConstraint(fields=["cycle", "level", "object_id"], condition=models.Q(status="approved"),
                                    name="one_approved_override_per_figure"),
        ]

    def __str__(self) -> str:
        return f"{self.get_level_display()} {self.object_id} → {self.value} ({self.get_status_display()})"
