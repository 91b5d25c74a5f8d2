"""The cycle's measurement rules (SMVP) as validated, immutable data.

A cycle stores its rules as JSON; `RuleSet.from_dict` is the only way in, so every value the engine
reads has been checked once here and the hot path never has to re-validate.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from performance.parsing import format_number

BAND_MODES = ("fixed", "interpolated")
LATE_RULES = ("zero", "linear")
NV_POLICIES = ("exclude",)
AGGREGATIONS = ("weighted_mean", "all_met")

#: Defaults for every key. The first eight equal performance.models.cycle.DEFAULT_RULES; the last
#: three are new in the engine and reproduce the seed (see tests/performance/engine/test_seed_reproduction.py).
DEFAULTS: dict[str, Any] = {
    "version": 1,
    "cap": 100,
    "floor": None,
    "bands": [],
    "rounding": 2,
    "late_deadline": {"rule": "zero", "days_to_zero": 0},
    "nv": "exclude",
    "objective_aggregation": "weighted_mean",
    "band_mode": "fixed",
    "over_cap_ratio": 1.5,
    "printed_tolerance": 0.5,
}


class RuleSetError(ValueError):
    """An invalid rule set; the message is Italian and names the offending key."""


def _is_number(value: object) -> bool:
    # bool is an int subclass: "cap": true must not pass as 1.
    return isinstance(value, (int, float, Decimal)) and not isinstance(value, bool)


def _number(d: dict, key: str, *, minimum: float | None = None, strict: bool = False,
            allow_none: bool = False, message: str) -> float | None:
    value = d[key]
    if value is None and allow_none:
        return None
    if not _is_number(value):
        raise RuleSetError(message)
    number = float(value)
    if number != number or number in (float("inf"), float("-inf")):
        raise RuleSetError(message)
    if minimum is not None and (number <= minimum if strict else number < minimum):
        raise RuleSetError(message)
    return number


@dataclass(frozen=True, slots=True)
class RuleSet:
    version: int = 1
    cap: float = 100.0
    floor: float | None = None
    bands: tuple[tuple[float, float], ...] = ()
    band_mode: str = "fixed"
    rounding: int | None = 2
    late_rule: str = "zero"
    days_to_zero: int = 0
    nv: str = "exclude"
    objective_aggregation: str = "weighted_mean"
    over_cap_ratio: float | None = 1.5
    printed_tolerance: float = 0.5
    # Derived once so compute_indicator does no arithmetic on the rules themselves.
    over_cap_at: float | None = field(init=False, repr=False, compare=False)
    round_factor: float | None = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "over_cap_at",
                           None if self.over_cap_ratio is None else self.cap * self.over_cap_ratio)
        object.__setattr__(self, "round_factor", None if self.rounding is None else 10.0 ** self.rounding)

    def round(self, value: float) -> float:
        """Half-up rounding to `rounding` decimals, as people round by hand (2.675 → 2.68)."""
        factor = self.round_factor
        if factor is None:
            return value
        # The epsilon absorbs binary noise: 2.675 is stored as 2.67499999…
        return math.floor(value * factor + 0.5 + 1e-9) / factor

    @classmethod
    def default(cls) -> RuleSet:
        return cls.from_dict({})

    @classmethod
    def from_dict(cls, data: dict | None) -> RuleSet:
        if data is None:
            data = {}
        if not isinstance(data, dict):
            raise RuleSetError(_("le regole devono essere un oggetto JSON (dizionario)"))
        unknown = sorted(set(data) - set(DEFAULTS))
        if unknown:
            # A typo ("flor") silently ignored would change results without anyone noticing.
            raise RuleSetError(_("chiave sconosciuta nelle regole: %(key)s") % {"key": ", ".join(unknown)})
        d = {**DEFAULTS, **data}

        version = d["version"]
        if not isinstance(version, int) or isinstance(version, bool) or version < 1:
            raise RuleSetError(_("version deve essere un numero intero maggiore o uguale a 1"))
        cap = _number(d, "cap", minimum=0, strict=True, message=_("cap deve essere un numero maggiore di zero"))
        floor = _number(d, "floor", minimum=0, allow_none=True,
                        message=_("floor deve essere vuoto (null) oppure un numero maggiore o uguale a zero"))
        if floor is not None and floor >= cap:
            raise RuleSetError(_("floor deve essere minore di cap"))

        band_mode = d["band_mode"]
        if band_mode not in BAND_MODES:
            raise RuleSetError(_("band_mode deve essere «fixed» (fasce fisse) o «interpolated» (interpolazione lineare)"))
        bands = cls._bands(d["bands"], cap)

        rounding = d["rounding"]
        if rounding is not None and (not isinstance(rounding, int) or isinstance(rounding, bool)
                                     or not 0 <= rounding <= 6):
            raise RuleSetError(_("rounding deve essere vuoto (null) oppure un intero tra 0 e 6 (cifre decimali)"))

        late = d["late_deadline"]
        if not isinstance(late, dict) or set(late) - {"rule", "days_to_zero"}:
            raise RuleSetError(_("late_deadline deve essere un oggetto con le chiavi «rule» e «days_to_zero»"))
        late_rule = late.get("rule", "zero")
        if late_rule not in LATE_RULES:
            raise RuleSetError(_("late_deadline.rule deve essere «zero» o «linear»"))
        days = late.get("days_to_zero", 0)
        if not isinstance(days, int) or isinstance(days, bool) or days < 0:
            raise RuleSetError(_("late_deadline.days_to_zero deve essere un intero maggiore o uguale a zero"))
        if late_rule == "linear" and days == 0:
            raise RuleSetError(_("late_deadline.days_to_zero deve essere maggiore di zero con la regola «linear»"))

        if d["nv"] not in NV_POLICIES:
            # The DFP guidelines and the design: NV is never counted as 0 or 100.
            raise RuleSetError(_("nv deve essere «exclude»: un indicatore NV non si conta né come 0 né come 100"))
        if d["objective_aggregation"] not in AGGREGATIONS:
            raise RuleSetError(_("objective_aggregation deve essere «weighted_mean» o «all_met»"))
        over_cap_ratio = _number(d, "over_cap_ratio", minimum=1, allow_none=True,
                                 message=_("over_cap_ratio deve essere vuoto (null) oppure un numero maggiore o uguale a 1"))
        tolerance = _number(d, "printed_tolerance", minimum=0,
                            message=_("printed_tolerance deve essere un numero maggiore o uguale a zero"))
        return cls(version=version, cap=cap, floor=floor, bands=bands, band_mode=band_mode, rounding=rounding,
                   late_rule=late_rule, days_to_zero=days, nv=d["nv"],
                   objective_aggregation=d["objective_aggregation"], over_cap_ratio=over_cap_ratio,
                   printed_tolerance=tolerance)

    @staticmethod
    def _bands(raw: object, cap: float) -> tuple[tuple[float, float], ...]:
        message = _("bands deve essere una lista di coppie [soglia, punteggio] con soglie diverse "
                    "e punteggi tra 0 e cap")
        if not isinstance(raw, (list, tuple)):
            raise RuleSetError(message)
        pairs = []
        for pair in raw:
            if not isinstance(pair, (list, tuple)) or len(pair) != 2 or not all(_is_number(x) for x in pair):
                raise RuleSetError(message)
            threshold, score = float(pair[0]), float(pair[1])
            if not 0 <= score <= cap:
                raise RuleSetError(message)
            pairs.append((threshold, score))
        pairs.sort()
        if any(a[0] == b[0] for a, b in zip(pairs, pairs[1:])):
            raise RuleSetError(message)
        return tuple(pairs)

    def to_dict(self) -> dict[str, Any]:
        def plain(x: float | None) -> float | int | None:
            return int(x) if x is not None and x == int(x) else x

        return {
            "version": self.version,
            "cap": plain(self.cap),
            "floor": plain(self.floor),
            "bands": [[plain(t), plain(s)] for t, s in self.bands],
            "rounding": self.rounding,
            "late_deadline": {"rule": self.late_rule, "days_to_zero": self.days_to_zero},
            "nv": self.nv,
            "objective_aggregation": self.objective_aggregation,
            "band_mode": self.band_mode,
            "over_cap_ratio": plain(self.over_cap_ratio),
            "printed_tolerance": plain(self.printed_tolerance),
        }

    def describe(self) -> list[str]:
        """The rule set in Italian sentences, for the method appendix of the Relazione."""
        n = format_number
        lines = [
            _("Indicatori «più alto è meglio»: realizzazione = valore ottenuto ÷ risultato atteso × 100."),
            _("Indicatori «più basso è meglio» (tempi, giorni, tassi di errore): realizzazione = risultato "
              "atteso ÷ valore ottenuto × 100; un valore ottenuto pari o inferiore a zero, con un risultato "
              "atteso positivo, vale il massimo."),
            _("Indicatori a soglia (risultato atteso come «<30», «>40%», «≤ 5»): 100 se la soglia è "
              "rispettata, altrimenti 0."),
        ]
        if self.late_rule == "zero":
            lines.append(_("Scadenze: 100 se la data di realizzazione è pari o anteriore alla scadenza, "
                           "0 se è successiva."))
        else:
            lines.append(_("Scadenze: 100 se la data di realizzazione è pari o anteriore alla scadenza; in "
                           "ritardo la realizzazione scende linearmente fino a 0 dopo %(days)d giorni.")
                         % {"days": self.days_to_zero})
        lines += [
            _("Indicatori SI/NO: 100 se il valore coincide con quello atteso, altrimenti 0."),
            _("Progetti: avanzamento ottenuto (%) ÷ avanzamento atteso (%) × 100."),
            _("Rapporti: numeratore ÷ denominatore (× 100 se il risultato atteso è una percentuale), poi "
              "confrontato con il risultato atteso; un denominatore pari a zero rende l'indicatore non "
              "calcolabile."),
            _("Indicatori di monitoraggio: rilevati ma mai valutati."),
            _("La realizzazione non supera il %(cap)s%% e non scende sotto lo 0%%.") % {"cap": n(self.cap)},
        ]
        if self.floor is not None:
            lines.append(_("Una realizzazione inferiore al %(floor)s%% vale 0.") % {"floor": n(self.floor)})
        if self.bands:
            steps = "; ".join(
                _("da %(t)s%% → %(s)s%%") % {"t": n(t), "s": n(s)} for t, s in self.bands)
            if self.band_mode == "fixed":
                lines.append(_("Fasce di punteggio fisse (si applica la fascia più alta raggiunta; sotto la "
                               "prima fascia 0): %(steps)s.") % {"steps": steps})
            else:
                lines.append(_("Fasce di punteggio con interpolazione lineare tra i punti (sotto il primo "
                               "punto 0, oltre l'ultimo il suo punteggio): %(steps)s.") % {"steps": steps})
        if self.rounding is not None:
            lines.append(_("Arrotondamento a %(d)d decimali (metà per eccesso).") % {"d": self.rounding})
        lines.append(_("Gli indicatori non valutabili (NV), di monitoraggio o non calcolabili sono esclusi "
                       "dalle medie e il loro peso è ridistribuito sugli altri: non valgono né 0 né 100."))
        if self.objective_aggregation == "weighted_mean":
            lines.append(_("Obiettivi operativi: media ponderata della realizzazione dei loro indicatori "
                           "(pesi uguali se non indicati)."))
        else:
            lines.append(_("Obiettivi operativi: 100 se tutti gli indicatori valutati raggiungono il 100%, "
                           "altrimenti 0."))
        lines.append(_("Obiettivi strategici, prospettive, ente e schede: media ponderata del livello "
                       "inferiore (pesi uguali se non indicati; un peso mancante accanto a pesi indicati vale 0)."))
        if self.over_cap_at is not None:
            lines.append(_("Controllo di qualità: una realizzazione grezza pari o superiore al %(v)s%% è "
                           "segnalata (risultato atteso forse troppo basso).") % {"v": n(self.over_cap_at)})
        lines.append(_("Controllo di qualità: una %% di realizzazione riportata nel documento di origine che si "
                       "discosta di oltre %(t)s punti da quella calcolata è segnalata.")
                     % {"t": n(self.printed_tolerance)})
        return lines
