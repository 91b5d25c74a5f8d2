from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from organization.models import OrgUnit

from ..freeze import FreezeGuardQuerySet, FreezeGuarded
from ..parsing import NumberTooLarge, ValueParseError, parse_value, target_fields
from .cycle import Cycle

_NON_NEGATIVE = models.Q(weight__isnull=True) | models.Q(weight__gte=0)


class IndicatorKind(models.TextChoices):
    NUMBER = "number", _("Numero")
    PERCENT = "percent", _("Percentuale")
    RATIO = "ratio", _("Rapporto")
    DATE = "date", _("Data (scadenza)")
    BOOLEAN = "boolean", _("SI/NO")
    PROJECT = "project", _("Progetto (% avanzamento)")
    MONITORING = "monitoring", _("Monitoraggio (non valutato)")


class Direction(models.TextChoices):
    HIGHER = "higher", _("Più alto è meglio")
    LOWER = "lower", _("Più basso è meglio")
    THRESHOLD = "threshold", _("Entro soglia")


class Perspective(FreezeGuarded, models.Model):
    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="perspectives", verbose_name=_("ciclo"))
    code = models.CharField(_("codice"), max_length=20)
    name = models.CharField(_("nome"), max_length=200)
    position = models.PositiveIntegerField(_("ordine"), default=0)

    objects = FreezeGuardQuerySet.as_manager()
    freeze_cycle_path = "cycle"

    class Meta:
        verbose_name = _("prospettiva")
        verbose_name_plural = _("prospettive")
        ordering = ["cycle", "position", "code"]
        constraints = [models.UniqueConstraint(fields=["cycle", "code"], name="perspective_code_unique_per_cycle")]

    def __str__(self) -> str:
        return f"{self.code}. {self.name}"


class StrategicObjective(FreezeGuarded, models.Model):
    cycle = models.ForeignKey(
        Cycle, on_delete=models.CASCADE, related_name="strategic_objectives", verbose_name=_("ciclo")
    )
    perspective = models.ForeignKey(
        Perspective, on_delete=models.RESTRICT, related_name="objectives", verbose_name=_("prospettiva")
    )
    code = models.CharField(_("codice"), max_length=20)
    title = models.CharField(_("titolo"), max_length=300)
    narrative = models.TextField(_("narrativa (Markdown)"), blank=True)
    printed_realization = models.DecimalField(
        _("% realizzazione importata"), max_digits=9, decimal_places=4, null=True, blank=True,
        help_text=_("Valore riportato nel documento di origine, conservato solo per il confronto."),
    )
    position = models.PositiveIntegerField(_("ordine"), default=0)

    objects = FreezeGuardQuerySet.as_manager()
    freeze_cycle_path = "cycle"

    class Meta:
        verbose_name = _("obiettivo strategico")
        verbose_name_plural = _("obiettivi strategici")
        ordering = ["cycle", "position", "code"]
        constraints = [models.UniqueConstraint(fields=["cycle", "code"], name="strategic_code_unique_per_cycle")]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"


