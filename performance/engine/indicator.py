"""Realization of one indicator: plain values in, an `IndicatorResult` out.

`compute_indicator` is the hot path (100,000 calls per recompute), so it only reads already-typed
fields, works in floats and builds nothing but the result; the explanation is derived on demand
from the result (see explain.py). Parsing lives in `IndicatorInput.from_raw`, off the hot path.
"""
from __future__ import annotations

import datetime
import math
from dataclasses import dataclass, field
from typing import NamedTuple
from decimal import Decimal

from performance.parsing import ParsedValue, ValueParseError, ValueShape, parse_decimal, parse_value

from .rules import RuleSet

Number = float | int | Decimal

KINDS = ("number", "percent", "ratio", "date", "boolean", "project", "monitoring")
DIRECTIONS = ("higher", "lower", "threshold")
_KIND_ALIASES = {"numero": "number", "percentuale": "percent", "rapporto": "ratio", "data": "date",
                 "si_no": "boolean", "progetto": "project", "monitoraggio": "monitoring"}
_DIRECTION_ALIASES = {"crescente": "higher", "decrescente": "lower", "soglia": "threshold"}

# Statuses.
SCORED, NV, MONITORING, MISSING, NOT_COMPUTABLE = "scored", "nv", "monitoring", "missing", "not_computable"

# Flag codes (DESIGN.md, "Realization rules"), in the order they are reported.
TYPE_MISMATCH = "type_mismatch"
INVALID_VALUE = "invalid_value"
MISSING_VALUE = "missing_value"
MISSING_TARGET = "missing_target"
ZERO_DENOMINATOR = "zero_denominator"
NV_WITHOUT_JUSTIFICATION = "nv_without_justification"
OVER_CAP = "over_cap"
SHORTFALL_WITHOUT_REASON = "shortfall_without_reason"
LATE_DATE = "late_date"
PRINTED_DIFFERS = "printed_differs"
FLAGS = (TYPE_MISMATCH, INVALID_VALUE, MISSING_VALUE, MISSING_TARGET, ZERO_DENOMINATOR, NV_WITHOUT_JUSTIFICATION,
         OVER_CAP, SHORTFALL_WITHOUT_REASON, LATE_DATE, PRINTED_DIFFERS)

_NUMERIC_KINDS = frozenset(("number", "percent", "ratio", "project"))
_NO_FLAGS: tuple[str, ...] = ()


class IndicatorInput(NamedTuple):
    """One indicator's plan and measurement, as stored (Indicator + Measurement + the row's printed %).

    A named tuple rather than a frozen dataclass: the recompute builds 100,000 of them straight from
    database rows, and a tuple is made from a row in one C call (see inputs.py).

    has_value is False when no measurement exists for the period. printed_nv is True when the source
    document printed "NV" as the realization (printed_realization is then None): it lets the engine
    tell "printed NV" from "nothing printed", which is the normal case for values entered in Misura.
    """

    kind: str
    direction: str = "higher"
    target_raw: str = ""
    target_number: Number | None = None
    target_date: datetime.date | None = None
    target_bool: bool | None = None
    target_operator: str = ""
    value_raw: str = ""
    value_number: Number | None = None
    value_date: datetime.date | None = None
    value_bool: bool | None = None
    is_nv: bool = False
    nv_reason: str = ""
    numerator: Number | None = None
    denominator: Number | None = None
    has_value: bool = True
    printed_realization: Number | None = None
    printed_nv: bool = False
    shortfall_reason: str = ""

    @classmethod
    def from_raw(cls, kind: str, direction: str, target: object, value: object, *,
                 numerator: object = None, denominator: object = None, nv_reason: str = "",
                 printed: object = None, shortfall_reason: str = "") -> IndicatorInput:
        """Build an input from cells as people write them ("98,77%", "<30", "00/01/1900", "NV").

        Kinds and directions may be given with the workbook's Italian codes. A value the parser
        rejects is kept as raw text with nothing parsed, so the engine reports it as invalid_value.
        """
        kind = _KIND_ALIASES.get(kind, kind)
        direction = _DIRECTION_ALIASES.get(direction, direction)
        if kind not in KINDS:
            raise ValueError(f"unknown indicator kind: {kind!r}")
        if direction not in DIRECTIONS:
            raise ValueError(f"unknown direction: {direction!r}")
        t, v, p = _parse(target), _parse(value), _parse(printed)
        num, den = _parse_number(numerator), _parse_number(denominator)
        return cls(
            kind=kind, direction=direction,
            target_raw=t.raw, target_number=t.number, target_date=t.date, target_bool=t.boolean,
            target_operator=t.operator,
            value_raw=v.raw, value_number=v.number, value_date=v.date, value_bool=v.boolean,
            is_nv=v.shape is ValueShape.NV, nv_reason=nv_reason or "",
            numerator=num, denominator=den,
            has_value=v.shape is not ValueShape.EMPTY or num is not None or den is not None,
            printed_realization=p.number, printed_nv=p.shape is ValueShape.NV,
            shortfall_reason=shortfall_reason or "",
        )


