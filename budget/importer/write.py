"""Import of the context workbook: read, check everything, then replace the data in one transaction."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from django.db import models, transaction
from django.utils.translation import gettext as _

from budget.models import (
    ActionLine,
    BalanceComponent,
    BalanceIndex,
    BudgetLine,
    DeclaredTotal,
    Participation,
)
from organization.models import (
    Absence,
    ContextRow,
    ContextTable,
    Entity,
    Organ,
    OrgUnit,
    ParentalLeave,
    StaffBreakdown,
    StaffCount,
    StaffPlan,
    StaffYear,
)
from performance.freeze import CycleFrozen, ensure_years_writable
from performance.importer.errors import ImportFailed, ImportIssue
from performance.importer.reader import read_workbook
from performance.importer.schema import Record, parse_sheets

from .schema import CONTEXT_SHEETS, MAX_ROWS, REPORT_YEAR_SHEETS, VALUE_COLUMNS
from .validate import Rows, resolve_years, validate


@dataclass
class ContextReport:
    entity: Entity
    year: int
    dry_run: bool
    #: sheet → rows written (the sheets the workbook holds, in workbook order)
    counts: dict[str, int] = field(default_factory=dict)
    #: sheet → rows that were there before and have been replaced
    replaced: dict[str, int] = field(default_factory=dict)
    #: sheet → years whose data the sheet replaced
    years: dict[str, list[int]] = field(default_factory=dict)

    def summary(self) -> str:
        """One line for messages: "conto_economico 17 righe, personale 34 righe, ..."."""
        return ", ".join(_("%(sheet)s %(n)d righe") % {"sheet": sheet, "n": n} for sheet, n in self.counts.items())


def _position(record: Record, index: int) -> int:
    return record.get("ordine") or index


def _money(record: Record, forecast: str, actual: str) -> dict:
    return {"forecast": record.get(forecast), "actual": record.get(actual)}


Builder = Callable[[Entity, dict[str, OrgUnit], Rows], list[models.Model]]


def _subjected(model: type[models.Model], fields: Callable[[Record], dict]) -> Builder:
    def build(entity: Entity, units: dict[str, OrgUnit], rows: Rows) -> list[models.Model]:
        return [model(entity=entity, year=r["anno"], subject=units.get(r.get("soggetto") or ""),
                      position=_position(r, i), **fields(r))
                for i, (_row, r) in enumerate(rows, start=1)]
    return build


def _yearly(model: type[models.Model], fields: Callable[[Record], dict], position: bool = True) -> Builder:
    def build(entity: Entity, units: dict[str, OrgUnit], rows: Rows) -> list[models.Model]:
        return [model(entity=entity, year=r["anno"], **({"position": _position(r, i)} if position else {}), **fields(r))
                for i, (_row, r) in enumerate(rows, start=1)]
    return build


#: sheet → (model, how its rows become objects); conto_economico and the context tables are written apart
SIMPLE: dict[str, tuple[type[models.Model], Builder]] = {
    "totali_dichiarati": (DeclaredTotal, _subjected(DeclaredTotal, lambda r: {
        "key": r["totale"], **_money(r, "preventivo", "consuntivo")})),
    "interventi_economici": (ActionLine, _subjected(ActionLine, lambda r: {
        "label": r["linea"], **_money(r, "previsione", "costi")})),
    "componenti_bilancio": (BalanceComponent, _yearly(BalanceComponent, lambda r: {
        "code": r["codice"], "label": r["voce"], "value": r["valore"], "source": r.get("fonte") or ""}, position=False)),
    "partecipazioni": (Participation, _yearly(Participation, lambda r: {
        "company": r["societa"], "share_capital": r["capitale_sociale"], "nominal_value": r["valore_nominale"],
        "declared_percent": r.get("percentuale")})),
    "organi": (Organ, _yearly(Organ, lambda r: {
        "kind": r["tipo"], "name": r["nome"], "description": r.get("funzioni") or "",
        "composition": r.get("composizione") or "", "members": r.get("componenti")})),
    "dotazione_organica": (StaffPlan, _yearly(StaffPlan, lambda r: {
        "category": r["area"], "planned_posts": r["dotazione"], "note": r.get("nota") or ""})),
    "personale": (StaffCount, _yearly(StaffCount, lambda r: {
        "category": r.get("area") or "", "gender": r["genere"], "contract": r.get("contratto") or "",
        "part_time_percent": r.get("percentuale_part_time"), "headcount": r["dipendenti"]})),
    "personale_annuale": (StaffYear, _yearly(StaffYear, lambda r: {
        "declared_fte": r.get("fte_dichiarati"), "note": r.get("nota") or ""}, position=False)),
    "personale_classi": (StaffBreakdown, _yearly(StaffBreakdown, lambda r: {
        "dimension": r["dimensione"], "bucket": r["classe"], "gender": r["genere"], "headcount": r["dipendenti"]})),
    "assenze": (Absence, _yearly(Absence, lambda r: {"cause": r["causa"], "days": r["giorni"]})),
    "congedi_parentali": (ParentalLeave, _yearly(ParentalLeave, lambda r: {
        "gender": r["genere"], "pay": r["retribuzione"], "days": r["giorni"]})),
}


def _replace(model: type[models.Model], entity: Entity, years: list[int], objects: list[models.Model]) -> int:
    deleted = model.objects.filter(entity=entity, year__in=years).delete()[1].get(model._meta.label, 0)
    model.objects.bulk_create(objects)
    return deleted


def _write_budget_lines(entity: Entity, years: list[int], units: dict[str, OrgUnit], rows: Rows) -> int:
    deleted = BudgetLine.objects.filter(entity=entity, year__in=years).delete()[1].get(BudgetLine._meta.label, 0)
    objects = {}
    for index, (_row, r) in enumerate(rows, start=1):
        objects[(r["anno"], r.get("soggetto"), r["codice"])] = BudgetLine(
            entity=entity, year=r["anno"], subject=units.get(r.get("soggetto") or ""), section=r["sezione"],
            code=r["codice"], label=r["voce"], position=_position(r, index), **_money(r, "preventivo", "consuntivo"))
    # Main lines first: the sub-lines need their primary keys.
    BudgetLine.objects.bulk_create([objects[(r["anno"], r.get("soggetto"), r["codice"])]
                                    for _row, r in rows if not r.get("voce_superiore")])
    children = []
    for _row, r in rows:
        if r.get("voce_superiore"):
            child = objects[(r["anno"], r.get("soggetto"), r["codice"])]
            child.parent = objects[(r["anno"], r.get("soggetto"), r["voce_superiore"])]
            children.append(child)
    BudgetLine.objects.bulk_create(children)
    return deleted


def _write_context(entity: Entity, year: int, tables: Rows, rows: Rows) -> tuple[int, int]:
    deleted = ContextTable.objects.filter(entity=entity, year=year).delete()[1]
    created = ContextTable.objects.bulk_create([
        ContextTable(entity=entity, year=year, code=r["codice"], title=r["titolo"], source=r.get("fonte") or "",
                     period=r.get("periodo") or "", note=r.get("nota") or "",
                     label_heading=r.get("intestazione_righe") or "", columns=r["colonne"],
                     summable_columns=r.get("colonne_sommabili") or [], position=_position(r, i))
        for i, (_row, r) in enumerate(tables, start=1)])
    by_code = {t.code: t for t in created}
    ContextRow.objects.bulk_create([
        ContextRow(table=by_code[r["tabella"]], position=_position(r, i), label=r["voce"], style=r.get("stile") or "",
                   values=[r.get(name) for name in VALUE_COLUMNS[:len(by_code[r["tabella"]].columns)]])
        for i, (_row, r) in enumerate(rows, start=1)])
    return deleted.get(ContextTable._meta.label, 0), deleted.get(ContextRow._meta.label, 0)


def _sheet_years(sheet: str, year: int, rows: Rows) -> list[int]:
    """The years a sheet replaces: the whole of the report year and of every earlier year it lists."""
    return sorted({year} | {r["anno"] for _, r in rows if r.get("anno")}) if sheet not in REPORT_YEAR_SHEETS else [year]


def _frozen_issues(entity: Entity, year: int, records: dict[str, Rows], present: list[str]) -> list[ImportIssue]:
    """Sheets that would replace rows a frozen cycle's Relazione shows (performance/freeze.py)."""
    issues = []
    for sheet in present:
        try:
            ensure_years_writable(entity.pk, _sheet_years(sheet, year, records[sheet]))
        except CycleFrozen as exc:
            issues.append(ImportIssue(sheet, None, "anno", exc.messages[0]))
    return issues


