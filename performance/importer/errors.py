from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ImportIssue:
    """One problem found in a workbook, located precisely enough to fix it."""

    sheet: str
    row: int | None  # spreadsheet numbering: row 1 is the header
    column: str
    message: str

    def __str__(self) -> str:
        where = f"foglio «{self.sheet}»"
        if self.row is not None:
            where += f", riga {self.row}"
        if self.column:
            where += f", colonna «{self.column}»"
        return f"{where}: {self.message}"


class ImportFailed(Exception):
    """Raised with every issue found; nothing has been written."""

    def __init__(self, issues: list[ImportIssue]):
        self.issues = issues
        super().__init__("\n".join(str(i) for i in issues))