def _parse(raw: object) -> ParsedValue:
    try:
        return parse_value(raw)
    except ValueParseError:
        return ParsedValue(str(raw).strip(), ValueShape.INVALID_DATE)  # text that is no value: nothing parsed


def _parse_number(raw: object) -> Decimal | None:
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    return parse_decimal(raw) if isinstance(raw, str) else Decimal(str(raw))


@dataclass(frozen=True, slots=True)
class IndicatorResult:
    """realization: final score (0..cap) or None when not scored; raw_realization: before cap.

    rule names the formula applied (see explain.RULE_TEXTS); achieved is the value compared with
    the target (e.g. numerator/denominator for a ratio). `explain` is built on demand.
    """

    realization: float | None
    raw_realization: float | None
    status: str
    flags: tuple[str, ...]
    rule: str
    achieved: float | None = None
    input: IndicatorInput | None = field(default=None, compare=False, repr=False)
    rules: RuleSet | None = field(default=None, compare=False, repr=False)

    @property
    def scored(self) -> bool:
        return self.realization is not None

    @property
    def explain(self) -> dict:
        from .explain import explain_indicator

        return explain_indicator(self)


def _result_factory():
    # A frozen dataclass's generated __init__ goes through object.__setattr__ per field, which costs
    # about 2.5 µs here; setting the slots through their descriptors gives the same immutable object
    # in half the time, and this constructor runs 100,000 times per recompute.
    new = object.__new__
    setters = [IndicatorResult.__dict__[name].__set__ for name in (
        "realization", "raw_realization", "status", "flags", "rule", "achieved", "input", "rules")]
    s_real, s_raw, s_status, s_flags, s_rule, s_achieved, s_input, s_rules = setters

    def make(realization, raw, status, flags, rule, achieved, inp, rules) -> IndicatorResult:
        obj = new(IndicatorResult)
        s_real(obj, realization)
        s_raw(obj, raw)
        s_status(obj, status)
        s_flags(obj, flags)
        s_rule(obj, rule)
        s_achieved(obj, achieved)
        s_input(obj, inp)
        s_rules(obj, rules)
        return obj

    return make


_result = _result_factory()


