from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import models
from simple_history.models import HistoricalRecords
from django.utils.translation import gettext_lazy as _

from organization.models import Entity

from ..freeze import FROZEN_STATES, FreezeGuardQuerySet, FreezeGuarded, ensure_cycle_writable

#: The default SMVP rule set. Issue 4's engine reads it; kept as data so each cycle can differ.
DEFAULT_RULES: dict = {
    "version": 1,
    "cap": 100,
    "floor": None,
    "bands": [],
    "band_mode": "fixed",
    "rounding": 2,
    "late_deadline": {"rule": "zero", "days_to_zero": 0},
    "nv": "exclude",
    "objective_aggregation": "weighted_mean",
    "over_cap_ratio": 1.5,
    "printed_tolerance": 0.5,
}


def default_rules() -> dict:
    return dict(DEFAULT_RULES)


class CycleQuerySet(FreezeGuardQuerySet):
    """A frozen cycle's row is not updated or deleted in bulk either (the workflow saves it one by one)."""

    def for_year(self, year: int, entity: Entity | None = None) -> CycleQuerySet:
        qs = self.filter(year=year)
        return qs.filter(entity=entity) if entity is not None else qs


class Cycle(models.Model):
    class State(models.TextChoices):
        PLANNING = "planning", _("Pianificazione")
        MONITORING = "monitoring", _("Monitoraggio")
        REPORTING = "reporting", _("Rendicontazione")
        UNDER_VALIDATION = "under_validation", _("In validazione")
        VALIDATED = "validated", _("Validato")
        PUBLISHED = "published", _("Pubblicato")

    entity = models.ForeignKey(Entity, on_delete=models.CASCADE, related_name="cycles", verbose_name=_("ente"))
    year = models.PositiveSmallIntegerField(_("anno"))
    state = models.CharField(_("stato"), max_length=20, choices=State.choices, default=State.PLANNING)
    piao_reference = models.CharField(_("riferimento PIAO"), max_length=300, blank=True)
    piao_adopted_on = models.DateField(_("PIAO adottato il"), null=True, blank=True)
    piao_due = models.DateField(_("scadenza adozione PIAO"), null=True, blank=True)
    oiv_report_due = models.DateField(_("scadenza relazione annuale OIV"), null=True, blank=True)
    relazione_due = models.DateField(_("scadenza Relazione sulla performance"), null=True, blank=True)
    rules = models.JSONField(_("regole di misurazione (SMVP)"), default=default_rules)
    computed_at = models.DateTimeField(_("risultati calcolati il"), null=True, blank=True)

    objects = CycleQuerySet.as_manager()
    freeze_cycle_path = "pk"
    # Every change of state or of the rule set is kept: who, when, what it was before.
    history = HistoricalRecords(verbose_name=_("storico del ciclo"))

    class Meta:
        verbose_name = _("ciclo della performance")
        verbose_name_plural = _("cicli della performance")
        ordering = ["entity", "-year"]
        constraints = [
            models.UniqueConstraint(fields=["entity", "year"], name="cycle_year_unique_per_entity"),
            models.CheckConstraint(condition=models.Q(year__gte=2000, year__lte=2100), name="cycle_year_plausible"),
        ]

    def __str__(self) -> str:
        return f"{self.entity} – {self.year}"

    def clean(self) -> None:
        from ..engine import RuleSet, RuleSetError

        try:
            RuleSet.from_dict(self.rules or {})
        except RuleSetError as exc:
            raise ValidationError({"rules": str(exc)}) from exc

    def save(self, *args, **kwargs) -> None:
        # The statutory calendar (D.L. 80/2021, D.Lgs. 150/2009): PIAO by 31/1 of the cycle year,
        # OIV report by 30/4 and Relazione by 30/6 of the following year.
        if self.piao_due is None:
            self.piao_due = datetime.date(self.year, 1, 31)
        if self.oiv_report_due is None:
            self.oiv_report_due = datetime.date(self.year + 1, 4, 30)
        if self.relazione_due is None:
            self.relazione_due = datetime.date(self.year + 1, 6, 30)
        # The state moves only through performance.workflow.transition_cycle (which sets _in_transition):
        # a frozen cycle's rules, dates or state never change any other way.
        if self.pk is not None and not getattr(self, "_in_transition", False):
            stored = Cycle.objects.filter(pk=self.pk).values_list("state", flat=True).first()
            if stored is not None:
                ensure_cycle_writable(self.pk)
                if stored != self.state:
                    raise ValidationError({"state": _("Lo stato del ciclo cambia solo con un passaggio di stato "
                                                      "registrato (pagina «Stato del ciclo»).")})
        super().save(*args, **kwargs)

    def check_writable(self) -> None:
        ensure_cycle_writable(self.pk)

    def delete(self, *args, **kwargs):
        self.check_writable()
        return super().delete(*args, **kwargs)

    @property
    def is_frozen(self) -> bool:
        return self.state in FROZEN_STATES


class Period(FreezeGuarded, models.Model):
    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="periods", verbose_name=_("ciclo"))
    code = models.CharField(_("codice"), max_length=20)
    name = models.CharField(_("nome"), max_length=120)
    reference_date = models.DateField(_("data di riferimento"))
    deadline = models.DateField(_("scadenza inserimento"), null=True, blank=True)
    is_final = models.BooleanField(_("consuntivo finale"), default=False)
    locked = models.BooleanField(_("bloccato"), default=False)

    objects = FreezeGuardQuerySet.as_manager()
    freeze_cycle_path = "cycle"

    class Meta:
        verbose_name = _("periodo di rilevazione")
        verbose_name_plural = _("periodi di rilevazione")
        ordering = ["cycle", "reference_date"]
        constraints = [
            models.UniqueConstraint(fields=["cycle", "code"], name="period_code_unique_per_cycle"),
            models.UniqueConstraint(
                fields=["cycle"], condition=models.Q(is_final=True), name="one_final_period_per_cycle"
            ),
        ]

    def __str__(self) -> str:
        return self.name
