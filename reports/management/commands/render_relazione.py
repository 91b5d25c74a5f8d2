from __future__ import annotations

import shutil
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from performance.management.commands._cycle import get_cycle

from ...models import Layout, ReportEdition
from ...services import create_or_join, run_edition


class Command(BaseCommand):
    help = ("Compone la Relazione sulla Performance del ciclo in PDF (stesso codice dell'interfaccia web), "
            "la registra come edizione e la copia nel file indicato.")

    def add_arguments(self, parser):
        parser.add_argument("--cycle", type=int, required=True, help="anno del ciclo")
        parser.add_argument("--entity", help="codice dell'ente, se più enti hanno un ciclo per quell'anno")
        parser.add_argument("--output", required=True, help="file PDF da scrivere")
        parser.add_argument("--variant", default=ReportEdition.Variant.DRAFT, choices=ReportEdition.Variant.values)
        parser.add_argument("--layout", default=Layout.SEED, choices=Layout.values)

    def handle(self, *args, **options):
        cycle = get_cycle(options["cycle"], options["entity"])
        output = Path(options["output"])
        if not output.parent.exists():
            raise CommandError(f"La cartella {output.parent} non esiste.")
        try:
            edition, _created = create_or_join(cycle, layout=options["layout"], variant=options["variant"])
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        edition = run_edition(edition.pk)
        if edition.state != ReportEdition.State.DONE:
            raise CommandError(f"Composizione non riuscita: {edition.error}")
        with edition.file.open("rb") as src, output.open("wb") as dst:
            shutil.copyfileobj(src, dst)
        self.stdout.write(self.style.SUCCESS(
            f"Relazione {cycle} ({edition.get_variant_display()}, edizione n. {edition.number}): "
            f"{edition.page_count} pagine in {edition.seconds:.2f} s → {output} (SHA-256 {edition.sha256})."))
