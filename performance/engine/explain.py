"""How a figure was obtained, in Italian and as JSON-serialisable data.

Built on demand from an `IndicatorResult` (which keeps its input and rules), so the hot path pays
nothing for it: only the figures someone opens, prints or stores get an explanation.
"""
from __future__ import annotations

import datetime
import math
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext as _

from performance.parsing import format_number

if TYPE_CHECKING:
    from .indicator import IndicatorResult


def flag_message(code: str) -> str:
    messages = {
        "type_mismatch": _("il tipo del valore non corrisponde al tipo dell'indicatore (es. una data per un "
                           "indicatore numerico): non valutato"),
        "invalid_value": _("valore non valido (es. 00/01/1900 o testo al posto di un numero): non valutato"),
        "missing_value": _("valore mancante: non valutato"),
        "missing_target": _("risultato atteso mancante o non utilizzabile per questo tipo di indicatore: "
                            "non valutato"),
        "zero_denominator": _("denominatore pari a zero: rapporto non calcolabile"),
        "nv_without_justification": _("valore NV (non valutabile) senza motivazione"),
        "over_cap": _("realizzazione grezza molto superiore al risultato atteso: il target potrebbe essere "
                      "troppo basso"),
        "shortfall_without_reason": _("risultato inferiore al risultato atteso senza motivazione dello "
                                      "scostamento"),
        "late_date": _("scadenza rispettata in ritardo ma riportata come raggiunta (100%) nel documento di "
                       "origine"),
        "printed_differs": _("la % di realizzazione riportata nel documento di origine è diversa da quella "
                             "calcolata"),
        "inconsistent_across_scorecards": _("stesso indicatore con valori o risultati attesi diversi in schede "
                                            "diverse"),
        "weights_not_100": _("i pesi indicati non sommano a 100"),
        "percent_scale": _("scala percentuale incoerente (0–1 invece di 0–100, o viceversa)"),
    }
    return messages.get(code, code)


def _rule_text(rule: str, result: IndicatorResult) -> str:
    texts = {
        "higher": _("più alto è meglio: valore ottenuto ÷ risultato atteso × 100"),
        "higher_nonpositive_target": _("più alto è meglio con risultato atteso non positivo: 100 se il valore "
                                       "ottenuto è pari o superiore al risultato atteso, altrimenti 0"),
        "lower": _("più basso è meglio: risultato atteso ÷ valore ottenuto × 100"),
        "lower_best": _("più basso è meglio: un valore ottenuto pari o inferiore a zero, con un risultato atteso "
                        "positivo, è il miglior risultato possibile e vale il massimo"),
        "lower_nonpositive_target": _("più basso è meglio con risultato atteso non positivo: 100 se il valore "
                                      "ottenuto è pari o inferiore al risultato atteso, altrimenti 0"),
        "threshold": _("soglia: 100 se la soglia è rispettata, altrimenti 0"),
        "threshold_no_operator": _("indicatore a soglia senza operatore nel risultato atteso (es. «<30»): "
                                   "non valutabile"),
        "deadline": _("scadenza: 100 se la data di realizzazione è pari o anteriore alla scadenza"),
        "deadline_late_zero": _("scadenza non rispettata: 0"),
        "deadline_late_linear": _("scadenza non rispettata: 100 × (1 − giorni di ritardo ÷ giorni per arrivare "
                                  "a 0)"),
        "boolean": _("SI/NO: 100 se il valore coincide con quello atteso, altrimenti 0"),
        "monitoring": _("indicatore di monitoraggio: rilevato, mai valutato"),
        "nv": _("valore NV (non valutabile): escluso dalle medie, non conta né 0 né 100"),
        "missing": _("valore mancante: non valutato"),
        "missing_target": _("risultato atteso mancante: non valutato"),
        "unusable_value": _("valore non utilizzabile per questo tipo di indicatore: non valutato"),
        "ratio": _("rapporto: numeratore ÷ denominatore"),
    }
    text = texts.get(rule, rule)
    if result.input is not None and result.input.kind == "project" and rule == "higher":
        text = _("progetto: avanzamento ottenuto (%) ÷ avanzamento atteso (%) × 100")
    return text


def _num(x: Any) -> str:
    if x is None:
        return ""
    return format_number(round(float(x), 4))


def _plain(x: Any) -> Any:
    if isinstance(x, Decimal):
        return float(x)
    if isinstance(x, datetime.date):
        return x.strftime("%d/%m/%Y")
    return x


def _yes_no(flag: bool) -> str:
    return "SI" if flag else "NO"


