from __future__ import annotations

import argparse
import datetime

from django.core.management.base import BaseCommand
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ...reminders import build_message, pending_reminders, send_reminders


def _date(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        # argparse turns this into a usage error on the command line, and into CommandError from call_command.
        raise argparse.ArgumentTypeError(_("data non valida: «%(value)s» (usare AAAA-MM-GG)") % {"value": value}) \
            from None


class Command(BaseCommand):
    help = gettext_lazy("Invia i promemoria delle scadenze di rilevazione a chi deve ancora inserire valori e il "
                        "riepilogo alla struttura tecnica (lo stesso invio che Celery beat fa ogni mattina).")

    def add_arguments(self, parser):
        parser.add_argument("--date", type=_date,
                            help=gettext_lazy("giorno da considerare come oggi, AAAA-MM-GG (per le prove)"))
        parser.add_argument("--dry-run", action="store_true",
                            help=gettext_lazy("mostra i messaggi senza inviarli né registrarli"))

    def handle(self, *args, **options):
        today = options["date"] or timezone.localdate()
        counts = {"date": f"{today:%d/%m/%Y}"}
        if options["dry_run"]:
            reminders, report = pending_reminders(today)
            for reminder in reminders:
                message = build_message(reminder)
                self.stdout.write(_("A: %(to)s\nOggetto: %(subject)s\n\n%(body)s\n")
                                  % {"to": ", ".join(message.to), "subject": message.subject, "body": message.body})
            self.stdout.write(self.style.SUCCESS(
                _("Prova del %(date)s: %(pending)d messaggi da inviare, %(already)d già inviati oggi, %(no_email)d "
                  "destinatari senza e-mail. Nulla è stato inviato.")
                % {**counts, "pending": len(reminders), "already": report.already_sent, "no_email": report.no_email}))
            return
        report = send_reminders(today)
        self.stdout.write(self.style.SUCCESS(
            _("Promemoria del %(date)s: %(sent)d messaggi inviati, %(already)d già inviati oggi, %(no_email)d "
              "destinatari senza e-mail.")
            % {**counts, "sent": report.sent, "already": report.already_sent, "no_email": report.no_email}))
