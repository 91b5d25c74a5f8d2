from __future__ import annotations

import datetime
import os
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from budget.importer import import_context
from organization.models import Entity, Membership, OrgUnit, Role
from reports.demo import load_demo_narratives

from ...importer import ImportFailed, import_plan
from ...models import Cycle, Scorecard
from ...recompute import recompute_cycle

DEMO_DIR = Path(settings.BASE_DIR) / "fixtures" / "demo"
DEMO_YEAR = 2023

#: username, first name, last name, role, unit code (None = whole entity), staff
DEMO_USERS = [
    ("admin", "Amministratore", "di sistema", Role.ADMIN, None, True),
    ("struttura", "Giulia", "Rota", Role.STRUTTURA_TECNICA, None, True),
    ("segretario", "Segretario", "Generale", Role.SEGRETARIO_GENERALE, "AREA-SG", False),
    ("dirigente", "Marco", "Locatelli", Role.DIRIGENTE, "AREA-ARM", False),
    ("resp.ri", "Laura", "Pesenti", Role.SERVICE_HEAD, "RI", False),
    ("resp.promozione", "Paolo", "Cortesi", Role.SERVICE_HEAD, "PROM", False),
    ("oiv", "Anna", "Valsecchi", Role.OIV, None, False),
]
STAFF_APPS = ("organization", "performance", "budget")


class Command(BaseCommand):
    help = "Carica il ciclo 2023 della Camera di commercio di Bergamo (trascritto dalla sua Relazione sulla Performance 2023) e gli utenti demo."

    def add_arguments(self, parser):
        parser.add_argument("--password", default=os.environ.get("DEMO_PASSWORD", "misura-demo-2023"),
                            help="password degli utenti demo (predefinita: variabile DEMO_PASSWORD o misura-demo-2023)")

    @transaction.atomic
    def handle(self, *args, **options):
        entity, _ = Entity.objects.update_or_create(
            code="cciaa-bergamo",
            defaults={"name": "Camera di commercio di Bergamo", "tax_code": "80000990162",
                      "website": "https://www.bg.camcom.gov.it"},
        )
        try:
            report = import_plan(DEMO_DIR, year=DEMO_YEAR, entity=entity)
        except ImportFailed as exc:
            raise CommandError("Il piano demo non è valido:\n" + str(exc)) from exc
        cycle = report.cycle
        try:
            # After the plan: the context's conto economico may name the plan's azienda speciale.
            context = import_context(DEMO_DIR / "contesto", year=DEMO_YEAR, entity=entity)
        except ImportFailed as exc:
            raise CommandError("Il contesto demo non è valido:\n" + str(exc)) from exc
        # The Relazione's sections (both layouts) with the demo texts where no one has written yet.
        load_demo_narratives(cycle)
        Cycle.objects.filter(pk=cycle.pk).update(
            state=Cycle.State.REPORTING,
            piao_reference="PIAO 2023-2025, approvato con delibera di Giunta n. 3/2023",
            piao_adopted_on=datetime.date(2023, 1, 30),
        )
        self._users(entity, cycle, options["password"])
        # The demo opens with its figures computed, whatever the broker.
        recompute_cycle(cycle.pk)
        totals = {sheet: c["creati"] + c["aggiornati"] for sheet, c in report.counts.items()}
        self.stdout.write(self.style.SUCCESS(
            f"Demo caricata: {entity.name}, ciclo {DEMO_YEAR} – "
            + ", ".join(f"{sheet} {n}" for sheet, n in totals.items())
            + "; contesto: " + ", ".join(f"{sheet} {n}" for sheet, n in context.counts.items())
        ))

    def _users(self, entity: Entity, cycle: Cycle, password: str) -> None:
        User = get_user_model()
        staff_group, _ = Group.objects.get_or_create(name="Struttura tecnica")
        # Everything of the plan, nothing of who holds which role: memberships are granted by superusers
        # only (a group that could add them could make itself OIV), and nothing of auth's users or groups.
        staff_group.permissions.set(Permission.objects.filter(content_type__app_label__in=STAFF_APPS)
                                    .exclude(content_type__app_label="organization", content_type__model="membership"))
        units = {u.code: u for u in OrgUnit.objects.filter(entity=entity)}
        for username, first, last, role, unit_code, staff in DEMO_USERS:
            user, _ = User.objects.get_or_create(username=username)
            user.first_name, user.last_name = first, last
            user.email = f"{username}@example.invalid"
            user.is_staff = staff
            user.is_superuser = role == Role.ADMIN
            user.set_password(password)
            user.save()
            if staff and role != Role.ADMIN:
                user.groups.add(staff_group)
            Membership.objects.get_or_create(user=user, entity=entity, unit=units.get(unit_code) if unit_code else None,
                                             role=role)
            if unit_code and unit_code in units and role in (Role.SERVICE_HEAD, Role.DIRIGENTE, Role.SEGRETARIO_GENERALE):
                OrgUnit.objects.filter(pk=units[unit_code].pk).update(head=user)
        holders = {"SG": "segretario", "DIR": "dirigente"}
        for code, username in holders.items():
            Scorecard.objects.filter(cycle=cycle, code=code).update(holder=User.objects.get(username=username))
