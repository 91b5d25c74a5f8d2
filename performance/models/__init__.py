from .cycle import Cycle, Period
from .entry import ReminderLog, Submission
from .plan import (
    Assignment,
    Direction,
    Indicator,
    IndicatorKind,
    OperationalObjective,
    Perspective,
    Scorecard,
    StrategicObjective,
)
from .results import IndicatorScore, Level, Override, RollupResult
from .values import Measurement
from .workflow import CycleSnapshot, CycleTransition, PlanChange

__all__ = [
    "Assignment",
    "Cycle",
    "CycleSnapshot",
    "CycleTransition",
    "Direction",
    "Indicator",
    "IndicatorKind",
    "IndicatorScore",
    "Level",
    "Override",
    "RollupResult",
    "Measurement",
    "OperationalObjective",
    "Period",
    "PlanChange",
    "Perspective",
    "ReminderLog",
    "Scorecard",
    "StrategicObjective",
    "Submission",
]
