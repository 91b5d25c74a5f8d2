"""The cycle's workflow records: its transitions, the frozen snapshots sent to the OIV, and the in-year
changes to the plan (which the Relazione lists). Written by performance/workflow.py and
performance/plan_changes.py only; none of them is ever edited once written."""
from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from ..freeze import FreezeGuardQuerySet, FreezeGuarded
from .cycle import Cycle


class WriteOnceQuerySet(models.QuerySet):
    """Refuses the set-based paths too: a record changed by a queryset update() would be as false as one
    saved twice. (Deleting the cycle still cascades through Django's collector, which does not call these.)"""

    def update(self, **kwargs):
        raise ValidationError(_("Questa registrazione non si può modificare."))

    def delete(self):
        raise ValidationError(_("Questa registrazione non si può eliminare."))


class WriteOnce(models.Model):
    """A record of what happened (a transition, a snapshot, a decision, a publication): created once, never
    changed or deleted, one by one or in bulk."""

    objects = WriteOnceQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None and type(self)._base_manager.filter(pk=self.pk).exists():
            raise ValidationError(_("Questa registrazione non si può modificare."))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError(_("Questa registrazione non si può eliminare."))


class CycleSnapshot(WriteOnce):
    """Everything the Relazione reads, as it was when the cycle was sent to the OIV (performance/snapshot.py).
    Numbered per cycle: a refusal and a new submission make snapshot 2, and so on."""

    cycle = models.ForeignKey(Cycle, on_delete=models.PROTECT, related_name="snapshots", verbose_name=_("ciclo"))
    number = models.PositiveIntegerField(_("numero"))
    created_at = models.DateTimeField(_("creata il"), auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+", verbose_name=_("creata da"))
    data = models.JSONField(_("dati"))
    sha256 = models.CharField(_("impronta SHA-256"), max_length=64)

    class Meta:
        verbose_name = _("istantanea dei dati del ciclo")
        verbose_name_plural = _("istantanee dei dati del ciclo")
        ordering = ["cycle", "-number"]
        constraints = [models.UniqueConstraint(fields=["cycle", "number"], name="cyclesnapshot_unique_number")]

    def __str__(self) -> str:
        return f"{self.cycle} – istantanea n. {self.number}"


class CycleTransition(WriteOnce):
    """One change of the cycle's state: who, when, why (for a refusal, the OIV's requests)."""

    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="transitions", verbose_name=_("ciclo"))
    from_state = models.CharField(_("da"), max_length=20, choices=Cycle.State.choices)
    to_state = models.CharField(_("a"), max_length=20, choices=Cycle.State.choices)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                             verbose_name=_("eseguito da"))
    at = models.DateTimeField(_("il"))
    note = models.TextField(_("nota"), blank=True)
    snapshot = models.ForeignKey(CycleSnapshot, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                 verbose_name=_("istantanea creata"))

    class Meta:
        verbose_name = _("passaggio di stato del ciclo")
        verbose_name_plural = _("passaggi di stato del ciclo")
        ordering = ["cycle", "at", "pk"]

    def __str__(self) -> str:
        return f"{self.cycle}: {self.get_from_state_display()} → {self.get_to_state_display()}"


class PlanChange(FreezeGuarded, models.Model):
    """An in-year change to an objective, an indicator, a target or a weight, with its formal act.

    The object is named by kind and code, not by a foreign key: a removed indicator must stay listed."""

    class Kind(models.TextChoices):
        STRATEGIC = "strategic", _("Obiettivo strategico")
        OPERATIONAL = "operational", _("Obiettivo operativo")
        INDICATOR = "indicator", _("Indicatore")
        ASSIGNMENT = "assignment", _("Assegnazione a una scheda")

    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="plan_changes", verbose_name=_("ciclo"))
    changed_on = models.DateField(_("data della variazione"))
    act = models.CharField(_("atto formale"), max_length=300)
    reason = models.TextField(_("motivazione"))
    object_kind = models.CharField(_("oggetto"), max_length=20, choices=Kind.choices)
    object_code = models.CharField(_("codice"), max_length=100)
    object_label = models.CharField(_("descrizione"), max_length=500, blank=True)
    field = models.CharField(_("campo"), max_length=100)
    old_value = models.TextField(_("valore precedente"), blank=True)
    new_value = models.TextField(_("nuovo valore"), blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+", verbose_name=_("registrata da"))
    recorded_at = models.DateTimeField(_("registrata il"), auto_now_add=True)

    objects = FreezeGuardQuerySet.as_manager()
    freeze_cycle_path = "cycle"

    class Meta:
        verbose_name = _("variazione del piano in corso d'anno")
        verbose_name_plural = _("variazioni del piano in corso d'anno")
        ordering = ["cycle", "changed_on", "pk"]
        constraints = [
            models.CheckConstraint(condition=~models.Q(act=""), name="planchange_has_act"),
            models.CheckConstraint(condition=~models.Q(reason=""), name="planchange_has_reason"),
        ]

    def __str__(self) -> str:
        return f"{self.object_code} – {self.field}: {self.old_value} → {self.new_value}"
