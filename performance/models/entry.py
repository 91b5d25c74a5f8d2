"""The data-entry workflow: a scorecard's values for a period go to the dirigente for approval."""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from ..freeze import FreezeGuardQuerySet, FreezeGuarded
from .cycle import Period
from .plan import Scorecard


class Submission(FreezeGuarded, models.Model):
    """Where a scorecard's values for one period stand. No row means draft."""

    class State(models.TextChoices):
        DRAFT = "draft", _("In compilazione")
        SUBMITTED = "submitted", _("Inviata per approvazione")
        APPROVED = "approved", _("Approvata")
        RETURNED = "returned", _("Restituita per correzioni")

    scorecard = models.ForeignKey(Scorecard, on_delete=models.CASCADE, related_name="submissions",
                                  verbose_name=_("scheda"))
    period = models.ForeignKey(Period, on_delete=models.CASCADE, related_name="submissions", verbose_name=_("periodo"))
    state = models.CharField(_("stato"), max_length=20, choices=State.choices, default=State.DRAFT)
    comment = models.TextField(_("commento"), blank=True)
    # PROTECT: who submitted and who approved is the frozen record of the approval (organization/users.py).
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="+", verbose_name=_("inviata da"))
    submitted_at = models.DateTimeField(_("inviata il"), null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+", verbose_name=_("decisa da"))
    decided_at = models.DateTimeField(_("decisa il"), null=True, blank=True)

    history = HistoricalRecords(verbose_name=_("storico invio"))
    objects = FreezeGuardQuerySet.as_manager()
    freeze_cycle_path = "period__cycle"

    class Meta:
        verbose_name = _("invio della scheda")
        verbose_name_plural = _("invii delle schede")
        constraints = [
            models.UniqueConstraint(fields=["scorecard", "period"], name="submission_unique_per_period"),
        ]

    def __str__(self) -> str:
        return f"{self.scorecard} – {self.period}: {self.get_state_display()}"

    @property
    def is_open(self) -> bool:
        """Values can still change (nothing waits for a decision or has been approved)."""
        return self.state in (self.State.DRAFT, self.State.RETURNED)


class ReminderLog(models.Model):
    """One reminder or digest sent: the daily task sends each at most once per day and recipient."""

    class Kind(models.TextChoices):
        REMINDER = "reminder", _("Promemoria valori mancanti")
        DIGEST = "digest", _("Riepilogo per la struttura tecnica")

    period = models.ForeignKey(Period, on_delete=models.CASCADE, related_name="reminders", verbose_name=_("periodo"))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+",
                             verbose_name=_("destinatario"))
    kind = models.CharField(_("tipo"), max_length=20, choices=Kind.choices)
    sent_on = models.DateField(_("inviato il"))
    missing = models.PositiveIntegerField(_("valori mancanti"), default=0)

    class Meta:
        verbose_name = _("promemoria inviato")
        verbose_name_plural = _("promemoria inviati")
        constraints = [
            models.UniqueConstraint(fields=["period", "user", "kind", "sent_on"], name="reminder_once_a_day"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.period} → {self.user} ({self.sent_on})"
