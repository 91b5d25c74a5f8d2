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

from tests.bench.hostile_workbooks import bench_hostile_workbooks
from tests.bench.page_load import bench_scorecard_page_32c
from tests.bench.relazione import bench_relazione_cold, bench_relazione_warm


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


def _synthetic_cycle(entity, indicators: int):
    """A cycle of `indicators` indicators of mixed kinds, each on one unit scorecard with one value."""
    import datetime
    from decimal import Decimal

    from organization.models import OrgUnit
    from performance import bulk
    from performance.models import (Assignment, Cycle, Indicator, Measurement, OperationalObjective, Period,
                                    Perspective, Scorecard, StrategicObjective)

    cycle = Cycle.objects.create(entity=entity, year=2031)
    period = Period.objects.create(cycle=cycle, code="F", name="Finale", reference_date=datetime.date(2031, 12, 31),
                                   is_final=True)
    perspective = Perspective.objects.create(cycle=cycle, code="1", name="P")
    sos = [StrategicObjective(cycle=cycle, perspective=perspective, code=f"S{i}", title=f"S{i}") for i in range(20)]
    bulk.insert(StrategicObjective, sos)
    oos = [OperationalObjective(cycle=cycle, strategic_objective=sos[i % 20], code=f"O{i}", title=f"O{i}")
           for i in range(indicators // 10)]
    bulk.insert(OperationalObjective, oos)
    units = [OrgUnit(entity=entity, code=f"U{i}", name=f"U{i}", kind="servizio") for i in range(50)]
    bulk.insert(OrgUnit, units)
    cards = [Scorecard(cycle=cycle, code=f"U{i}", kind="unit", title=f"U{i}", unit=units[i]) for i in range(50)]
    bulk.insert(Scorecard, cards)
    kinds = [("number", "higher", "10", Decimal(10), None), ("percent", "higher", "80%", Decimal(80), None),
             ("number", "lower", "30", Decimal(30), None), ("date", "lower", "30/06/2031", None,
                                                             datetime.date(2031, 6, 30)),
             ("project", "higher", "100%", Decimal(100), None)]
    objs, assignments, values = [], [], []
    for i in range(indicators):
        kind, direction, raw, number, date = kinds[i % 5]
        objs.append(Indicator(cycle=cycle, operational_objective=oos[i // 10], code=f"I{i}", name=f"Indicatore {i}",
                              kind=kind, direction=direction, target_raw=raw, target_number=number, target_date=date))
    bulk.insert(Indicator, objs)
    for i, indicator in enumerate(objs):
        assignments.append(Assignment(scorecard=cards[i % 50], indicator=indicator, position=i))
        if indicator.kind == "date":
            values.append(Measurement(indicator=indicator, period=period, raw_value="01/07/2031",
                                      value_date=datetime.date(2031, 6, 1 + i % 29)))
        else:
            values.append(Measurement(indicator=indicator, period=period, raw_value=str(i % 17),
                                      value_number=Decimal(i % 17)))
    bulk.insert(Assignment, assignments)
    bulk.insert(Measurement, values)
    return cycle


def _vacuum() -> None:
    """The steady state autovacuum keeps a table in: statistics gathered, visibility settled."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for table in ("performance_indicator", "performance_measurement", "performance_assignment",
                          "performance_indicatorscore"):
                cursor.execute(f"VACUUM ANALYZE {table}")


def bench_recompute_100k() -> dict:
    """DESIGN.md: recompute of 100,000 indicators ≤ 2 s and ≥ 50× faster than saving them one by one."""
    from django.db import transaction

    from organization.models import Entity
    from performance.engine import RuleSet, compute_indicator
    from performance.models import Indicator, IndicatorScore
    from performance.recompute import indicator_inputs, recompute_cycle

    n = int(os.environ.get("BENCH_INDICATORS", 100_000))
    sample = int(os.environ.get("BENCH_BASELINE_SAMPLE", n))
    Entity.objects.filter(code="bench-recompute").delete()
    entity = Entity.objects.create(code="bench-recompute", name="Bench recompute")
    try:
        with transaction.atomic():
            cycle = _synthetic_cycle(entity, n)  # no result computed yet: the recompute writes all n
        _vacuum()
        start = time.perf_counter()
        report = recompute_cycle(cycle.pk)
        seconds = time.perf_counter() - start
        assert report.changed_indicators == n, report

        # Baseline: the same results saved one by one through the ORM (read, compute, save()).
        IndicatorScore.objects.filter(cycle=cycle).delete()
        _vacuum()
        rules = RuleSet.from_dict(cycle.rules)
        start = time.perf_counter()
        with transaction.atomic():
            _rows, inputs = indicator_inputs(cycle)
            for indicator in Indicator.objects.filter(cycle=cycle).order_by("pk")[:sample]:
                result = compute_indicator(inputs[indicator.pk], rules)
                IndicatorScore(indicator=indicator, cycle=cycle, status=result.status, flags=";".join(result.flags),
                               realization=None if result.realization is None else round(result.realization, 2)
                               ).save()
        baseline = (time.perf_counter() - start) * n / sample
    finally:
        entity.delete()
    return {"bench": "recompute_100k", "seconds": round(seconds, 3), "baseline": "orm_save_loop",
            "baseline_seconds": round(baseline, 2), "speedup": round(baseline / seconds, 1), "indicators": n,
            "baseline_measured_on": sample, "phases": report.seconds, "target_seconds": 2.0, "target_speedup": 50}


BENCHMARKS = {"import_10k": bench_import_10k, "recompute_100k": bench_recompute_100k,
              "scorecard_page_32c": bench_scorecard_page_32c, "relazione_cold": bench_relazione_cold,
              "relazione_warm": bench_relazione_warm, "hostile_workbooks": bench_hostile_workbooks}


def main(argv: list[str]) -> int:
    setup()
    names = argv or list(BENCHMARKS)
    for name in names:
        print(json.dumps(BENCHMARKS[name]()), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
