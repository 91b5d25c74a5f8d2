"""How each stored figure was obtained ("explain"), for the pages, the API and the report."""
from __future__ import annotations

from typing import Any

from .engine import RuleSet, compute_indicator, explain_indicator, printed_flags, rollup
from .models import Assignment, Cycle, Indicator, Level, Override
from .recompute import compute, effective, indicator_inputs, load


def indicator_figure(indicator: Indicator) -> dict[str, Any]:
    """The engine's explanation of one indicator, its rows on scorecards and any override."""
    cycle = indicator.cycle
    rules = RuleSet.from_dict(cycle.rules or {})
    _rows, inputs = indicator_inputs(cycle, [indicator.pk])
    result = compute_indicator(inputs[indicator.pk], rules)
    data = explain_indicator(result)
    overrides = list(Override.objects.filter(cycle=cycle, level=Level.INDICATOR, object_id=indicator.pk)
                     .select_related("requested_by", "decided_by"))
    approved = next((o for o in overrides if o.status == Override.Status.APPROVED), None)
    data["override"] = None if approved is None else {
        "value": float(approved.value), "justification": approved.justification,
        "requested_by": str(approved.requested_by), "decided_by": str(approved.decided_by),
        "decided_at": approved.decided_at.isoformat() if approved.decided_at else None,
    }
    data["effective_realization"] = float(approved.value) if approved else result.realization
    data["overrides"] = overrides
    rows = []
    for a in Assignment.objects.filter(indicator=indicator).select_related("scorecard").order_by("scorecard__position"):
        is_nv = a.printed_realization_raw.strip().upper() == "NV"
        flags = printed_flags(result, a.printed_realization, is_nv) if (
            a.printed_realization is not None or is_nv) else ()
        rows.append({"scorecard": a.scorecard, "printed": a.printed_realization_raw, "flags": list(flags)})
    data["rows"] = rows
    return data


def rollup_figure(cycle: Cycle, level: str, object_id: int) -> dict[str, Any] | None:
    """Explanation of an aggregated figure (objective, perspective, scorecard or the whole entity)."""
    data = load(cycle)
    tree = rollup(data.plan, effective(data, compute(data)), data.rules)
    if level == Level.ENTITY:
        aggregate = tree.entity
    else:
        table = {Level.OPERATIONAL: tree.operational, Level.STRATEGIC: tree.strategic,
                 Level.PERSPECTIVE: tree.perspectives, Level.SCORECARD: tree.scorecards}.get(level, {})
        aggregate = table.get(object_id)
    if aggregate is None:
        return None
    return {"level": level, "object_id": object_id, "realization": aggregate.value, **aggregate.explain}


