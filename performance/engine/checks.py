"""Plan-wide data-quality checks: what needs more than one indicator to be seen.

Per-indicator flags are computed in indicator.py; `indicator_findings` only turns them into
`Finding`s so that one list can be printed (check_data) or handed to the OIV.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from performance.parsing import format_number

from .explain import flag_message
from .indicator import IndicatorInput, IndicatorResult
from .rollup import PlanInput, Weight

ERROR, WARNING = "error", "warning"
# A figure that cannot be computed (or a weighting that cannot be right) is an error; the rest are
# warnings the struttura tecnica or the OIV must look at.
SEVERITY = {
    "type_mismatch": ERROR, "invalid_value": ERROR, "missing_value": ERROR, "missing_target": ERROR,
    "zero_denominator": ERROR, "weights_not_100": ERROR,
    "nv_without_justification": WARNING, "over_cap": WARNING, "shortfall_without_reason": WARNING,
    "late_date": WARNING, "printed_differs": WARNING, "inconsistent_across_scorecards": WARNING,
    "percent_scale": WARNING,
}
WEIGHT_TOLERANCE = 0.01


@dataclass(frozen=True, slots=True)
class Finding:
    code: str
    severity: str
    subject_type: str  # "indicator", "operational_objective", "strategic_objective", "perspective", "scorecard", "common_objectives"
    subject_id: Hashable | None
    message: str
    details: dict[str, Any] = field(default_factory=dict)


def check_plan(plan: PlanInput, results: Mapping[int, IndicatorResult], *,
               include_indicator_flags: bool = True) -> list[Finding]:
    findings = inconsistent_across_scorecards(plan, results) + weights_not_100(plan) + percent_scale(plan, results)
    if include_indicator_flags:
        findings += indicator_findings(plan, results)
    return findings


def normalise_name(name: str) -> str:
    return " ".join(name.casefold().split())


def _target_key(inp: IndicatorInput) -> tuple:
    number = None if inp.target_number is None else float(inp.target_number)
    if number is None and inp.target_date is None and inp.target_bool is None:
        return ("raw", normalise_name(inp.target_raw))
    # "85,60%" = "85,6%", but "40%" ≠ ">40%" (operator) and "40" ≠ "40%" (scale).
    return (inp.target_operator, number, inp.target_date, inp.target_bool, inp.target_raw.rstrip().endswith("%"))


def _value_key(inp: IndicatorInput) -> tuple:
    if inp.is_nv:
        return ("nv",)
    number = None if inp.value_number is None else float(inp.value_number)
    num = None if inp.numerator is None else float(inp.numerator)
    den = None if inp.denominator is None else float(inp.denominator)
    if number is None and inp.value_date is None and inp.value_bool is None and num is None and den is None:
        return ("raw", normalise_name(inp.value_raw))
    return (number, inp.value_date, inp.value_bool, num, den)


def inconsistent_across_scorecards(plan: PlanInput, results: Mapping[int, IndicatorResult]) -> list[Finding]:
    """Indicators with the same name (casefold, collapsed whitespace) but a different target or value.

    The same indicator on two scorecards shares one value, so a discrepancy in the source can only
    survive as two indicators with the same name: one finding per group, on its first indicator.
    """
    groups: dict[str, list] = defaultdict(list)
    for ind in plan.indicators:
        name = normalise_name(ind.name)
        result = results.get(ind.id)
        if name and result is not None and result.input is not None:
            groups[name].append((ind, result))
    findings = []
    for members in groups.values():
        if len(members) < 2:
            continue
        targets = {_target_key(r.input) for _i, r in members}
        values = {_value_key(r.input) for _i, r in members}
        if len(targets) == 1 and len(values) == 1:
            continue
        first = members[0][0]
        codes = ", ".join(i.code or str(i.id) for i, _r in members)
        what = (_("risultati attesi e valori diversi") if len(targets) > 1 and len(values) > 1
                else _("risultati attesi diversi") if len(targets) > 1 else _("valori diversi"))
        findings.append(Finding(
            "inconsistent_across_scorecards", SEVERITY["inconsistent_across_scorecards"], "indicator", first.id,
            _("Indicatori con lo stesso nome e %(what)s: %(codes)s («%(name)s»).")
            % {"what": what, "codes": codes, "name": first.name.strip()},
            {"name": first.name, "differs": {"target": len(targets) > 1, "value": len(values) > 1},
             "indicators": [{"id": i.id, "code": i.code, "target": r.input.target_raw, "value": r.input.value_raw,
                             "realization": r.realization} for i, r in members]},
        ))
    return findings


def _weight_finding(subject_type: str, subject_id: Hashable | None, label: str,
                    members: Sequence[tuple[Hashable, Weight]], texts: tuple[str, str]) -> Finding | None:
    given = [(m, float(w)) for m, w in members if w is not None]
    if not given:
        return None  # no weights at this level: equal weights, nothing to add up
    missing = [m for m, w in members if w is None]
    total = sum(w for _m, w in given)
    if abs(total - 100.0) <= WEIGHT_TOLERANCE and not missing:
        return None
    message = texts[0] % {"label": label, "total": format_number(round(total, 4))}
    if missing:
        message += " " + texts[1] % {"n": len(missing)}
    return Finding("weights_not_100", SEVERITY["weights_not_100"], subject_type, subject_id, message,
                   {"total": total, "weights": {str(m): w for m, w in given}, "missing": [str(m) for m in missing]})


def weights_not_100(plan: PlanInput) -> list[Finding]:
    """At each level where weights are given, they must add up to 100 (± 0.01) with none missing."""
    codes = {
        "operational_objective": {o.id: o.code or str(o.id) for o in plan.operational},
        "strategic_objective": {s.id: s.code or str(s.id) for s in plan.strategic},
        "perspective": {p.id: p.code or str(p.id) for p in plan.perspectives},
        "scorecard": {s.id: s.code or str(s.id) for s in plan.scorecards},
    }
    levels: list[tuple[str, dict[Hashable, list], str]] = []
    by_oo: dict[Hashable, list] = defaultdict(list)
    for ind in plan.indicators:
        by_oo[ind.operational_id].append((ind.code or ind.id, ind.weight))
    levels.append(("operational_objective", by_oo, _("gli indicatori dell'obiettivo operativo %(code)s")))
    by_so: dict[Hashable, list] = defaultdict(list)
    for oo in plan.operational:
        by_so[oo.strategic_id].append((oo.code or oo.id, oo.weight))
    levels.append(("strategic_objective", by_so, _("gli obiettivi operativi dell'obiettivo strategico %(code)s")))
    by_p: dict[Hashable, list] = defaultdict(list)
    for so in plan.strategic:
        by_p[so.perspective_id].append((so.code or so.id, so.weight))
    levels.append(("perspective", by_p, _("gli obiettivi strategici della prospettiva %(code)s")))
    by_sc: dict[Hashable, list] = defaultdict(list)
    for a in plan.assignments:
        by_sc[a.scorecard_id].append((a.indicator_id, a.weight))
    levels.append(("scorecard", by_sc, _("le righe della scheda %(code)s")))

    texts = (_("I pesi indicati per %(label)s sommano a %(total)s invece di 100."),
             _("Elementi senza peso, che contano 0: %(n)d."))
    findings = []
    for subject_type, groups, label in levels:
        for subject_id, members in groups.items():
            if subject_type == "strategic_objective" and subject_id is None:
                finding = _weight_finding("common_objectives", None, _("gli obiettivi comuni"), members, texts)
            else:
                code = codes[subject_type].get(subject_id, str(subject_id))
                finding = _weight_finding(subject_type, subject_id, label % {"code": code}, members, texts)
            if finding is not None:
                findings.append(finding)
    return findings


def percent_scale(plan: PlanInput, results: Mapping[int, IndicatorResult]) -> list[Finding]:
    """A percent-like value on the 0–1 scale against a 0–100 target, or vice versa.

    Zero is on both scales and is skipped (0% refused ordinances is a real result); a pair written
    with "%" on both sides is taken at its word.
    """
    template = _("Indicatore %(code)s: valore %(value)s e risultato atteso %(target)s sembrano su scale "
                 "diverse (0–1 e 0–100).")
    findings = []
    for ind in plan.indicators:
        result = results.get(ind.id)
        inp = result.input if result is not None else None
        if inp is None or inp.kind not in ("percent", "project", "ratio") or inp.target_number is None:
            continue
        value = result.achieved if result.achieved is not None else (
            None if inp.value_number is None else float(inp.value_number))
        target = float(inp.target_number)
        if value is None or value == 0 or target == 0:
            continue
        if "%" in inp.target_raw and "%" in inp.value_raw:
            continue
        if (0 < abs(value) <= 1 < abs(target)) or (0 < abs(target) <= 1 < abs(value)):
            findings.append(Finding(
                "percent_scale", SEVERITY["percent_scale"], "indicator", ind.id,
                template % {"code": ind.code or ind.id, "value": inp.value_raw or format_number(value),
                            "target": inp.target_raw},
                {"value": value, "target": target},
            ))
    return findings


def indicator_findings(plan: PlanInput, results: Mapping[int, IndicatorResult],
                       codes: Iterable[str] | None = None) -> list[Finding]:
    """One finding per indicator flag (optionally only the given codes), in plan order."""
    wanted = None if codes is None else set(codes)
    # gettext is slow (a thread-local lookup per call): translate each text once, not once per finding.
    template = _("Indicatore %(code)s: %(message)s.")
    messages: dict[str, str] = {}
    findings = []
    for ind in plan.indicators:
        result = results.get(ind.id)
        if result is None or not result.flags:
            continue
        for code in result.flags:
            if wanted is not None and code not in wanted:
                continue
            message = messages.get(code)
            if message is None:
                message = messages[code] = flag_message(code)
            findings.append(Finding(
                code, SEVERITY.get(code, WARNING), "indicator", ind.id,
                template % {"code": ind.code or ind.id, "message": message},
                {"status": result.status, "realization": result.realization,
                 "raw_realization": result.raw_realization, "name": ind.name},
            ))
    return findings
