"""Organs and staff figures of an entity, per year: the data behind the Relazione's chapter 1
("L'amministrazione", "Le risorse umane") and section 2.5 (bilancio di genere).

Figures are stored as the performance office collects them; totals, shares and FTE are computed
(organization/staff_figures.py), never typed in.
"""
from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from performance.freeze import FreezeGuardQuerySet, FreezeGuarded

from .core import Entity


class Gender(models.TextChoices):
    WOMEN = "F", _("Donne")
    MEN = "M", _("Uomini")


class YearFigure(FreezeGuarded, models.Model):
    entity = models.ForeignKey(Entity, on_delete=models.CASCADE, related_name="+", verbose_name=_("ente"))
    year = models.PositiveSmallIntegerField(_("anno"))
    position = models.PositiveIntegerField(_("ordine"), default=0)

    # Frozen while a cycle in validation (or later) shows the year (performance/freeze.py).
    objects = FreezeGuardQuerySet.as_manager()
    freeze_year_prefix = ""

    class Meta:
        abstract = True
        ordering = ["entity", "year", "position", "pk"]


class Organ(YearFigure):
    """An organ of the administration (consiglio, giunta, presidente, collegio dei revisori, OIV)."""

    class Kind(models.TextChoices):
        COUNCIL = "consiglio", _("Consiglio")
        BOARD = "giunta", _("Giunta")
        PRESIDENT = "presidente", _("Presidente")
        AUDITORS = "collegio_revisori", _("Collegio dei revisori dei conti")
        OIV = "oiv", _("Organismo indipendente di valutazione")
        OTHER = "altro", _("Altro organo")

    kind = models.CharField(_("tipo"), max_length=30, choices=Kind.choices)
    name = models.CharField(_("nome"), max_length=200)
    description = models.TextField(_("funzioni"), blank=True)
    composition = models.TextField(_("composizione"), blank=True)
    members = models.PositiveIntegerField(_("componenti"), null=True, blank=True)

    class Meta(YearFigure.Meta):
        verbose_name = _("organo")
        verbose_name_plural = _("organi")
        constraints = [models.UniqueConstraint(fields=["entity", "year", "name"], name="organ_unique_name")]

    def __str__(self) -> str:
        return self.name


class StaffPlan(YearFigure):
    """Dotazione organica (planned posts) of a staff category, as in the fabbisogno di personale."""

    category = models.CharField(_("area di inquadramento"), max_length=100)
    planned_posts = models.PositiveIntegerField(_("dotazione organica"))
    note = models.CharField(_("nota"), max_length=300, blank=True)

    class Meta(YearFigure.Meta):
        verbose_name = _("dotazione organica")
        verbose_name_plural = _("dotazione organica")
        constraints = [models.UniqueConstraint(fields=["entity", "year", "category"], name="staffplan_unique")]


class StaffCount(YearFigure):
    """Staff in service at year end: one row per category × gender × contract (× part-time share).

    A row without a category is a breakdown the office has only in total (e.g. last year's part-time
    staff by gender): it counts for that breakdown and never in the totals by category. A row without a
    contract counts in the totals but in neither the full-time nor the part-time figures.
    """

    class Contract(models.TextChoices):
        FULL_TIME = "full", _("Tempo pieno")
        PART_TIME = "part", _("Tempo parziale")

    category = models.CharField(_("area di inquadramento"), max_length=100, blank=True)
    gender = models.CharField(_("genere"), max_length=1, choices=Gender.choices)
    contract = models.CharField(_("contratto"), max_length=4, choices=Contract.choices, blank=True)
    part_time_percent = models.DecimalField(_("percentuale part-time"), max_digits=5, decimal_places=2, null=True,
                                            blank=True)
    headcount = models.PositiveIntegerField(_("dipendenti"))

    class Meta(YearFigure.Meta):
        verbose_name = _("personale in servizio")
        verbose_name_plural = _("personale in servizio")
        constraints = [
            models.UniqueConstraint(fields=["entity", "year", "category", "gender", "contract", "part_time_percent"],
                                    name="staffcount_unique", nulls_distinct=False),
            models.CheckConstraint(
                condition=models.Q(part_time_percent__isnull=True)
                | (models.Q(contract="part") & models.Q(part_time_percent__gt=0) & models.Q(part_time_percent__lt=100)),
                name="staffcount_part_time_percent_only_for_part_time"),
        ]


