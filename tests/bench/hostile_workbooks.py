"""hostile_workbooks: time and peak Python memory (tracemalloc) of reading the malicious workbooks of issue 15
(items 12 and 13) with the readers the web upload and the command line use. Before the fix: 2.8 s and
1.39 GB for the scorecard, 17.5 s for the context upload, 2.3 GB for the shared strings. No database."""
from __future__ import annotations

import io
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

from tests.workbooks import tiny_xlsx


def _measure(name: str, data: bytes, read: Callable[[bytes], str]) -> dict:
    """Read once to import openpyxl, then timed, then read again under tracemalloc (which slows Python
    several times over)."""
    read(data)
    start = time.perf_counter()
    outcome = read(data)
    seconds = time.perf_counter() - start
    tracemalloc.start()
    try:
        read(data)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return {"case": name, "file_kb": round(len(data) / 1024, 1), "seconds": round(seconds, 3),
            "peak_mb": round(peak / 2**20, 1), "outcome": outcome[:120]}


def bench_hostile_workbooks() -> dict:
    from performance.importer import ImportFailed
    from performance.importer.reader import read_workbook
    from performance.scorecard_excel.common import ScorecardImportError
    from performance.scorecard_excel.upload import _read

    def scorecard(data: bytes) -> str:
        upload = io.BytesIO(data)
        upload.name = "scheda.xlsx"
        try:
            return f"read {len(_read(upload))} rows"
        except ScorecardImportError as exc:
            return f"refused: {exc.errors[0].message}"

    def plan_reader(max_rows: int) -> Callable[[bytes], str]:
        def read(data: bytes) -> str:
            with tempfile.TemporaryDirectory() as folder:
                path = Path(folder) / "file.xlsx"
                path.write_bytes(data)
                try:
                    return f"read {sum(len(s.rows) for s in read_workbook(path, max_rows=max_rows).values())} rows"
                except ImportFailed as exc:
                    return f"refused: {exc.issues[0].message}"
        return read

    from budget.importer.schema import MAX_ROWS as CONTEXT_ROWS
    from performance.importer.reader import MAX_SHEET_ROWS

    cases = [
        _measure("scorecard_xfd_1000_rows",
                 tiny_xlsx({"valori": [(n, [f"X{n}"]) for n in range(1, 1001)]}, dimension="A1:XFD1000"), scorecard),
        _measure("context_rows_1_and_5000",
                 tiny_xlsx({"personale": [(1, ["anno", "genere", "dipendenti"]), (5000, ["2023"])]},
                           dimension="A1:XFD5000"), plan_reader(CONTEXT_ROWS)),
        _measure("plan_shared_strings_400mb", tiny_xlsx({"prospettive": [(1, ["codice", "nome"])]},
                                                        shared_strings_bytes=400 * 2**20), plan_reader(MAX_SHEET_ROWS)),
    ]
    return {"bench": "hostile_workbooks", "cases": cases, "target_peak_mb": 200}
