"""The results as open data, published next to the Relazione (D.Lgs. 33/2013): the rows and columns of
``export_results`` (performance/exporting.py), tied to the frozen snapshot they come from.

CSV: UTF-8, comma-separated, header row; the columns of export_results plus ``snapshot_sha256`` (the same
value on every row, so a single downloaded file still says which data it is).
JSON: one object ``{"entity": {"code", "name"}, "cycle", "publication", "published_at",
"snapshot_sha256", "columns", "rows"}``; ``rows`` are objects with exactly the export_results columns.
"""
from __future__ import annotations

import csv
import datetime
import io
import json

from config.spreadsheets import csv_record
from performance.exporting import RESULT_COLUMNS

SNAPSHOT_COLUMN = "snapshot_sha256"
CSV_COLUMNS = (*RESULT_COLUMNS, SNAPSHOT_COLUMN)


def results_csv(rows: list[dict[str, str]], *, snapshot_sha256: str) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    # The same neutralised text as export_results: a public file must not run formulas on a citizen's PC.
    writer.writerows({**csv_record(row), SNAPSHOT_COLUMN: snapshot_sha256} for row in rows)
    return buffer.getvalue().encode("utf-8")


def results_json(rows: list[dict[str, str]], *, entity_code: str, entity_name: str, year: int, number: int,
                 snapshot_sha256: str, published_at: datetime.datetime) -> bytes:
    document = {
        "entity": {"code": entity_code, "name": entity_name},
        "cycle": year,
        "publication": number,
        "published_at": published_at.isoformat(),
        "snapshot_sha256": snapshot_sha256,
        "columns": list(RESULT_COLUMNS),
        "rows": [{column: row[column] for column in RESULT_COLUMNS} for row in rows],
    }
    return (json.dumps(document, ensure_ascii=False, indent=1) + "\n").encode("utf-8")