def _arithmetic(result: IndicatorResult) -> str:
    inp, rules, raw, achieved = result.input, result.rules, result.raw_realization, result.achieved
    if inp is None or rules is None or raw is None:
        return ""
    rule, target = result.rule, inp.target_number
    prefix = ""
    if inp.kind == "ratio" and inp.numerator is not None and inp.denominator is not None:
        scale = " × 100" if inp.target_raw.endswith("%") else ""
        prefix = f"{_num(inp.numerator)} ÷ {_num(inp.denominator)}{scale} = {_num(achieved)}; "
    if rule == "higher":
        return prefix + f"{_num(achieved)} ÷ {_num(target)} × 100 = {_num(raw)}"
    if rule == "lower":
        return prefix + f"{_num(target)} ÷ {_num(achieved)} × 100 = {_num(raw)}"
    if rule == "lower_best":
        return prefix + f"{_num(achieved)} ≤ 0 < {_num(target)} → {_num(raw)}"
    if rule in ("threshold", "higher_nonpositive_target", "lower_nonpositive_target"):
        op = inp.target_operator or (">=" if rule == "higher_nonpositive_target" else "<=")
        verdict = _("rispettata") if raw >= 100 else _("non rispettata")
        return prefix + f"{_num(achieved)} {op} {_num(target)}: {verdict} → {_num(raw)}"
    if rule.startswith("deadline"):
        done, deadline = _plain(inp.value_date), _plain(inp.target_date)
        if rule == "deadline":
            return f"{done} ≤ {deadline} → 100"
        days = int(achieved or 0)
        late = _("%(days)d giorni di ritardo") % {"days": days}
        if rule == "deadline_late_zero":
            return f"{done} > {deadline}: {late} → 0"
        return f"{done} > {deadline}: {late}; 100 × (1 − {days} ÷ {rules.days_to_zero}) = {_num(raw)}"
    if rule == "boolean":
        value = bool(achieved)
        wanted = value if raw >= 100 else not value
        sign = "=" if raw >= 100 else "≠"
        return f"{_yes_no(value)} {sign} {_yes_no(wanted)} → {_num(raw)}"
    return prefix + _num(raw)


def _steps(result: IndicatorResult) -> list[dict[str, Any]]:
    """Replays cap → floor → bands → rounding, listing only the steps that changed the figure."""
    from .indicator import apply_bands

    rules, raw = result.rules, result.raw_realization
    if rules is None or raw is None:
        return []
    steps: list[dict[str, Any]] = []
    score = min(max(raw, 0.0), rules.cap)
    if score != raw:
        steps.append({"step": "cap", "description": _("limitata all'intervallo 0–%(cap)s") % {"cap": _num(rules.cap)},
                      "from": raw, "to": score})
    if rules.floor is not None and score < rules.floor:
        steps.append({"step": "floor", "description": _("sotto la soglia minima del %(f)s%%: 0") % {"f": _num(rules.floor)},
                      "from": score, "to": 0.0})
        score = 0.0
    if rules.bands:
        banded = apply_bands(score, rules.bands, rules.band_mode)
        if banded != score:
            steps.append({"step": "bands", "description": _("fasce di punteggio"), "from": score, "to": banded})
        score = banded
    if rules.round_factor is not None:
        rounded = min(math.floor(score * rules.round_factor + 0.5 + 1e-9) / rules.round_factor, rules.cap)
        if rounded != score:
            steps.append({"step": "rounding", "description": _("arrotondamento a %(d)d decimali") % {"d": rules.rounding},
                          "from": score, "to": rounded})
    return steps


def explain_indicator(result: IndicatorResult) -> dict[str, Any]:
    inp = result.input
    inputs: dict[str, Any] = {}
    if inp is not None:
        inputs = {
            "kind": inp.kind, "direction": inp.direction,
            "target": inp.target_raw, "target_number": _plain(inp.target_number),
            "target_date": _plain(inp.target_date), "target_bool": inp.target_bool,
            "target_operator": inp.target_operator,
            "value": inp.value_raw, "value_number": _plain(inp.value_number), "value_date": _plain(inp.value_date),
            "value_bool": inp.value_bool, "is_nv": inp.is_nv, "nv_reason": inp.nv_reason,
            "numerator": _plain(inp.numerator), "denominator": _plain(inp.denominator),
            "printed_realization": _plain(inp.printed_realization), "printed_nv": inp.printed_nv,
            "shortfall_reason": inp.shortfall_reason,
        }
    return {
        "inputs": inputs,
        "rule": result.rule,
        "formula": _rule_text(result.rule, result),
        "arithmetic": _arithmetic(result),
        "steps": _steps(result),
        "rules": result.rules.to_dict() if result.rules is not None else None,
        "result": {"status": result.status, "realization": result.realization,
                   "raw_realization": result.raw_realization, "achieved": result.achieved,
                   "flags": list(result.flags)},
        "messages": [flag_message(code) for code in result.flags],
    }
