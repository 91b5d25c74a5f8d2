"""The realization engine (the SMVP): pure Python, no database.

Plain values in (IndicatorInput, PlanInput, a RuleSet built from the cycle's JSON), plain values out
(IndicatorResult, Aggregate, RollupResult, Finding), each able to explain itself. The wiring to the
database (bulk recompute, commands, tasks) lives elsewhere and only calls what is exported here.
"""
from .checks import (
    Finding,
    check_plan,
    inconsistent_across_scorecards,
    indicator_findings,
    normalise_name,
    percent_scale,
    weights_not_100,
)
from .explain import explain_indicator, flag_message
from .indicator import (
    DIRECTIONS,
    FLAGS,
    KINDS,
    IndicatorInput,
    IndicatorResult,
    apply_bands,
    compute_indicator,
    printed_flags,
)
from .inputs import input_from_row
from .rollup import (
    Aggregate,
    AssignmentRef,
    IndicatorRef,
    OperationalRef,
    PerspectiveRef,
    PlanInput,
    RollupResult,
    ScorecardRef,
    StrategicRef,
    aggregate,
    rollup,
)
from .rules import DEFAULTS, RuleSet, RuleSetError

__all__ = [
    "DEFAULTS", "DIRECTIONS", "FLAGS", "KINDS",
    "Aggregate", "AssignmentRef", "Finding", "IndicatorInput", "IndicatorRef", "IndicatorResult",
    "OperationalRef", "PerspectiveRef", "PlanInput", "RollupResult", "RuleSet", "RuleSetError",
    "ScorecardRef", "StrategicRef",
    "aggregate", "apply_bands", "check_plan", "compute_indicator", "explain_indicator", "flag_message", "input_from_row",
    "inconsistent_across_scorecards", "indicator_findings", "normalise_name", "percent_scale",
    "printed_flags", "rollup", "weights_not_100",
]
