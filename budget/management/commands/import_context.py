from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from performance.importer.plan import resolve_entity

from ...importer import ImportFailed, import_context


class Command(BaseCommand):
    help = ("Importa il contesto della Relazione (risorse economiche, personale, organi, tabelle di contesto) "
            "da una cartella di lavoro .xlsx, una cartella o un .zip di CSV: tutto o niente.")

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--year", type=int, required=True, help="anno della relazione")
        parser.add_argument("--entity", help="codice dell'ente (necessario solo se ce n'è più d'uno)")
        parser.add_argument("--dry-run", action="store_true", help="controlla tutto senza salvare nulla")

    def handle(self, *args, **options):
        try:
            entity = resolve_entity(options["entity"])
            report = import_context(options["file"], year=options["year"], entity=entity, dry_run=options["dry_run"])
        except ImportFailed as exc:
            for issue in exc.issues:
                self.stderr.write(f"ERRORE {issue}")
            raise CommandError(f"Importazione annullata: {len(exc.issues)} errori, nessun dato salvato.") from exc
        for sheet, count in report.counts.items():
            years = ", ".join(str(y) for y in report.years.get(sheet, []))
            self.stdout.write(f"{sheet}: {count} righe (anni {years}; sostituite {report.replaced.get(sheet, 0)})")
        verb = "Verifica completata (--dry-run): nessun dato salvato" if report.dry_run else "Importazione completata"
        self.stdout.write(self.style.SUCCESS(f"{verb}: contesto {report.year} di {entity.name}."))
