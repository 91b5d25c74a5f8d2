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
from .values import Measurement

__all__ = [
    "Assignment",
    "Cycle",
    "Direction",
    "Indicator",
    "IndicatorKind",
    "Measurement",
    "OperationalObjective",
    "Period",
    "Perspective",
    "Scorecard",
    "StrategicObjective",
]