def _write(entity: Entity, year: int, records: dict[str, Rows], present: list[str], units: dict[str, OrgUnit],
           report: ContextReport) -> None:
    for sheet in present:
        rows = records[sheet]
        years = _sheet_years(sheet, year, rows)
        report.years[sheet] = years
        report.counts[sheet] = len(rows)
        if sheet == "conto_economico":
            report.replaced[sheet] = _write_budget_lines(entity, years, units, rows)
        elif sheet in SIMPLE:
            model, build = SIMPLE[sheet]
            report.replaced[sheet] = _replace(model, entity, years, build(entity, units, rows))
        elif sheet == "indici":
            report.replaced[sheet] = _replace(BalanceIndex, entity, years, [
                BalanceIndex(entity=entity, year=year, group=r["gruppo"], code=r["codice"], label=r["indice"],
                             formula=r["formula"], format=r["formato"],
                             decimals=2 if r.get("decimali") is None else r["decimali"], position=_position(r, i))
                for i, (_row, r) in enumerate(rows, start=1)])
    if "contesto_tabelle" in present:
        tables, context_rows = _write_context(entity, year, records["contesto_tabelle"], records["contesto_righe"])
        report.replaced["contesto_tabelle"], report.replaced["contesto_righe"] = tables, context_rows
        report.counts.setdefault("contesto_righe", len(records["contesto_righe"]))
        report.years.setdefault("contesto_righe", [year])


