"""The economic context: titled tables of external statistics (imprese, export, lavoro, ...).

Each year carries the tables its Relazione prints, so they are generic: a title, a source, a period,
column headings and rows of values as the source gives them.
"""
from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from performance.freeze import FreezeGuardQuerySet, FreezeGuarded

from .core import Entity


class ContextTable(FreezeGuarded, models.Model):
    entity = models.ForeignKey(Entity, on_delete=models.CASCADE, related_name="context_tables", verbose_name=_("ente"))
    year = models.PositiveSmallIntegerField(_("anno della relazione"))
    code = models.SlugField(_("codice"), max_length=40)
    title = models.CharField(_("titolo"), max_length=300)
    source = models.CharField(_("fonte"), max_length=300, blank=True)
    period = models.CharField(_("periodo di riferimento"), max_length=100, blank=True)
    note = models.TextField(_("nota"), blank=True)
    #: column headings, in order (the first column, the row labels, has its own heading)
    label_heading = models.CharField(_("intestazione delle righe"), max_length=200, blank=True)
    columns = models.JSONField(_("colonne"), default=list)
    #: 0-based indexes of the columns whose total row is the sum of the other rows
    summable_columns = models.JSONField(_("colonne sommabili"), default=list, blank=True)
    position = models.PositiveIntegerField(_("ordine"), default=0)

    # Frozen while a cycle in validation (or later) shows the year (performance/freeze.py).
    objects = FreezeGuardQuerySet.as_manager()
    freeze_year_prefix = ""

    class Meta:
        verbose_name = _("tabella di contesto")
        verbose_name_plural = _("tabelle di contesto")
        ordering = ["entity", "year", "position", "code"]
        constraints = [models.UniqueConstraint(fields=["entity", "year", "code"], name="contexttable_unique")]

    def __str__(self) -> str:
        return self.title


class ContextRow(FreezeGuarded, models.Model):
    class Style(models.TextChoices):
        NORMAL = "", _("Normale")
        HEADING = "titolo", _("Titolo di gruppo")
        TOTAL = "totale", _("Totale")

    table = models.ForeignKey(ContextTable, on_delete=models.CASCADE, related_name="rows", verbose_name=_("tabella"))
    position = models.PositiveIntegerField(_("ordine"), default=0)
    label = models.CharField(_("voce"), max_length=300)
    style = models.CharField(_("stile"), max_length=10, choices=Style.choices, blank=True)
    #: one entry per column: a number as a canonical decimal string ("-0.5", "91431"), a text, or None
    values = models.JSONField(_("valori"), default=list)

    objects = FreezeGuardQuerySet.as_manager()
    freeze_year_prefix = "table__"

    class Meta:
        verbose_name = _("riga di tabella di contesto")
        verbose_name_plural = _("righe di tabella di contesto")
        ordering = ["table", "position", "pk"]