def compute_indicator(inp: IndicatorInput, rules: RuleSet) -> IndicatorResult:
    kind = inp.kind
    if kind == "monitoring":
        return _not_scored(inp, rules, MONITORING, "monitoring", _monitoring_flags(inp))
    if not inp.has_value:
        flags = (MISSING_VALUE,) if _target_usable(inp) else (MISSING_VALUE, MISSING_TARGET)
        return _not_scored(inp, rules, MISSING, "missing", flags)
    if inp.is_nv:
        flags = _NO_FLAGS if _has_text(inp.nv_reason) else (NV_WITHOUT_JUSTIFICATION,)
        return _not_scored(inp, rules, NV, "nv", flags)

    if kind in _NUMERIC_KINDS:
        num, den = inp.numerator, inp.denominator
        if kind == "ratio" and num is not None and den is not None:
            den = float(den)
            if den == 0.0:
                return _not_scored(inp, rules, NOT_COMPUTABLE, "ratio", (ZERO_DENOMINATOR,))
            achieved = float(num) / den
            if inp.target_raw.endswith("%"):  # the ratio is compared on the target's scale
                achieved *= 100.0
        elif inp.value_number is not None:
            achieved = float(inp.value_number)
        else:
            return _unusable(inp, rules)
        target = inp.target_number
        if target is None:
            return _not_scored(inp, rules, NOT_COMPUTABLE, "missing_target", (MISSING_TARGET,))
        target = float(target)
        op = inp.target_operator
        if op:
            # An operator makes it a threshold whatever the stored direction ("<30", ">40%").
            met = (achieved < target if op == "<" else achieved <= target if op == "<="
                   else achieved > target if op == ">" else achieved >= target)
            return _finish(inp, rules, 100.0 if met else 0.0, "threshold", achieved)
        direction = inp.direction
        if direction == "lower":
            if target <= 0.0:
                return _finish(inp, rules, 100.0 if achieved <= target else 0.0, "lower_nonpositive_target", achieved)
            if achieved <= 0.0:
                # Negative payment days (paid before the due date) or 0% errors: the best possible result.
                return _finish(inp, rules, rules.cap, "lower_best", achieved)
            return _finish(inp, rules, target / achieved * 100.0, "lower", achieved)
        if direction == "threshold":
            return _not_scored(inp, rules, NOT_COMPUTABLE, "threshold_no_operator", (MISSING_TARGET,))
        if target <= 0.0:
            return _finish(inp, rules, 100.0 if achieved >= target else 0.0, "higher_nonpositive_target", achieved)
        return _finish(inp, rules, achieved / target * 100.0, "higher", achieved)

    if kind == "date":
        done = inp.value_date
        if done is None:
            return _unusable(inp, rules)
        deadline = inp.target_date
        if deadline is None:
            return _not_scored(inp, rules, NOT_COMPUTABLE, "missing_target", (MISSING_TARGET,))
        if done <= deadline:
            return _finish(inp, rules, 100.0, "deadline", 0.0)
        days = float((done - deadline).days)
        if rules.late_rule == "linear":
            return _finish(inp, rules, max(0.0, 100.0 * (1.0 - days / rules.days_to_zero)),
                           "deadline_late_linear", days)
        return _finish(inp, rules, 0.0, "deadline_late_zero", days)

    if kind == "boolean":
        value = _as_bool(inp.value_bool, inp.value_number)
        if value is None:
            return _unusable(inp, rules)
        target = _as_bool(inp.target_bool, inp.target_number)
        if target is None:
            return _not_scored(inp, rules, NOT_COMPUTABLE, "missing_target", (MISSING_TARGET,))
        return _finish(inp, rules, 100.0 if value == target else 0.0, "boolean", 1.0 if value else 0.0)

    raise ValueError(f"unknown indicator kind: {kind!r}")


def _finish(inp: IndicatorInput, rules: RuleSet, raw: float, rule: str, achieved: float | None) -> IndicatorResult:
    """raw → cap → floor → bands → rounding, then the flags that depend on the score."""
    cap = rules.cap
    score = cap if raw > cap else (0.0 if raw < 0.0 else raw)
    if rules.floor is not None and score < rules.floor:
        score = 0.0
    if rules.bands:
        score = apply_bands(score, rules.bands, rules.band_mode)
    factor = rules.round_factor
    if factor is not None:
        # Half-up, as people round by hand; the epsilon absorbs binary noise (2.675 → 2.68).
        score = math.floor(score * factor + 0.5 + 1e-9) / factor
        if score > cap:  # a fractional cap (e.g. 99.5 with 0 decimals) stays the ceiling
            score = cap
    flags = _NO_FLAGS
    over = rules.over_cap_at
    if over is not None and raw >= over:
        flags = (OVER_CAP,)
    # A shortfall is measured against the target (raw, before cap/floor/bands), as rounded.
    if raw < 100.0 and (factor is None or math.floor(raw * factor + 0.5 + 1e-9) < 100.0 * factor) \
            and not _has_text(inp.shortfall_reason):
        flags = flags + (SHORTFALL_WITHOUT_REASON,)
    if inp.printed_realization is not None or inp.printed_nv:
        flags = flags + _printed_flags(inp, rules, score, inp.printed_realization, inp.printed_nv)
    return _result(score, raw, SCORED, flags, rule, achieved, inp, rules)


def _not_scored(inp: IndicatorInput, rules: RuleSet, status: str, rule: str,
                flags: tuple[str, ...]) -> IndicatorResult:
    if inp.printed_realization is not None or inp.printed_nv:
        flags = flags + _printed_flags(inp, rules, None, inp.printed_realization, inp.printed_nv)
    return _result(None, None, status, flags, rule, None, inp, rules)


