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

__all__ = [
    "Assignment",
    "Cycle",
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
    "Perspective",
    "ReminderLog",
    "Scorecard",
    "StrategicObjective",
    "Submission",
]
