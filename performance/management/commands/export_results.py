from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from ...exporting import result_rows, write_results
from ._cycle import get_cycle


class Command(BaseCommand):
    help = "Esporta i risultati: una riga per indicatore per scheda (csv, json o xlsx)."

    def add_arguments(self, parser):
        parser.add_argument("--cycle", type=int, required=True)
        parser.add_argument("--entity")
        parser.add_argument("--format", choices=["csv", "json", "xlsx"], default="csv")
        parser.add_argument("--output", type=Path, help="file di destinazione (predefinito: standard output)")

    def handle(self, *args, **options):
        rows = result_rows(get_cycle(options["cycle"], options["entity"]))
        fmt, output = options["format"], options["output"]
        if output is None:
            if fmt == "xlsx":
                raise CommandError("Il formato xlsx richiede --output FILE")
            write_results(rows, fmt, self.stdout)
            return
        write_results(rows, fmt, output)
        self.stderr.write(f"{len(rows)} righe scritte in {output}")