def _unusable(inp: IndicatorInput, rules: RuleSet) -> IndicatorResult:
    """The value is there but cannot be used for this kind: say why, never score it as 0."""
    if inp.value_number is not None or inp.value_date is not None or inp.value_bool is not None:
        flags: tuple[str, ...] = (TYPE_MISMATCH,)
        status = NOT_COMPUTABLE
    elif inp.value_raw:
        flags, status = (INVALID_VALUE,), NOT_COMPUTABLE
    else:
        flags, status = (MISSING_VALUE,), MISSING
    if not _target_usable(inp):
        flags = flags + (MISSING_TARGET,)
    return _not_scored(inp, rules, status, "unusable_value", flags)


def _target_usable(inp: IndicatorInput) -> bool:
    kind = inp.kind
    if kind == "date":
        return inp.target_date is not None
    if kind == "boolean":
        return _as_bool(inp.target_bool, inp.target_number) is not None
    return inp.target_number is not None and (bool(inp.target_operator) or inp.direction != "threshold")


def _monitoring_flags(inp: IndicatorInput) -> tuple[str, ...]:
    flags: tuple[str, ...] = _NO_FLAGS
    if not inp.has_value:
        return (MISSING_VALUE,)
    if inp.is_nv:
        if not _has_text(inp.nv_reason):
            flags = (NV_WITHOUT_JUSTIFICATION,)
    elif (inp.value_raw and inp.value_number is None and inp.value_date is None and inp.value_bool is None
          and inp.value_raw.strip().casefold() not in ("monitoraggio", "monitoring")):
        flags = (INVALID_VALUE,)  # e.g. 00/01/1900: monitored, but not a value anyone can read
    return flags


def _as_bool(flag: bool | None, number: Number | None) -> bool | None:
    # The workbook accepts 1/0 for SI/NO, and the parser reads them as numbers.
    if flag is not None:
        return flag
    if number is not None and number in (0, 1):
        return bool(number)
    return None


def _has_text(text: str) -> bool:
    return bool(text) and not text.isspace()


def _printed_flags(inp: IndicatorInput, rules: RuleSet, realization: float | None,
                   printed: Number | None, printed_nv: bool) -> tuple[str, ...]:
    if printed is None:
        # Only an explicit "NV" printed in the source is compared; nothing printed is the normal case.
        return (PRINTED_DIFFERS,) if printed_nv and realization is not None else _NO_FLAGS
    printed = float(printed)
    flags: tuple[str, ...] = _NO_FLAGS
    if (inp.kind == "date" and printed >= 100.0 and inp.value_date is not None and inp.target_date is not None
            and inp.value_date > inp.target_date):
        flags = (LATE_DATE,)
    if realization is None or abs(printed - realization) > rules.printed_tolerance:
        flags = flags + (PRINTED_DIFFERS,)
    return flags


def printed_flags(result: IndicatorResult, printed: Number | None, printed_nv: bool = False) -> tuple[str, ...]:
    """Flags comparing one printed % (one scorecard row) with an already computed result.

    An indicator has one value but may sit on several scorecards, each row with its own printed %:
    the wiring computes each indicator once and calls this per assignment.
    """
    if result.input is None or result.rules is None:
        raise ValueError("the result does not carry its input and rules")
    return _printed_flags(result.input, result.rules, result.realization, printed, printed_nv)


def apply_bands(score: float, bands: tuple[tuple[float, float], ...], mode: str) -> float:
    """Fixed: the score of the highest threshold ≤ score. Interpolated: linear between points.

    In both modes a score below the first threshold gets 0 ("below 50 → 0"), one above the last
    threshold gets the last score.
    """
    if score < bands[0][0]:
        return 0.0
    if mode == "fixed":
        result = bands[0][1]
        for threshold, band_score in bands:
            if score < threshold:
                break
            result = band_score
        return result
    prev_t, prev_s = bands[0]
    for threshold, band_score in bands[1:]:
        if score <= threshold:
            return prev_s + (band_score - prev_s) * (score - prev_t) / (threshold - prev_t)
        prev_t, prev_s = threshold, band_score
    return prev_s
