"""The frozen snapshot: everything the Relazione reads, serialised canonically and hashed.

``build_snapshot_data(cycle)`` reads the plan, the values (NV and shortfall reasons included), the
overrides, the engine's stored results, the rule set, the in-year plan changes, the Relazione's sections
(titles and narratives), the org units and the context data of the year and of the year before (budget,
staff, organs, context tables), in a fixed number of queries. ``canonical`` turns it into bytes with
sorted keys and fixed separators (Decimal and dates as strings), so the same data always gives the same
SHA-256. The snapshot keeps the rows as the database holds them (ids included): it identifies one
exact state of the data, and a later renderer can read the validated figures from it.

The org units are the one part that is not frozen (freeze.py): they are entity-wide, and next year's plan
or a new head of service changes them while this year's cycle is under validation. So the snapshot's copy
of them (``KEPT_COPIES``) is the Relazione's org chart (``frozen_units``), and verifying compares it with
the recorded hash only, not with today's rows; everything else is compared with the database too.
Versioning units by cycle would do the same with a model, a migration and every reader of units changed.

Public API (performance/workflow.py creates snapshots; the OIV and publication pages read them):
``current_snapshot(cycle)``, ``verify_snapshot(snapshot)``, ``snapshot_differences(snapshot)``.
"""
from __future__ import annotations

import datetime
import hashlib
import json
from decimal import Decimal

from django.db import models

from budget.models import ActionLine, BalanceComponent, BalanceIndex, BudgetLine, DeclaredTotal, Participation
from organization.models import (
    Absence, ContextRow, ContextTable, Organ, OrgUnit, ParentalLeave, StaffBreakdown, StaffCount, StaffPlan, StaffYear,
)

from .freeze import FROZEN_STATES
from .models import (
    Assignment, Cycle, CycleSnapshot, Indicator, IndicatorScore, Measurement, OperationalObjective, Override,
    Period, Perspective, PlanChange, RollupResult, Scorecard, StrategicObjective,
)

#: Bumped when the layout of the data changes: a verifier compares snapshots of the same format only.
FORMAT = 1
#: Bookkeeping that changes without the Relazione changing (and cannot change after the freeze anyway).
SKIPPED_FIELDS = {"updated_at", "computed_at", "history"}
#: Context data read for the Relazione of year Y: years Y and Y − 1 (see budget/selectors.py).
YEARLY_MODELS = (BudgetLine, DeclaredTotal, ActionLine, BalanceComponent, BalanceIndex, Participation, Organ,
                 StaffPlan, StaffCount, StaffYear, StaffBreakdown, Absence, ParentalLeave, ContextTable)
#: Parts read from data that stays editable after the freeze: the snapshot's copy is the one in force.
KEPT_COPIES = ("organization",)


def _encode(value):
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    raise TypeError(f"not serialisable in a snapshot: {type(value).__name__}")


