from __future__ import annotations

from django.core.management.base import CommandError

from organization.models import Entity

from ...models import Cycle


def get_cycle(year: int, entity_code: str | None) -> Cycle:
    cycles = Cycle.objects.filter(year=year).select_related("entity")
    if entity_code:
        cycles = cycles.filter(entity__code=entity_code)
    found = list(cycles[:2])
    if not found:
        raise CommandError(f"Nessun ciclo {year}" + (f" per l'ente {entity_code}" if entity_code else ""))
    if len(found) > 1:
        raise CommandError(f"Più enti hanno un ciclo {year}: indicare --entity (uno tra: "
                           + ", ".join(Entity.objects.values_list("code", flat=True)) + ")")
    return found[0]
