from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from ..freeze import FreezeGuardQuerySet, FreezeGuarded
from ..parsing import NumberTooLarge, ValueParseError, parse_value, value_fields
from .cycle import Period
from .plan import Indicator


class Measurement(FreezeGuarded, models.Model):
    """The value of one indicator for one period. Every change is kept in its history."""

    indicator = models.ForeignKey(
        Indicator, on_delete=models.CASCADE, related_name="measurements", verbose_name=_("indicatore")
    )
    period = models.ForeignKey(Period, on_delete=models.CASCADE, related_name="measurements", verbose_name=_("periodo"))
    raw_value = models.CharField(_("valore (come inserito)"), max_length=100, blank=True)
    value_number = models.DecimalField(_("valore numerico"), max_digits=20, decimal_places=6, null=True, blank=True)
    value_date = models.DateField(_("valore data"), null=True, blank=True)
    value_bool = models.BooleanField(_("valore SI/NO"), null=True, blank=True)
    numerator = models.DecimalField(_("numeratore"), max_digits=20, decimal_places=6, null=True, blank=True)
    denominator = models.DecimalField(_("denominatore"), max_digits=20, decimal_places=6, null=True, blank=True)
    is_nv = models.BooleanField(_("non valutabile (NV)"), default=False)
    nv_reason = models.TextField(_("motivazione NV"), blank=True)
    note = models.TextField(_("nota"), blank=True)
    shortfall_reason = models.TextField(_("motivazione dello scostamento"), blank=True)
    evidence = models.FileField(_("evidenza"), upload_to="evidence/%Y/", blank=True)
    # PROTECT: the ORM's SET_NULL cascade would rewrite frozen values past the freeze guard; authors are
    # deactivated, not deleted (organization/users.py).
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("autore"),
    )
    updated_at = models.DateTimeField(_("aggiornato il"), auto_now=True)
    version = models.PositiveIntegerField(_("versione"), default=1)

    history = HistoricalRecords(verbose_name=_("storico valore"))
    objects = FreezeGuardQuerySet.as_manager()
    freeze_cycle_path = "period__cycle"

    class Meta:
        verbose_name = _("valore rilevato")
        verbose_name_plural = _("valori rilevati")
        ordering = ["indicator", "period"]
        constraints = [
            models.UniqueConstraint(fields=["indicator", "period"], name="measurement_unique_per_period"),
        ]

    def __str__(self) -> str:
        return f"{self.indicator.code} @ {self.period.code}: {self.raw_value}"

    def check_writable(self) -> None:
        """No value changes once its period is locked or its cycle frozen, whatever path writes it."""
        super().check_writable()
        period = Period.objects.only("locked", "name").get(pk=self.period_id)
        if period.locked:
            raise ValidationError(_("Il periodo «%(period)s» è bloccato: i valori non possono più cambiare.")
                                  % {"period": period.name})

    def clean(self) -> None:
        try:
            parse_value(self.raw_value)
        except NumberTooLarge as exc:
            raise ValidationError({"raw_value": exc.describe(_("valore"))}) from exc
        except ValueParseError as exc:
            raise ValidationError({"raw_value": _("«%(value)s» non è un valore riconoscibile")
                                   % {"value": self.raw_value}}) from exc

    def save(self, *args, **kwargs) -> None:
        # Typed fields follow the written value, whatever path saved it.
        try:
            parsed = parse_value(self.raw_value)
        except ValueParseError:
            parsed = None
        for name, value in value_fields(parsed).items():
            if name != "raw_value":
                setattr(self, name, value)
        super().save(*args, **kwargs)
