"""Economic resources for the Relazione's chapter 1: conto economico preventivo vs consuntivo,
interventi economici by line of action, the components behind the balance-sheet indices, the indices'
definitions, and the participations. Per entity and year; the azienda speciale's own figures are the
same rows with ``subject`` set to its unit.

Only inputs are stored. Totals, differences, percentages and index values are computed
(budget/figures.py, budget/formula.py) so they can never disagree with their components; the totals the
source document prints are kept apart (DeclaredTotal) to be checked, not shown as ours.
"""
from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from organization.models import Entity, OrgUnit
from performance.freeze import FreezeGuardQuerySet, FreezeGuarded

MONEY = {"max_digits": 16, "decimal_places": 2, "null": True, "blank": True}


class Section(models.TextChoices):
    CURRENT_INCOME = "A", _("A) Proventi correnti")
    CURRENT_COSTS = "B", _("B) Oneri correnti")
    FINANCIAL = "C", _("C) Gestione finanziaria")
    EXTRAORDINARY = "D", _("D) Gestione straordinaria")
    VALUE_ADJUSTMENTS = "E", _("E) Rettifiche di valore attività finanziaria")


class Subjected(FreezeGuarded, models.Model):
    entity = models.ForeignKey(Entity, on_delete=models.CASCADE, related_name="+", verbose_name=_("ente"))
    year = models.PositiveSmallIntegerField(_("esercizio"))
    #: None: the entity itself; otherwise its azienda speciale (an OrgUnit of that kind)
    subject = models.ForeignKey(OrgUnit, on_delete=models.CASCADE, null=True, blank=True, related_name="+",
                                verbose_name=_("azienda speciale"))
    position = models.PositiveIntegerField(_("ordine"), default=0)

    # Frozen while a cycle in validation (or later) shows the year (performance/freeze.py).
    objects = FreezeGuardQuerySet.as_manager()
    freeze_year_prefix = ""

    class Meta:
        abstract = True
        ordering = ["entity", "year", "subject", "position", "pk"]


class BudgetLine(Subjected):
    """A line of the conto economico; sub-lines (7a–7e) detail their parent and never add to the section."""

    section = models.CharField(_("sezione"), max_length=1, choices=Section.choices)
    code = models.CharField(_("codice"), max_length=10)
    label = models.CharField(_("voce"), max_length=200)
    parent = models.ForeignKey("self", on_delete=models.CASCADE, null=True, blank=True, related_name="children",
                               verbose_name=_("voce superiore"))
    forecast = models.DecimalField(_("preventivo aggiornato"), **MONEY)
    actual = models.DecimalField(_("consuntivo"), **MONEY)

    class Meta(Subjected.Meta):
        verbose_name = _("voce di conto economico")
        verbose_name_plural = _("voci di conto economico")
        constraints = [models.UniqueConstraint(fields=["entity", "year", "subject", "code"], name="budgetline_unique",
                                               nulls_distinct=False)]

    def __str__(self) -> str:
        return f"{self.code}) {self.label}"


class DeclaredTotal(Subjected):
    """A total as the source document prints it, to be compared with the computed one."""

    class Key(models.TextChoices):
        CURRENT_INCOME = "A", _("Totale proventi correnti (A)")
        CURRENT_COSTS = "B", _("Totale oneri correnti (B)")
        CURRENT_RESULT = "A-B", _("Risultato della gestione corrente (A)-(B)")
        FINANCIAL = "C", _("Gestione finanziaria (C)")
        EXTRAORDINARY = "D", _("Gestione straordinaria (D)")
        VALUE_ADJUSTMENTS = "E", _("Rettifiche di valore (E)")
        RESULT = "RIS", _("Risultato economico d'esercizio")
        ACTIONS = "INT", _("Totale interventi economici")

    key = models.CharField(_("totale"), max_length=4, choices=Key.choices)
    forecast = models.DecimalField(_("preventivo aggiornato"), **MONEY)
    actual = models.DecimalField(_("consuntivo"), **MONEY)

    class Meta(Subjected.Meta):
        verbose_name = _("totale dichiarato")
        verbose_name_plural = _("totali dichiarati")
        constraints = [models.UniqueConstraint(fields=["entity", "year", "subject", "key"], name="declaredtotal_unique",
                                               nulls_distinct=False)]