def import_context(path: Path | str, *, year: int, entity: Entity, dry_run: bool = False) -> ContextReport:
    """Import a context workbook (.xlsx, folder or .zip of CSV) for the entity's report of ``year``.

    Raises ImportFailed with every issue found, having written nothing. Each sheet present replaces the
    entity's rows of that kind for the report year and for the earlier years it lists.
    """
    sheets = read_workbook(Path(path), max_rows=MAX_ROWS)
    records, issues = parse_sheets(sheets, specs=CONTEXT_SHEETS)
    present = [spec.name for spec in CONTEXT_SHEETS if spec.name in sheets]
    if not present and not issues:
        issues.append(ImportIssue(Path(path).name, None, "", _("nessuno dei fogli del contesto è presente")))
    if "contesto_righe" in present and "contesto_tabelle" not in present:
        issues.append(ImportIssue("contesto_righe", None, "", _(
            "le righe vanno importate insieme al foglio contesto_tabelle, che le sostituisce per intero")))
    resolve_years(records, year, issues)
    units = {u.code: u for u in OrgUnit.objects.filter(entity=entity)}
    stored = set() if "componenti_bilancio" in present else set(
        BalanceComponent.objects.filter(entity=entity, year=year).values_list("code", flat=True))
    issues += validate(records, present, year=year, units=units, stored_components=stored)
    if not issues:
        issues = _frozen_issues(entity, year, records, present)
    if issues:
        order = {spec.name: i for i, spec in enumerate(CONTEXT_SHEETS)}
        raise ImportFailed(sorted(issues, key=lambda i: (order.get(i.sheet, -1), i.row or 0)))
    report = ContextReport(entity=entity, year=year, dry_run=dry_run)
    with transaction.atomic():
        # Again under lock: a cycle frozen since the check above waits for this import or refuses it.
        frozen = _frozen_issues(entity, year, records, present)
        if frozen:
            raise ImportFailed(frozen)
        _write(entity, year, records, present, units, report)
        if dry_run:
            transaction.set_rollback(True)
    return report
