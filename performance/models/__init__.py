from .cycle import Cycle, Period
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
from .results import Level, Override, RollupResult
from .values import Measurement

__all__ = [
    "Assignment",
    "Cycle",
    "Direction",
    "Indicator",
    "IndicatorKind",
    "Level",
    "Override",
    "RollupResult",
    "Measurement",
    "OperationalObjective",
    "Period",
    "Perspective",
    "Scorecard",
    "StrategicObjective",
]
