"""The Relazione sulla Performance: its sections (ordered, each bound to the data it shows and carrying a
Markdown narrative) and its rendered editions."""
from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from performance.freeze import FreezeGuardQuerySet, FreezeGuarded
from performance.models import Cycle

#: Cycle states in which the Relazione is frozen (the same as Cycle.is_frozen).
FROZEN_STATES = (Cycle.State.UNDER_VALIDATION, Cycle.State.VALIDATED, Cycle.State.PUBLISHED)


class Layout(models.TextChoices):
    SEED = "seed", _("Struttura della Relazione camerale (capitoli 1–4)")
    DFP = "dfp", _("Linee guida DFP n. 3/2018")


class ReportSection(FreezeGuarded, models.Model):
    """One section of the Relazione, in document order. ``kind`` says which data it shows (and so which
    template renders it); ``ref`` names the object for kinds that repeat (a strategic objective's code,
    a scorecard's code). The narrative is Markdown, edited in the browser and sanitised when rendered."""

    class Kind(models.TextChoices):
        NARRATIVE = "narrative", _("Solo testo")
        CONTEXT_ECONOMY = "context_economy", _("Quadro economico")
        ORGANS = "organs", _("Organi")
        ORG_CHART = "org_chart", _("Struttura organizzativa")
        STAFF = "staff", _("Risorse umane")
        RESOURCES = "resources", _("Risorse economiche")
        INDICES = "indices", _("Indici e margini")
        SPECIAL_AGENCY = "special_agency", _("Azienda speciale e partecipazioni")
        STRATEGIC_MAP = "strategic_map", _("Mappa strategica")
        STRATEGIC_OBJECTIVE = "strategic_objective", _("Obiettivo strategico")
        COMMON_OBJECTIVES = "common_objectives", _("Obiettivi comuni di sistema")
        UNIT_SCORECARD = "unit_scorecard", _("Scheda di unità organizzativa")
        GENDER = "gender", _("Bilancio di genere")
        INDIVIDUAL_SCORECARD = "individual_scorecard", _("Scheda individuale")
        RESULTS_SUMMARY = "results_summary", _("Sintesi dei risultati")
        METHOD = "method", _("Appendice: il metodo di calcolo")
        PLAN_CHANGES = "plan_changes", _("Variazioni del piano in corso d'anno")

    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="report_sections", verbose_name=_("ciclo"))
    layout = models.CharField(_("struttura"), max_length=10, choices=Layout.choices, default=Layout.SEED)
    key = models.SlugField(_("chiave"), max_length=60)
    number = models.CharField(_("numero"), max_length=20, blank=True)
    title = models.CharField(_("titolo"), max_length=300)
    level = models.PositiveSmallIntegerField(_("livello"), default=1)
    position = models.PositiveIntegerField(_("ordine"), default=0)
    kind = models.CharField(_("contenuto"), max_length=30, choices=Kind.choices, default=Kind.NARRATIVE)
    ref = models.CharField(_("riferimento"), max_length=40, blank=True)
    narrative = models.TextField(_("testo (Markdown)"), blank=True)
    # PROTECT: the sections are in the snapshot (organization/users.py deactivates their responsibles instead).
    responsible = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+", verbose_name=_("responsabile del testo"))
    updated_at = models.DateTimeField(_("modificato il"), auto_now=True)
    history = HistoricalRecords(verbose_name=_("storico della sezione"))
    # No section changes once its cycle is frozen for validation, whatever path writes it (freeze.py).
    objects = FreezeGuardQuerySet.as_manager()
    freeze_cycle_path = "cycle"

    class Meta:
        verbose_name = _("sezione della Relazione")
        verbose_name_plural = _("sezioni della Relazione")
        ordering = ["cycle", "layout", "position"]
        constraints = [models.UniqueConstraint(fields=["cycle", "layout", "key"], name="reportsection_unique_key")]

    def __str__(self) -> str:
        return f"{self.number} {self.title}".strip()


class ReportEdition(models.Model):
    """A rendered PDF of the Relazione. Numbered per cycle; a failed or running render never has a file."""

    class Variant(models.TextChoices):
        DRAFT = "draft", _("Bozza")
        PDFA = "pdfa", _("Definitiva PDF/A")
        PDFUA = "pdfua", _("Accessibile PDF/UA")

    class State(models.TextChoices):
        QUEUED = "queued", _("In coda")
        RUNNING = "running", _("In composizione")
        DONE = "done", _("Pronta")
        FAILED = "failed", _("Non riuscita")

    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="report_editions", verbose_name=_("ciclo"))
    number = models.PositiveIntegerField(_("numero"))
    layout = models.CharField(_("struttura"), max_length=10, choices=Layout.choices, default=Layout.SEED)
    variant = models.CharField(_("variante"), max_length=10, choices=Variant.choices, default=Variant.DRAFT)
    state = models.CharField(_("stato"), max_length=10, choices=State.choices, default=State.QUEUED)
    progress_done = models.PositiveIntegerField(_("sezioni composte"), default=0)
    progress_total = models.PositiveIntegerField(_("sezioni"), default=0)
    progress_label = models.CharField(_("fase"), max_length=300, blank=True)
    file = models.FileField(_("file"), upload_to="relazioni/", blank=True)
    sha256 = models.CharField(_("impronta SHA-256"), max_length=64, blank=True)
    page_count = models.PositiveIntegerField(_("pagine"), null=True, blank=True)
    size = models.PositiveBigIntegerField(_("dimensione"), null=True, blank=True)
    #: hash of every section's rendered HTML: two editions with the same one have the same content
    content_hash = models.CharField(_("impronta dei contenuti"), max_length=64, blank=True)
    #: the frozen data it was rendered from (None: rendered from data that could still change)
    snapshot = models.ForeignKey("performance.CycleSnapshot", on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="editions", verbose_name=_("istantanea"))
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                     related_name="+", verbose_name=_("richiesta da"))
    created_at = models.DateTimeField(_("richiesta il"), auto_now_add=True)
    finished_at = models.DateTimeField(_("completata il"), null=True, blank=True)
    seconds = models.FloatField(_("secondi"), null=True, blank=True)
    error = models.TextField(_("errore"), blank=True)
    #: last sign of life: when it was sent to the workers (queued), then every few seconds while it renders
    #: (config/heartbeat.py). A running edition whose heartbeat is older than HEARTBEAT_TIMEOUT was interrupted.
    heartbeat_at = models.DateTimeField(_("ultimo segnale di attività"), null=True, blank=True)
    #: 1 for a requested edition, n + 1 for the one started again after edition attempt n was interrupted
    attempt = models.PositiveSmallIntegerField(_("tentativo"), default=1)

    class Meta:
        verbose_name = _("edizione della Relazione")
        verbose_name_plural = _("edizioni della Relazione")
        ordering = ["cycle", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["cycle", "number"], name="reportedition_unique_number"),
            # One render at a time per cycle, layout and variant: a second request joins the running one.
            models.UniqueConstraint(fields=["cycle", "layout", "variant"], condition=models.Q(state__in=["queued", "running"]),
                                    name="reportedition_one_in_flight"),
        ]

    def __str__(self) -> str:
        return f"{self.cycle} – {self.get_variant_display()} n. {self.number}"

    @property
    def in_flight(self) -> bool:
        return self.state in (self.State.QUEUED, self.State.RUNNING)

    @property
    def percent(self) -> int:
        return int(100 * self.progress_done / self.progress_total) if self.progress_total else 0