class StaffYear(FreezeGuarded, models.Model):
    """What the office declares for the year as a whole (e.g. the FTE from the payroll)."""

    entity = models.ForeignKey(Entity, on_delete=models.CASCADE, related_name="+", verbose_name=_("ente"))
    year = models.PositiveSmallIntegerField(_("anno"))
    declared_fte = models.DecimalField(_("FTE dichiarati"), max_digits=9, decimal_places=2, null=True, blank=True)
    note = models.TextField(_("nota"), blank=True)

    objects = FreezeGuardQuerySet.as_manager()
    freeze_year_prefix = ""

    class Meta:
        verbose_name = _("dati annuali del personale")
        verbose_name_plural = _("dati annuali del personale")
        constraints = [models.UniqueConstraint(fields=["entity", "year"], name="staffyear_unique")]


class StaffBreakdown(YearFigure):
    """Staff by another dimension (age band, education, seniority), by gender."""

    class Dimension(models.TextChoices):
        AGE = "eta", _("Classe d'età")
        EDUCATION = "titolo_studio", _("Titolo di studio")
        SENIORITY = "anzianita", _("Anzianità di servizio")

    dimension = models.CharField(_("dimensione"), max_length=20, choices=Dimension.choices)
    bucket = models.CharField(_("classe"), max_length=100)
    gender = models.CharField(_("genere"), max_length=1, choices=Gender.choices)
    headcount = models.PositiveIntegerField(_("dipendenti"))

    class Meta(YearFigure.Meta):
        verbose_name = _("personale per classe")
        verbose_name_plural = _("personale per classe")
        constraints = [models.UniqueConstraint(fields=["entity", "year", "dimension", "bucket", "gender"],
                                               name="staffbreakdown_unique")]


class Absence(YearFigure):
    """Days of absence by cause (holidays and maternity/paternity leave excluded, as in the seed)."""

    class Cause(models.TextChoices):
        SICKNESS = "malattia", _("Malattia")
        INJURY = "infortunio", _("Infortunio")
        PARENTAL = "congedo_parentale", _("Congedo parentale")
        OTHER = "altre_cause", _("Altre cause")

    cause = models.CharField(_("causa"), max_length=30, choices=Cause.choices)
    days = models.DecimalField(_("giorni"), max_digits=9, decimal_places=1)

    class Meta(YearFigure.Meta):
        verbose_name = _("assenze")
        verbose_name_plural = _("assenze")
        constraints = [models.UniqueConstraint(fields=["entity", "year", "cause"], name="absence_unique")]


class ParentalLeave(YearFigure):
    """Days of parental leave by gender and pay (100 %, 30 %, unpaid)."""

    class Pay(models.TextChoices):
        FULL = "100", _("Retribuito 100%")
        PARTIAL = "30", _("Retribuito 30%")
        UNPAID = "0", _("Non retribuito")

    gender = models.CharField(_("genere"), max_length=1, choices=Gender.choices)
    pay = models.CharField(_("retribuzione"), max_length=3, choices=Pay.choices)
    days = models.DecimalField(_("giorni"), max_digits=9, decimal_places=1)

    class Meta(YearFigure.Meta):
        verbose_name = _("congedo parentale")
        verbose_name_plural = _("congedi parentali")
        constraints = [models.UniqueConstraint(fields=["entity", "year", "gender", "pay"], name="parentalleave_unique")]
