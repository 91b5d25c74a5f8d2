"""Validates a parsed workbook as a whole and writes it in one transaction (all or nothing)."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils.translation import gettext as _

from organization.models import Entity, OrgUnit
from organization.models.core import closes_a_loop

from .. import bulk
from ..freeze import CycleFrozen, ensure_cycle_writable
from ..tasks import schedule_recompute
from ..models import (
    Assignment,
    Cycle,
    Indicator,
    Measurement,
    OperationalObjective,
    Period,
    Perspective,
    Scorecard,
    StrategicObjective,
)
from ..plan_changes import TRACKED, ChangeAct, field_changes, needs_act, object_added, object_removed, record_changes
from ..parsing import ParsedValue, ValueShape, target_fields, value_fields
from .errors import ImportFailed, ImportIssue
from .reader import read_workbook
from .schema import Record, parse_sheets

Rows = list[tuple[int, Record]]


@dataclass
class ImportReport:
    cycle: Cycle
    dry_run: bool
    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    #: in-year changes of the plan, collected when the cycle is past planning (plan_changes.py)
    changes: list | None = None

    def count(self, sheet: str, action: str, n: int) -> None:
        self.counts.setdefault(sheet, {"creati": 0, "aggiornati": 0, "eliminati": 0})[action] += n


def _codes(rows: Rows, key: str = "codice") -> set:
    return {r[key] for _, r in rows if r.get(key)}


def _check_refs(issues: list[ImportIssue], sheet: str, rows: Rows, column: str, valid: set, what: str) -> None:
    for row, record in rows:
        value = record.get(column)
        if value and value not in valid:
            issues.append(ImportIssue(sheet, row, column, _("%(what)s «%(code)s» non esiste") % {"what": what, "code": value}))


def _validate(records: dict[str, Rows], entity: Entity) -> list[ImportIssue]:
    issues: list[ImportIssue] = []
    # The hierarchy as it will be: the units in the database, moved as the sheet says.
    parents = {code: parent for code, parent in OrgUnit.objects.filter(entity=entity)
               .values_list("code", "parent__code")}
    unit_codes = set(parents) | _codes(records["unita"])
    _check_refs(issues, "unita", records["unita"], "padre", unit_codes, _("l'unità"))
    parents.update({r["codice"]: r.get("padre") for _, r in records["unita"] if r.get("codice")})
    for row, record in records["unita"]:
        if closes_a_loop(parents, record.get("codice")):
            issues.append(ImportIssue("unita", row, "padre", _("la gerarchia delle unità contiene un ciclo")))
    _check_refs(issues, "obiettivi_strategici", records["obiettivi_strategici"], "prospettiva",
                _codes(records["prospettive"]), _("la prospettiva"))
    _check_refs(issues, "obiettivi_operativi", records["obiettivi_operativi"], "obiettivo_strategico",
                _codes(records["obiettivi_strategici"]), _("l'obiettivo strategico"))
    for row, record in records["obiettivi_operativi"]:
        if not record.get("obiettivo_strategico") and not record.get("comune"):
            issues.append(ImportIssue("obiettivi_operativi", row, "obiettivo_strategico",
                                      _("obbligatorio, salvo per gli obiettivi comuni (comune = SI)")))
    _check_refs(issues, "indicatori", records["indicatori"], "obiettivo_operativo",
                _codes(records["obiettivi_operativi"]), _("l'obiettivo operativo"))
    _check_refs(issues, "schede", records["schede"], "unita", unit_codes, _("l'unità"))
    for row, record in records["schede"]:
        if record.get("tipo") == Scorecard.Kind.UNIT and not record.get("unita"):
            issues.append(ImportIssue("schede", row, "unita", _("obbligatoria per le schede di tipo unità")))
    indicator_codes = _codes(records["indicatori"])
    _check_refs(issues, "assegnazioni", records["assegnazioni"], "scheda", _codes(records["schede"]), _("la scheda"))
    _check_refs(issues, "assegnazioni", records["assegnazioni"], "indicatore", indicator_codes, _("l'indicatore"))
    _check_refs(issues, "valori", records["valori"], "indicatore", indicator_codes, _("l'indicatore"))
    _check_refs(issues, "valori", records["valori"], "periodo", _codes(records["periodi"]), _("il periodo"))
    finals = [row for row, r in records["periodi"] if r.get("finale")]
    for row in finals[1:]:
        issues.append(ImportIssue("periodi", row, "finale", _("un solo periodo può essere il consuntivo finale")))
    return issues


def _printed(parsed: ParsedValue | None) -> tuple[str, object]:
    if parsed is None:
        return "", None
    return parsed.raw, parsed.number if parsed.shape in (ValueShape.NUMBER, ValueShape.PERCENT) else None


def _sync(model: type[models.Model], cycle: Cycle, wanted: dict[str, dict], report: ImportReport,
          sheet: str) -> tuple[dict[str, models.Model], list[models.Model]]:
    """Create or update the cycle's objects of one model by code; returns them and those to delete."""
    existing = {obj.code: obj for obj in model.objects.filter(cycle=cycle)}
    to_create, to_update, fields = [], [], set()
    for code, values in wanted.items():
        obj = existing.get(code)
        if obj is None:
            to_create.append(model(cycle=cycle, code=code, **values))
            continue
        changed = [name for name, value in values.items() if getattr(obj, name) != value]
        if changed:
            before = {name: getattr(obj, name) for name in changed}
            for name in changed:
                setattr(obj, name, values[name])
            if report.changes is not None and model in TRACKED:
                report.changes += field_changes(obj, before)
            fields.update(changed)
            to_update.append(obj)
    bulk.insert(model, to_create)
    bulk.update(model, to_update, sorted(fields))
    report.count(sheet, "creati", len(to_create))
    report.count(sheet, "aggiornati", len(to_update))
    stale = [obj for code, obj in existing.items() if code not in wanted]
    if report.changes is not None and model in TRACKED:
        report.changes += [object_added(obj) for obj in to_create] + [object_removed(obj) for obj in stale]
    objects = {obj.code: obj for obj in to_create}
    objects.update({code: obj for code, obj in existing.items() if code in wanted})
    return objects, stale