class ActionLine(Subjected):
    """Interventi economici by line of action (iniziative di promozione economica)."""

    label = models.CharField(_("linea di intervento"), max_length=300)
    forecast = models.DecimalField(_("previsione"), **MONEY)
    actual = models.DecimalField(_("costi"), **MONEY)

    class Meta(Subjected.Meta):
        verbose_name = _("linea di intervento economico")
        verbose_name_plural = _("linee di intervento economico")
        constraints = [models.UniqueConstraint(fields=["entity", "year", "subject", "label"], name="actionline_unique",
                                               nulls_distinct=False)]


class BalanceComponent(FreezeGuarded, models.Model):
    """An amount from the financial statements (e.g. patrimonio netto) that indices are computed from."""

    entity = models.ForeignKey(Entity, on_delete=models.CASCADE, related_name="+", verbose_name=_("ente"))
    year = models.PositiveSmallIntegerField(_("esercizio"))
    code = models.SlugField(_("codice"), max_length=60)
    label = models.CharField(_("voce"), max_length=200)
    value = models.DecimalField(_("valore"), max_digits=16, decimal_places=2)
    source = models.CharField(_("fonte"), max_length=300, blank=True)

    objects = FreezeGuardQuerySet.as_manager()
    freeze_year_prefix = ""

    class Meta:
        verbose_name = _("componente di bilancio")
        verbose_name_plural = _("componenti di bilancio")
        ordering = ["entity", "year", "code"]
        constraints = [models.UniqueConstraint(fields=["entity", "year", "code"], name="balancecomponent_unique")]

    def __str__(self) -> str:
        return self.label


class BalanceIndex(FreezeGuarded, models.Model):
    """An index or margin the Relazione prints, defined by a formula over component codes.

    Defined once per report year and evaluated for that year and the one before.
    """

    class Format(models.TextChoices):
        PERCENT = "percentuale", _("Percentuale")
        RATIO = "rapporto", _("Rapporto")
        EURO = "euro", _("Euro")
        NUMBER = "numero", _("Numero")

    entity = models.ForeignKey(Entity, on_delete=models.CASCADE, related_name="+", verbose_name=_("ente"))
    year = models.PositiveSmallIntegerField(_("anno della relazione"))
    group = models.CharField(_("gruppo"), max_length=100)
    code = models.SlugField(_("codice"), max_length=60)
    label = models.CharField(_("indice"), max_length=300)
    formula = models.CharField(_("formula"), max_length=500)
    format = models.CharField(_("formato"), max_length=12, choices=Format.choices)
    decimals = models.PositiveSmallIntegerField(_("decimali"), default=2)
    position = models.PositiveIntegerField(_("ordine"), default=0)

    objects = FreezeGuardQuerySet.as_manager()
    freeze_year_prefix = ""

    class Meta:
        verbose_name = _("indice di bilancio")
        verbose_name_plural = _("indici di bilancio")
        ordering = ["entity", "year", "position", "code"]
        constraints = [models.UniqueConstraint(fields=["entity", "year", "code"], name="balanceindex_unique")]

    def __str__(self) -> str:
        return self.label


class Participation(FreezeGuarded, models.Model):
    """A company in the portfolio of participations at year end."""

    entity = models.ForeignKey(Entity, on_delete=models.CASCADE, related_name="+", verbose_name=_("ente"))
    year = models.PositiveSmallIntegerField(_("esercizio"))
    company = models.CharField(_("società"), max_length=200)
    share_capital = models.DecimalField(_("capitale sociale"), max_digits=16, decimal_places=2)
    nominal_value = models.DecimalField(_("valore nominale della partecipazione"), max_digits=16, decimal_places=2)
    #: the share as the source prints it, kept to be checked against nominal value ÷ share capital
    declared_percent = models.DecimalField(_("% dichiarata"), max_digits=7, decimal_places=4, null=True, blank=True)
    position = models.PositiveIntegerField(_("ordine"), default=0)

    objects = FreezeGuardQuerySet.as_manager()
    freeze_year_prefix = ""

    class Meta:
        verbose_name = _("partecipazione")
        verbose_name_plural = _("partecipazioni")
        ordering = ["entity", "year", "position", "company"]
        constraints = [
            models.UniqueConstraint(fields=["entity", "year", "company"], name="participation_unique"),
            models.CheckConstraint(condition=models.Q(share_capital__gt=0), name="participation_capital_positive"),
        ]

    def __str__(self) -> str:
        return self.company