def canonical(data: dict) -> bytes:
    """The one byte form of the data that is hashed."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_encode).encode()


def digest(data: dict) -> str:
    return hashlib.sha256(canonical(data)).hexdigest()


def _rows(queryset: models.QuerySet) -> list[dict]:
    """Every stored column of the rows, by primary key order, as plain JSON values (one query)."""
    names = [f.attname for f in queryset.model._meta.concrete_fields if f.attname not in SKIPPED_FIELDS]
    rows = list(queryset.order_by("pk").values(*names))
    # Through JSON once, so a freshly built snapshot equals one read back from the database.
    return json.loads(json.dumps(rows, default=_encode))


def build_snapshot_data(cycle: Cycle, *, kept: dict | None = None) -> dict:
    """Everything feeding the cycle's Relazione (about 25 queries, whatever the size of the plan).
    ``kept``: a snapshot's data whose KEPT_COPIES replace today's rows (to compare the frozen parts only)."""
    from reports.models import ReportSection  # reports depends on performance, not the other way round

    c = Cycle.objects.filter(pk=cycle.pk)
    years = [cycle.year - 1, cycle.year]
    context = {model._meta.label_lower: _rows(model.objects.filter(entity_id=cycle.entity_id, year__in=years))
               for model in YEARLY_MODELS}
    context["organization.contextrow"] = _rows(ContextRow.objects.filter(
        table__entity_id=cycle.entity_id, table__year__in=years))
    # The state is left out: it moves on (validated, published) while the data stays the same.
    header = c.values("id", "entity_id", "year", "piao_reference", "piao_adopted_on", "piao_due", "oiv_report_due",
                      "relazione_due").get()
    return {
        "format": FORMAT,
        "cycle": json.loads(json.dumps(header, default=_encode)),
        "rules": c.values_list("rules", flat=True).get(),
        "plan": {
            "perspectives": _rows(Perspective.objects.filter(cycle=cycle)),
            "strategic_objectives": _rows(StrategicObjective.objects.filter(cycle=cycle)),
            "operational_objectives": _rows(OperationalObjective.objects.filter(cycle=cycle)),
            "indicators": _rows(Indicator.objects.filter(cycle=cycle)),
            "scorecards": _rows(Scorecard.objects.filter(cycle=cycle)),
            "assignments": _rows(Assignment.objects.filter(scorecard__cycle=cycle)),
            "periods": _rows(Period.objects.filter(cycle=cycle)),
            "changes": _rows(PlanChange.objects.filter(cycle=cycle)),
        },
        "values": {
            "measurements": _rows(Measurement.objects.filter(period__cycle=cycle)),
            "overrides": _rows(Override.objects.filter(cycle=cycle)),
        },
        "results": {
            "indicators": _rows(IndicatorScore.objects.filter(cycle=cycle)),
            "rollups": _rows(RollupResult.objects.filter(cycle=cycle)),
        },
        "report": {"sections": _rows(ReportSection.objects.filter(cycle=cycle))},
        "organization": kept["organization"] if kept is not None else {
            "units": _rows(OrgUnit.objects.filter(entity_id=cycle.entity_id))},
        "context": context,
    }


def create_snapshot(cycle: Cycle, *, acting_user) -> CycleSnapshot:
    """A new numbered snapshot. Call inside the transaction that holds the cycle row locked (workflow.py)."""
    data = build_snapshot_data(cycle)
    number = (CycleSnapshot.objects.filter(cycle=cycle).aggregate(n=models.Max("number"))["n"] or 0) + 1
    return CycleSnapshot.objects.create(cycle=cycle, number=number, created_by=acting_user, data=data,
                                        sha256=digest(data))


def current_snapshot(cycle: Cycle, *, with_data: bool = True) -> CycleSnapshot | None:
    """The snapshot in force: the latest one while the cycle is frozen; None while it can be edited
    (after a refusal the old snapshots stay on record, but none of them is the Relazione's data).
    ``with_data=False`` for pages that show its number and hash only (the data is megabytes)."""
    if not Cycle.objects.filter(pk=cycle.pk, state__in=FROZEN_STATES).exists():
        return None
    snapshots = CycleSnapshot.objects.filter(cycle=cycle).order_by("-number")
    return (snapshots if with_data else snapshots.defer("data")).first()


def snapshot_differences(snapshot: CycleSnapshot) -> list[str]:
    """Parts of the data ("plan.indicators", "context.budget.budgetline", ...) that differ today from the
    snapshot; empty when the data is still exactly what was frozen."""
    then = snapshot.data
    now = build_snapshot_data(snapshot.cycle, kept=then)
    differences = []
    for key in sorted(set(now) | set(then)):
        a, b = now.get(key), then.get(key)
        if isinstance(a, dict) and isinstance(b, dict) and key not in ("cycle", "rules"):
            differences += [f"{key}.{sub}" for sub in sorted(set(a) | set(b))
                            if canonical({"v": a.get(sub)}) != canonical({"v": b.get(sub)})]
        elif canonical({"v": a}) != canonical({"v": b}):
            differences.append(key)
    return differences


def verify_snapshot(snapshot: CycleSnapshot) -> bool:
    """True when the stored data still hashes to the recorded SHA-256 and the database still holds the
    same frozen data (rebuilt and compared; the kept copies are covered by the first check)."""
    return (digest(snapshot.data) == snapshot.sha256
            and digest(build_snapshot_data(snapshot.cycle, kept=snapshot.data)) == snapshot.sha256)


def frozen_units(cycle: Cycle) -> list[dict] | None:
    """The org units as the snapshot in force froze them (rows with the OrgUnit's columns), or None while
    the cycle can be edited (the live chart is the one to show). Reads that one key, not the whole data."""
    if not Cycle.objects.filter(pk=cycle.pk, state__in=FROZEN_STATES).exists():
        return None
    return (CycleSnapshot.objects.filter(cycle=cycle).order_by("-number")
            .values_list("data__organization__units", flat=True).first())
