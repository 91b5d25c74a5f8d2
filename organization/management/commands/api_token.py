"""Prints the API token of a user, creating it if missing or replacing it with --rotate."""
from __future__ import annotations

from argparse import ArgumentParser

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from rest_framework.authtoken.models import Token


class Command(BaseCommand):
    help = ("Stampa il token API dell'utente (lo crea se manca). Con --rotate il token esistente smette "
            "di funzionare e ne viene emesso uno nuovo.")

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("username", help="nome utente")
        parser.add_argument("--rotate", action="store_true",
                            help="sostituisce il token esistente (ad esempio se è stato esposto)")

    def handle(self, *args, username: str, rotate: bool, **options) -> None:
        User = get_user_model()
        try:
            user = User.objects.get_by_natural_key(username)
        except User.DoesNotExist:
            raise CommandError(f"Utente «{username}» inesistente.") from None
        if not user.is_active:
            # TokenAuthentication refuses inactive users: a token would only look like it works.
            raise CommandError(f"L'utente «{username}» è disattivato: nessun token emesso.")

        with transaction.atomic():
            if rotate:
                # The key is the primary key, so rotating means a new row; the old key stops at once.
                Token.objects.filter(user=user).delete()
            token, created = Token.objects.get_or_create(user=user)

        # Only the key goes to stdout, so that scripts can capture it; the note goes to stderr.
        self.stdout.write(token.key)
        if rotate:
            self.stderr.write(f"Token di «{username}» sostituito: il precedente non è più valido.")
        elif created:
            self.stderr.write(f"Token creato per «{username}».")
