from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from ...exporting import plan_tables, write_csv_folder, write_xlsx
from ._cycle import get_cycle


class Command(BaseCommand):
    help = "Esporta il piano di un ciclo nel formato di import_plan (.xlsx, o cartella di CSV)."

    def add_arguments(self, parser):
        parser.add_argument("--cycle", type=int, help="anno del ciclo")
        parser.add_argument("--entity")
        parser.add_argument("--output", type=Path, required=True, help="file .xlsx oppure cartella per i CSV")
        parser.add_argument("--template", action="store_true", help="solo le intestazioni: un modello vuoto")

    def handle(self, *args, **options):
        if options["template"]:
            tables = plan_tables(None)
        else:
            if options["cycle"] is None:
                raise CommandError("Indicare --cycle ANNO oppure --template")
            tables = plan_tables(get_cycle(options["cycle"], options["entity"]))
        output: Path = options["output"]
        if output.suffix.lower() == ".xlsx":
            write_xlsx(tables, output)
        else:
            write_csv_folder(tables, output)
        self.stdout.write(self.style.SUCCESS(f"Piano esportato in {output}"))
