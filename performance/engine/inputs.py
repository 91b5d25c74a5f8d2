"""A fast constructor of IndicatorInput for bulk callers (the recompute wiring)."""
from __future__ import annotations

from collections.abc import Sequence

from .indicator import IndicatorInput

_new = tuple.__new__


def input_from_row(values: Sequence) -> IndicatorInput:
    """An input from a row already holding the 19 fields in declaration order (no checks: the caller
    shapes the query). One C call, against about 4 µs for the keyword constructor."""
    return _new(IndicatorInput, values)
