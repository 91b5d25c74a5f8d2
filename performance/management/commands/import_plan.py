from __future__ import annotations

import datetime
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from ...importer import ImportFailed, import_plan
from ...importer.plan import resolve_entity
from ...plan_changes import ChangeAct


class Command(BaseCommand):
    help = "Importa un piano (cartella di lavoro .xlsx, cartella o .zip di CSV): tutto o niente."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--cycle", type=int, required=True, help="anno del ciclo")
        parser.add_argument("--entity", help="codice dell'ente (necessario solo se ce n'è più d'uno)")
        parser.add_argument("--dry-run", action="store_true", help="controlla tutto senza salvare nulla")
        # Past planning, changes to the plan need their formal act (plan_changes.py).
        parser.add_argument("--data-variazione", type=datetime.date.fromisoformat,
                            help="data della variazione del piano (AAAA-MM-GG), oltre la pianificazione")
        parser.add_argument("--atto", default="", help="atto formale della variazione (es. «Determinazione n. 12/2023»)")
        parser.add_argument("--motivazione", default="", help="motivazione della variazione")

    def handle(self, *args, **options):
        try:
            entity = resolve_entity(options["entity"])
            act = None
            if options["data_variazione"] or options["atto"] or options["motivazione"]:
                act = ChangeAct(options["data_variazione"], options["atto"], options["motivazione"])
            report = import_plan(options["file"], year=options["cycle"], entity=entity, dry_run=options["dry_run"],
                                 change_act=act)
        except ImportFailed as exc:
            for issue in exc.issues:
                self.stderr.write(f"ERRORE {issue}")
            raise CommandError(f"Importazione annullata: {len(exc.issues)} errori, nessun dato salvato.") from exc
        for sheet, counts in report.counts.items():
            parts = ", ".join(f"{n} {action}" for action, n in counts.items() if n)
            self.stdout.write(f"{sheet}: {parts or 'nessuna modifica'}")
        verb = "Verifica completata (--dry-run): nessun dato salvato" if report.dry_run else "Importazione completata"
        self.stdout.write(self.style.SUCCESS(f"{verb} per il ciclo {report.cycle}."))