def _write_units(entity: Entity, rows: Rows, report: ImportReport) -> dict[str, OrgUnit]:
    units = {u.code: u for u in OrgUnit.objects.filter(entity=entity)}
    created = updated = 0
    for position, (_row, r) in enumerate(rows, start=1):
        values = {"name": r["nome"], "kind": r["tipo"], "head_name": r.get("responsabile") or "",
                  "position": r.get("ordine") or position}
        unit = units.get(r["codice"])
        if unit is None:
            units[r["codice"]] = OrgUnit.objects.create(entity=entity, code=r["codice"], **values)
            created += 1
        elif any(getattr(unit, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(unit, k, v)
            unit.save()
            updated += 1
    # Parents in a second pass: a child row may come before its parent row.
    for _row, r in rows:
        unit, parent = units[r["codice"]], units.get(r.get("padre") or "")
        if unit.parent_id != (parent.pk if parent else None):
            unit.parent = parent
            unit.save(update_fields=["parent"])
    report.count("unita", "creati", created)
    report.count("unita", "aggiornati", updated)
    return units


def _measurement_fields(record: Record) -> dict:
    return {
        **value_fields(record.get("valore")),
        "numerator": record.get("numeratore"),
        "denominator": record.get("denominatore"),
        "nv_reason": record.get("motivazione") or "",
        "note": record.get("nota") or "",
    }


def _write_measurements(rows: Rows, indicators: dict, periods: dict, acting_user, report: ImportReport) -> None:
    ids = [i.pk for i in indicators.values()]
    existing = {(m.indicator_id, m.period_id): m for m in Measurement.objects.filter(indicator_id__in=ids)}
    to_create, to_update, fields = [], [], set()
    locked: list[ImportIssue] = []
    for row, r in rows:
        indicator, period = indicators[r["indicatore"]], periods[r["periodo"]]
        values = _measurement_fields(r)
        current = existing.get((indicator.pk, period.pk))
        if period.locked and (current is None or any(getattr(current, k) != v for k, v in values.items())):
            locked.append(ImportIssue("valori", row, "periodo", _(
                "il periodo «%(period)s» è bloccato: il valore di %(code)s non può cambiare")
                % {"period": period.code, "code": indicator.code}))
            continue
        if current is None:
            to_create.append(Measurement(indicator=indicator, period=period, author=acting_user, **values))
            continue
        changed = [k for k, v in values.items() if getattr(current, k) != v]
        if changed:
            for k in changed:
                setattr(current, k, values[k])
            current.version += 1
            current.author = acting_user
            fields.update(changed + ["version", "author"])
            to_update.append(current)
    if locked:
        raise ImportFailed(locked)
    # Every imported value gets its audit record, as a value typed in the browser does.
    bulk.insert(Measurement, to_create)
    bulk.insert_history(Measurement, to_create, "+", acting_user, "import")
    bulk.update(Measurement, to_update, sorted(fields))
    bulk.insert_history(Measurement, to_update, "~", acting_user, "import")
    report.count("valori", "creati", len(to_create))
    report.count("valori", "aggiornati", len(to_update))


def _delete(report: ImportReport, sheet: str, objects: Iterable[models.Model]) -> None:
    objects = list(objects)
    if objects:
        type(objects[0]).objects.filter(pk__in=[o.pk for o in objects]).delete()
    report.count(sheet, "eliminati", len(objects))


def _by_row(rows: Rows) -> Iterable[tuple[int, Record]]:
    return ((position, record) for position, (_, record) in enumerate(rows, start=1))


def _write(cycle: Cycle, records: dict[str, Rows], acting_user, report: ImportReport) -> None:
    units = _write_units(cycle.entity, records["unita"], report) if records["unita"] else {
        u.code: u for u in OrgUnit.objects.filter(entity=cycle.entity)}
    perspectives, stale_p = _sync(Perspective, cycle, {
        r["codice"]: {"name": r["nome"], "position": r.get("ordine") or pos}
        for pos, r in _by_row(records["prospettive"])}, report, "prospettive")
    strategic, stale_so = _sync(StrategicObjective, cycle, {
        r["codice"]: {"perspective": perspectives[r["prospettiva"]], "title": r["titolo"],
                      "narrative": r.get("descrizione") or "",
                      "printed_realization": _printed(r.get("realizzazione_stampata"))[1],
                      "position": r.get("ordine") or pos}
        for pos, r in _by_row(records["obiettivi_strategici"])}, report, "obiettivi_strategici")
    operational, stale_oo = _sync(OperationalObjective, cycle, {
        r["codice"]: {"strategic_objective": strategic.get(r.get("obiettivo_strategico") or ""),
                      "title": r["titolo"], "weight": r.get("peso"), "is_common": bool(r.get("comune")),
                      "position": r.get("ordine") or pos}
        for pos, r in _by_row(records["obiettivi_operativi"])}, report, "obiettivi_operativi")
    indicators, stale_i = _sync(Indicator, cycle, {r["codice"]: _indicator_fields(r, operational, pos)
                                                   for pos, r in _by_row(records["indicatori"])},
                                report, "indicatori")
    if records["schede"]:
        scorecards, stale_s = _sync(Scorecard, cycle, {
            r["codice"]: {"kind": r["tipo"], "title": r["titolo"], "unit": units.get(r.get("unita") or ""),
                          "holder_name": r.get("titolare") or "", "position": r.get("ordine") or pos}
            for pos, r in _by_row(records["schede"])}, report, "schede")
    else:
        scorecards, stale_s = {s.code: s for s in Scorecard.objects.filter(cycle=cycle)}, []
    if records["assegnazioni"] or records["schede"]:
        _write_assignments(cycle, records["assegnazioni"], scorecards, indicators, report)
    if records["periodi"]:
        periods, stale_per = _sync(Period, cycle, {
            r["codice"]: {"name": r["nome"], "reference_date": r["data_riferimento"], "deadline": r.get("scadenza"),
                          "is_final": bool(r.get("finale"))}
            for _, r in records["periodi"]}, report, "periodi")
    else:
        periods, stale_per = {p.code: p for p in Period.objects.filter(cycle=cycle)}, []
    _write_measurements(records["valori"], indicators, periods, acting_user, report)
    # Remove what the workbook no longer lists, children first (PROTECT foreign keys).
    for sheet, stale in (("schede", stale_s), ("periodi", stale_per), ("indicatori", stale_i),
                         ("obiettivi_operativi", stale_oo), ("obiettivi_strategici", stale_so),
                         ("prospettive", stale_p)):
        _delete(report, sheet, stale)


def _write_assignments(cycle: Cycle, rows: Rows, scorecards: dict, indicators: dict, report: ImportReport) -> None:
    """The assignments listed are the scorecards' content: update by (scorecard, indicator), drop the rest."""
    existing = {(a.scorecard_id, a.indicator_id): a for a in Assignment.objects.filter(scorecard__cycle=cycle)}
    to_create, to_update, seen = [], [], set()
    for pos, r in _by_row(rows):
        scorecard, indicator = scorecards[r["scheda"]], indicators[r["indicatore"]]
        raw, number = _printed(r.get("realizzazione_stampata"))
        values = {"weight": r.get("peso"), "printed_realization_raw": raw, "printed_realization": number,
                  "position": r.get("ordine") or pos}
        key = (scorecard.pk, indicator.pk)
        seen.add(key)
        current = existing.get(key)
        if current is None:
            to_create.append(Assignment(scorecard=scorecard, indicator=indicator, **values))
        elif any(getattr(current, k) != v for k, v in values.items()):
            if report.changes is not None and current.weight != values["weight"]:
                current.scorecard, current.indicator = scorecard, indicator
                before, current.weight = {"weight": current.weight}, values["weight"]
                report.changes += field_changes(current, before)
            for k, v in values.items():
                setattr(current, k, v)
            to_update.append(current)
    bulk.insert(Assignment, to_create)
    bulk.update(Assignment, to_update, ["weight", "printed_realization_raw", "printed_realization", "position"])
    removed = [a for key, a in existing.items() if key not in seen]
    if report.changes is not None:
        report.changes += [object_added(a) for a in to_create] + [object_removed(a) for a in removed]
    _delete(report, "assegnazioni", removed)
    report.count("assegnazioni", "creati", len(to_create))
    report.count("assegnazioni", "aggiornati", len(to_update))


def _indicator_fields(r: Record, operational: dict, position: int) -> dict:
    return {
        "operational_objective": operational[r["obiettivo_operativo"]],
        "name": r["nome"], "algorithm": r.get("algoritmo") or "", "kind": r["tipo"], "direction": r["direzione"],
        "unit_of_measure": r.get("unita_misura") or "",
        **target_fields(r.get("target")),
        "weight": r.get("peso"), "source": r.get("fonte") or "", "is_common": bool(r.get("comune")),
        "position": r.get("ordine") or position,
    }


def resolve_entity(entity_code: str | None) -> Entity:
    entities = Entity.objects.all()
    if entity_code:
        entities = entities.filter(code=entity_code)
    found = list(entities[:2])
    if len(found) == 1:
        return found[0]
    if not found:
        message = _("nessun ente con codice «%(code)s»") % {"code": entity_code} if entity_code else _(
            "nessun ente configurato: crearlo dall'amministrazione o con load_demo")
    else:
        message = _("più enti configurati: indicare quale con --entity CODICE")
    raise ImportFailed([ImportIssue("", None, "", message)])


def import_plan(path: Path | str, *, year: int, entity: Entity | None = None, dry_run: bool = False,
                acting_user=None, change_act: ChangeAct | None = None) -> ImportReport:
    """Import a plan workbook into the entity's cycle of `year`. Raises ImportFailed, writing nothing.

    Past planning, a workbook that changes objectives, indicators, targets or weights needs
    ``change_act`` (date, formal act, reason): each change is recorded as a PlanChange."""
    path = Path(path)
    sheets = read_workbook(path)
    records, issues = parse_sheets(sheets)
    entity = entity or resolve_entity(None)
    cycle = Cycle.objects.filter(entity=entity, year=year).first()
    if cycle is not None and cycle.is_frozen:
        issues.insert(0, ImportIssue("", None, "", _("il ciclo %(year)d è in stato «%(state)s»: i dati sono congelati e non possono essere importati") % {"year": year, "state": cycle.get_state_display()}))
    issues += _validate(records, entity)
    if issues:
        raise ImportFailed(issues)
    with transaction.atomic():
        if cycle is None:
            cycle = Cycle.objects.create(entity=entity, year=year)
        try:
            # Under lock (freeze.py): a freeze that started after the check above waits for this import.
            ensure_cycle_writable(cycle.pk)
        except CycleFrozen as exc:
            raise ImportFailed([ImportIssue("", None, "", exc.messages[0])]) from exc
        report = ImportReport(cycle=cycle, dry_run=dry_run, changes=[] if needs_act(cycle) else None)
        _write(cycle, records, acting_user, report)
        try:
            record_changes(cycle, report.changes or [], change_act, acting_user=acting_user)
        except ValidationError as exc:
            raise ImportFailed([ImportIssue("", None, "", message) for message in exc.messages]) from exc
        if dry_run:
            transaction.set_rollback(True)
        else:
            schedule_recompute(cycle.pk)
    return report