class OperationalObjective(FreezeGuarded, models.Model):
    cycle = models.ForeignKey(
        Cycle, on_delete=models.CASCADE, related_name="operational_objectives", verbose_name=_("ciclo")
    )
    strategic_objective = models.ForeignKey(
        StrategicObjective, on_delete=models.RESTRICT, null=True, blank=True, related_name="operational_objectives",
        verbose_name=_("obiettivo strategico"),
    )
    code = models.CharField(_("codice"), max_length=30)
    title = models.CharField(_("titolo"), max_length=400)
    weight = models.DecimalField(_("peso"), max_digits=7, decimal_places=3, null=True, blank=True)
    is_common = models.BooleanField(_("obiettivo comune di sistema"), default=False)
    position = models.PositiveIntegerField(_("ordine"), default=0)

    objects = FreezeGuardQuerySet.as_manager()
    freeze_cycle_path = "cycle"

    class Meta:
        verbose_name = _("obiettivo operativo")
        verbose_name_plural = _("obiettivi operativi")
        ordering = ["cycle", "position", "code"]
        constraints = [
            models.UniqueConstraint(fields=["cycle", "code"], name="operational_code_unique_per_cycle"),
            models.CheckConstraint(condition=_NON_NEGATIVE, name="operational_weight_non_negative"),
            models.CheckConstraint(
                condition=models.Q(is_common=True) | models.Q(strategic_objective__isnull=False),
                name="operational_has_strategic_unless_common",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"


class Indicator(FreezeGuarded, models.Model):
    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="indicators", verbose_name=_("ciclo"))
    operational_objective = models.ForeignKey(
        OperationalObjective, on_delete=models.RESTRICT, related_name="indicators",
        verbose_name=_("obiettivo operativo"),
    )
    code = models.CharField(_("codice"), max_length=40)
    name = models.CharField(_("nome"), max_length=500)
    algorithm = models.TextField(_("algoritmo"), blank=True)
    kind = models.CharField(_("tipo"), max_length=20, choices=IndicatorKind.choices)
    direction = models.CharField(_("direzione"), max_length=20, choices=Direction.choices, default=Direction.HIGHER)
    unit_of_measure = models.CharField(_("unità di misura"), max_length=40, blank=True)
    target_raw = models.CharField(_("risultato atteso"), max_length=100, blank=True)
    target_number = models.DecimalField(_("target numerico"), max_digits=20, decimal_places=6, null=True, blank=True)
    target_date = models.DateField(_("target data"), null=True, blank=True)
    target_bool = models.BooleanField(_("target SI/NO"), null=True, blank=True)
    target_operator = models.CharField(_("operatore soglia"), max_length=2, blank=True)
    weight = models.DecimalField(_("peso"), max_digits=7, decimal_places=3, null=True, blank=True)
    source = models.CharField(_("fonte del dato"), max_length=300, blank=True)
    is_common = models.BooleanField(_("obiettivo comune di sistema"), default=False)
    position = models.PositiveIntegerField(_("ordine"), default=0)

    objects = FreezeGuardQuerySet.as_manager()
    freeze_cycle_path = "cycle"

    class Meta:
        verbose_name = _("indicatore")
        verbose_name_plural = _("indicatori")
        ordering = ["cycle", "position", "code"]
        constraints = [
            models.UniqueConstraint(fields=["cycle", "code"], name="indicator_code_unique_per_cycle"),
            models.CheckConstraint(condition=_NON_NEGATIVE, name="indicator_weight_non_negative"),
            models.CheckConstraint(
                condition=models.Q(kind__in=IndicatorKind.values), name="indicator_kind_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(direction__in=Direction.values), name="indicator_direction_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(target_operator__in=["", "<", "<=", ">", ">="]),
                name="indicator_target_operator_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    # The engine's stored result lives in IndicatorScore (a narrow table rewritten by each recompute);
    # select_related("score") when reading many.
    def _score(self):
        try:
            return self.score
        except ObjectDoesNotExist:
            return None

    @property
    def realization(self):
        score = self._score()
        return score.realization if score else None

    @property
    def result_status(self) -> str:
        score = self._score()
        return score.status if score else ""

    @property
    def flags(self) -> str:
        score = self._score()
        return score.flags if score else ""

    def clean(self) -> None:
        try:
            parse_value(self.target_raw)
        except NumberTooLarge as exc:
            raise ValidationError({"target_raw": exc.describe(_("target"))}) from exc
        except ValueParseError as exc:
            raise ValidationError({"target_raw": _("«%(value)s» non è un risultato atteso riconoscibile (numero, "
                                                    "percentuale, data gg/mm/aaaa, SI/NO o soglia come <30)")
                                   % {"value": self.target_raw}}) from exc

    def save(self, *args, **kwargs) -> None:
        # The typed target always follows the written one (admin edits included).
        try:
            parsed = parse_value(self.target_raw)
        except ValueParseError:
            parsed = None
        for name, value in target_fields(parsed).items():
            if name != "target_raw":
                setattr(self, name, value)
        super().save(*args, **kwargs)


class Scorecard(FreezeGuarded, models.Model):
    """A table of indicators someone is evaluated on: the entity's, a unit's or a person's."""

    class Kind(models.TextChoices):
        STRATEGIC = "strategic", _("Cruscotto strategico")
        COMMON = "common", _("Obiettivi comuni di sistema")
        UNIT = "unit", _("Cruscotto di unità")
        INDIVIDUAL = "individual", _("Scheda individuale")

    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="scorecards", verbose_name=_("ciclo"))
    code = models.CharField(_("codice"), max_length=40)
    kind = models.CharField(_("tipo"), max_length=20, choices=Kind.choices)
    title = models.CharField(_("titolo"), max_length=200)
    unit = models.ForeignKey(
        OrgUnit, on_delete=models.RESTRICT, null=True, blank=True, related_name="scorecards", verbose_name=_("unità")
    )
    holder_name = models.CharField(_("titolare"), max_length=200, blank=True)
    holder = models.ForeignKey(  # PROTECT: in the snapshot, like Measurement.author
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="individual_scorecards", verbose_name=_("utente titolare"),
    )
    position = models.PositiveIntegerField(_("ordine"), default=0)
    indicators = models.ManyToManyField(Indicator, through="Assignment", related_name="scorecards")

    objects = FreezeGuardQuerySet.as_manager()
    freeze_cycle_path = "cycle"

    class Meta:
        verbose_name = _("scheda")
        verbose_name_plural = _("schede")
        ordering = ["cycle", "position", "code"]
        constraints = [
            models.UniqueConstraint(fields=["cycle", "code"], name="scorecard_code_unique_per_cycle"),
            models.CheckConstraint(
                condition=~models.Q(kind="unit") | models.Q(unit__isnull=False), name="unit_scorecard_has_unit"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class Assignment(FreezeGuarded, models.Model):
    """An indicator on a scorecard. The indicator keeps one value; the printed % is per table row."""

    scorecard = models.ForeignKey(
        Scorecard, on_delete=models.CASCADE, related_name="assignments", verbose_name=_("scheda")
    )
    indicator = models.ForeignKey(
        Indicator, on_delete=models.CASCADE, related_name="assignments", verbose_name=_("indicatore")
    )
    weight = models.DecimalField(_("peso"), max_digits=7, decimal_places=3, null=True, blank=True)
    printed_realization_raw = models.CharField(_("% realizzazione importata (testo)"), max_length=40, blank=True)
    printed_realization = models.DecimalField(
        _("% realizzazione importata"), max_digits=9, decimal_places=4, null=True, blank=True
    )
    position = models.PositiveIntegerField(_("ordine"), default=0)
    # Flags that depend on this row (the printed % it carries), written by the engine.
    flags = models.CharField(_("segnalazioni"), max_length=300, blank=True)

    objects = FreezeGuardQuerySet.as_manager()
    freeze_cycle_path = "scorecard__cycle"

    class Meta:
        verbose_name = _("assegnazione")
        verbose_name_plural = _("assegnazioni")
        ordering = ["scorecard", "position"]
        constraints = [
            models.UniqueConstraint(fields=["scorecard", "indicator"], name="assignment_unique"),
            models.CheckConstraint(condition=_NON_NEGATIVE, name="assignment_weight_non_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.scorecard} · {self.indicator}"
