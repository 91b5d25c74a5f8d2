"""The context workbook of the Relazione's chapter 1 and bilancio di genere: import (all or nothing) and
export in the same format. See docs/context-workbook-format.md."""
from performance.importer.errors import ImportFailed, ImportIssue

from .export import export_context
from .write import ContextReport, import_context

__all__ = ["ContextReport", "ImportFailed", "ImportIssue", "export_context", "import_context"]
