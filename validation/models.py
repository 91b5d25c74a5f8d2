"""The OIV's review of a frozen snapshot (comments, requests, the decision and its documento di
validazione) and the publication of the validated Relazione.

Written only by validation/services.py (review and decision) and validation/publication.py (publishing);
a decision and a publication are records of acts: created once, never edited or deleted.
"""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from performance.models import Cycle, CycleSnapshot, Indicator
from performance.models.workflow import WriteOnce
from reports.models import ReportEdition


class ReviewComment(models.Model):
    """An OIV comment on the snapshot under review: on one indicator, on one section of the Relazione, or
    on the whole. ``is_request`` marks a request for correction, which a refusal sends back to the
    struttura tecnica; the struttura tecnica answers it (``response``) in the next round."""

    class Target(models.TextChoices):
        GENERAL = "general", _("Relazione nel suo complesso")
        INDICATOR = "indicator", _("Indicatore")
        SECTION = "section", _("Sezione della Relazione")

    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="review_comments", verbose_name=_("ciclo"))
    snapshot = models.ForeignKey(CycleSnapshot, on_delete=models.PROTECT, related_name="review_comments",
                                 verbose_name=_("istantanea esaminata"))
    target = models.CharField(_("riferito a"), max_length=20, choices=Target.choices, default=Target.GENERAL)
    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                  verbose_name=_("indicatore"))
    section_key = models.SlugField(_("sezione"), max_length=60, blank=True)
    text = models.TextField(_("osservazione"))
    is_request = models.BooleanField(_("richiesta di correzione"), default=False)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("autore"))
    created_at = models.DateTimeField(_("scritta il"), auto_now_add=True)
    response = models.TextField(_("risposta della struttura tecnica"), blank=True)
    responded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="+", verbose_name=_("risposta di"))
    responded_at = models.DateTimeField(_("risposta il"), null=True, blank=True)

    class Meta:
        verbose_name = _("osservazione dell'OIV")
        verbose_name_plural = _("osservazioni dell'OIV")
        ordering = ["cycle", "created_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=~models.Q(text=""), name="reviewcomment_has_text"),
            models.CheckConstraint(
                condition=(models.Q(target="indicator", indicator__isnull=False)
                           | models.Q(target="section") & ~models.Q(section_key="")
                           | models.Q(target="general")),
                name="reviewcomment_target_named"),
        ]

    def __str__(self) -> str:
        return self.text[:80]


class ValidationDecision(WriteOnce):
    """The OIV's decision on one snapshot, with its documento di validazione (PDF, SHA-256)."""

    class Outcome(models.TextChoices):
        VALIDATED = "validated", _("Validata")
        VALIDATED_WITH_REMARKS = "validated_with_remarks", _("Validata con osservazioni")
        REFUSED = "refused", _("Non validata")

    cycle = models.ForeignKey(Cycle, on_delete=models.PROTECT, related_name="validation_decisions",
                              verbose_name=_("ciclo"))
    snapshot = models.ForeignKey(CycleSnapshot, on_delete=models.PROTECT, related_name="decisions",
                                 verbose_name=_("istantanea esaminata"))
    #: the draft edition the OIV read (rendered from the snapshot's data)
    edition = models.ForeignKey(ReportEdition, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                verbose_name=_("edizione esaminata"))
    outcome = models.CharField(_("esito"), max_length=30, choices=Outcome.choices)
    reasons = models.TextField(_("motivazione"), blank=True)
    #: the checks made and their outcome: [{"code", "label", "outcome": "ok"|"warning"|"failed", "detail"}]
    checks = models.JSONField(_("verifiche svolte"), default=list)
    members = models.TextField(_("componenti dell'OIV"), blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("decisione di"))
    decided_at = models.DateTimeField(_("decisa il"))
    document = models.FileField(_("documento di validazione"), upload_to="validazione/", blank=True)
    document_sha256 = models.CharField(_("impronta SHA-256 del documento"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("decisione dell'OIV")
        verbose_name_plural = _("decisioni dell'OIV")
        ordering = ["cycle", "-decided_at"]
        constraints = [
            models.UniqueConstraint(fields=["snapshot"], name="validationdecision_one_per_snapshot"),
            models.CheckConstraint(condition=models.Q(outcome="validated") | ~models.Q(reasons=""),
                                   name="validationdecision_reasons_unless_plain"),
        ]

    def __str__(self) -> str:
        return f"{self.cycle} – {self.get_outcome_display()}"

    @property
    def is_positive(self) -> bool:
        return self.outcome != self.Outcome.REFUSED


class Publication(WriteOnce):
    """One published edition of the validated Relazione: the PDF/A, the documento di validazione and the
    results as open data (CSV and JSON), each with its SHA-256, public without login. A correction is a
    new Publication superseding the previous one; both stay downloadable."""

    cycle = models.ForeignKey(Cycle, on_delete=models.PROTECT, related_name="publications", verbose_name=_("ciclo"))
    number = models.PositiveIntegerField(_("numero"))
    snapshot = models.ForeignKey(CycleSnapshot, on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("istantanea"))
    decision = models.ForeignKey(ValidationDecision, on_delete=models.PROTECT, related_name="publications",
                                 verbose_name=_("decisione dell'OIV"))
    edition = models.ForeignKey(ReportEdition, on_delete=models.PROTECT, related_name="publications",
                                verbose_name=_("edizione PDF/A"))
    results_csv = models.FileField(_("risultati (CSV)"), upload_to="pubblicazioni/")
    results_csv_sha256 = models.CharField(_("impronta SHA-256 del CSV"), max_length=64)
    results_json = models.FileField(_("risultati (JSON)"), upload_to="pubblicazioni/")
    results_json_sha256 = models.CharField(_("impronta SHA-256 del JSON"), max_length=64)
    supersedes = models.OneToOneField("self", on_delete=models.PROTECT, null=True, blank=True,
                                      related_name="superseded_by", verbose_name=_("sostituisce"))
    correction_reason = models.TextField(_("motivo della correzione"), blank=True)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("pubblicata da"))
    published_at = models.DateTimeField(_("pubblicata il"))

    class Meta:
        verbose_name = _("pubblicazione")
        verbose_name_plural = _("pubblicazioni")
        ordering = ["cycle", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["cycle", "number"], name="publication_unique_number"),
            models.CheckConstraint(condition=models.Q(supersedes__isnull=True) | ~models.Q(correction_reason=""),
                                   name="publication_correction_has_reason"),
        ]

    def __str__(self) -> str:
        return f"{self.cycle} – pubblicazione n. {self.number}"
