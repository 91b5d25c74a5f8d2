"""A scorecard as an .xlsx to fill offline, and the filled file back (the Excel round trip).

The download carries, for each indicator, the version of the value it shows. The upload checks every row
with the rules of the scorecard page (performance/entry.py) before writing anything, then writes the changed
rows through services.submit_measurement in one transaction: one wrong row and nothing is written, and every
error is named by the row and column Excel shows."""
from .common import (
           COLUMNS,
           HEADER_ROW,
           ImportProblem,
           ImportResult,
           ScorecardImportError,
)
from .export import export_scorecard
from .upload import import_scorecard

__all__ = ["COLUMNS", "HEADER_ROW", "ImportProblem", "ImportResult", "ScorecardImportError", "export_scorecard",
           "import_scorecard"]
