"""Benchmarks for `make bench`: one JSON object per line on stdout.

Runs against the database in DATABASE_URL (make bench starts a private PostgreSQL). Each benchmark
creates its own entity and removes it afterwards.
"""
from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path

import django


def setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    from django.core.management import call_command

    call_command("migrate", "--noinput", verbosity=0)


def synthetic_workbook(folder: Path, indicators: int) -> int:
    """A plan with `indicators` indicators, each on one scorecard and with one value. Returns data rows."""
    from performance.exporting import write_xlsx

    per_oo = 10
    oos = indicators // per_oo
    tables = {
        "unita": [["codice", "nome", "tipo", "padre"], ["ENTE", "Ente di prova", "ente", ""],
                  *[[f"U{u}", f"Unità {u}", "servizio", "ENTE"] for u in range(20)]],
        "prospettive": [["codice", "nome"], ["1", "Prospettiva"]],
        "obiettivi_strategici": [["codice", "prospettiva", "titolo"], *[[f"S{s}", "1", f"Strategico {s}"] for s in range(10)]],
        "obiettivi_operativi": [["codice", "obiettivo_strategico", "titolo"],
                                *[[f"O{o}", f"S{o % 10}", f"Operativo {o}"] for o in range(oos)]],
        "indicatori": [["codice", "obiettivo_operativo", "nome", "tipo", "direzione", "target"],
                       *[[f"I{i}", f"O{i // per_oo}", f"Indicatore {i}", "numero", "crescente", str(10 + i % 7)]
                         for i in range(indicators)]],
        "schede": [["codice", "tipo", "titolo", "unita"], *[[f"U{u}", "unita", f"Unità {u}", f"U{u}"] for u in range(20)]],
        "assegnazioni": [["scheda", "indicatore"], *[[f"U{i % 20}", f"I{i}"] for i in range(indicators)]],
        "periodi": [["codice", "nome", "data_riferimento", "finale"], ["F", "Finale", "31/12/2030", "SI"]],
        "valori": [["indicatore", "periodo", "valore"], *[[f"I{i}", "F", f"{i % 13},5"] for i in range(indicators)]],
    }
    write_xlsx(tables, folder / "piano.xlsx")
    return sum(len(rows) - 1 for rows in tables.values())


def bench_import_10k() -> dict:
    """DESIGN.md: a 10,000-row workbook imports in ≤ 5 s, all or nothing (here: 3,300 indicators, each with
    its assignment and its value, plus the objectives and units they hang on: 10,295 data rows)."""
    from organization.models import Entity
    from performance.importer import import_plan

    indicators = 3_300
    with tempfile.TemporaryDirectory() as tmp:
        rows = synthetic_workbook(Path(tmp), indicators)
        Entity.objects.filter(code="bench-import").delete()  # a previous run that was interrupted
        entity = Entity.objects.create(code="bench-import", name="Bench import")
        try:
            start = time.perf_counter()
            report = import_plan(Path(tmp) / "piano.xlsx", year=2030, entity=entity)
            seconds = time.perf_counter() - start
            assert report.counts["indicatori"]["creati"] == indicators
        finally:
            entity.delete()
    return {"bench": "import_10k", "seconds": round(seconds, 3), "indicators": indicators, "rows": rows,
            "target_seconds": 5.0}


BENCHMARKS = {"import_10k": bench_import_10k}


def main(argv: list[str]) -> int:
    setup()
    names = argv or list(BENCHMARKS)
    for name in names:
        print(json.dumps(BENCHMARKS[name]()), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
