"""Workbook import: read (reader), validate against the sheet specs (schema), write (plan)."""
from .errors import ImportFailed, ImportIssue
from .plan import ImportReport, import_plan

__all__ = ["ImportFailed", "ImportIssue", "ImportReport", "import_plan"]
