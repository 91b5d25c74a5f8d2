from __future__ import annotations

import json
from collections import Counter
from dataclasses import asdict

from django.core.management.base import BaseCommand

from ...quality import findings_for
from ._cycle import get_cycle

LABELS = {"error": "ERRORE", "warning": "AVVISO"}


class Command(BaseCommand):
    help = "Elenca i controlli di qualità dei dati e di pre-validazione del ciclo."

    def add_arguments(self, parser):
        parser.add_argument("--cycle", type=int, required=True)
        parser.add_argument("--entity")
        parser.add_argument("--format", choices=["text", "json"], default="text")

    def handle(self, *args, **options):
        cycle = get_cycle(options["cycle"], options["entity"])
        rows = findings_for(cycle)
        if options["format"] == "json":
            self.stdout.write(json.dumps([asdict(r) for r in rows], ensure_ascii=False, indent=1))
            return
        for r in rows:
            self.stdout.write(f"{LABELS.get(r.severity, r.severity)}\t{r.code}\t{r.message}")
        counts = Counter(r.code for r in rows)
        summary = ", ".join(f"{code} {n}" for code, n in sorted(counts.items())) or "nessuna segnalazione"
        self.stdout.write(self.style.SUCCESS(f"{cycle}: {len(rows)} segnalazioni ({summary})."))
