from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError

from ...freeze import CycleFrozen
from ...recompute import recompute_cycle
from ._cycle import get_cycle


class Command(BaseCommand):
    help = "Ricalcola tutte le percentuali di realizzazione del ciclo (indicatori, obiettivi, schede, ente)."

    def add_arguments(self, parser):
        parser.add_argument("--cycle", type=int, required=True)
        parser.add_argument("--entity")

    def handle(self, *args, **options):
        cycle = get_cycle(options["cycle"], options["entity"])
        start = time.perf_counter()
        try:
            report = recompute_cycle(cycle.pk)
        except CycleFrozen as exc:
            raise CommandError(exc.messages[0]) from exc
        self.stdout.write(self.style.SUCCESS(
            f"Ricalcolo completato per {cycle}: {report.indicators} indicatori "
            f"({report.changed_indicators} cambiati), {report.changed_assignments} righe di scheda aggiornate, "
            f"{report.rollups} valori aggregati, in {time.perf_counter() - start:.2f} s."))
