"""Checks of the context workbook as a whole: years, keys, references between rows and sheets.

Every problem becomes an ImportIssue; nothing is written unless the list is empty.
"""
from __future__ import annotations

from collections.abc import Iterable

from django.utils.translation import gettext as _

from budget.formula import FormulaError, parse
from organization.models import OrgUnit, StaffCount
from performance.importer.errors import ImportIssue
from performance.importer.schema import Record

from .schema import KEYS, MAX_VALUES, REPORT_YEAR_SHEETS, VALUE_COLUMNS

Rows = list[tuple[int, Record]]


def resolve_years(records: dict[str, Rows], year: int, issues: list[ImportIssue]) -> None:
    """A blank anno is the report year; a later one is refused (the report cannot compare with the future)."""
    for sheet, rows in records.items():
        if sheet in REPORT_YEAR_SHEETS:
            continue
        for row, record in rows:
            if record.get("anno") is None:
                record["anno"] = year
            elif record["anno"] > year:
                issues.append(ImportIssue(sheet, row, "anno", _(
                    "l'anno %(row_year)d è successivo a quello della relazione (%(year)d)")
                    % {"row_year": record["anno"], "year": year}))


def _duplicates(issues: list[ImportIssue], sheet: str, rows: Rows, key: tuple[str, ...]) -> None:
    seen: dict[tuple, int] = {}
    for row, record in rows:
        values = tuple(record.get(k) for k in key)
        if values in seen:
            shown = " / ".join(str(v) if v not in (None, "") else "—" for v in values)
            issues.append(ImportIssue(sheet, row, key[-1], _("%(key)s (%(columns)s) è già presente alla riga %(row)d")
                                      % {"key": shown, "columns": ", ".join(key), "row": seen[values]}))
        else:
            seen[values] = row


def _subjects(issues: list[ImportIssue], records: dict[str, Rows], units: dict[str, OrgUnit]) -> None:
    for sheet in ("conto_economico", "totali_dichiarati", "interventi_economici"):
        for row, record in records[sheet]:
            code = record.get("soggetto")
            if not code:
                continue
            unit = units.get(code)
            if unit is None:
                issues.append(ImportIssue(sheet, row, "soggetto", _(
                    "l'unità «%(code)s» non esiste: lasciare vuoto per l'ente o indicare il codice di un'azienda speciale") % {"code": code}))
            elif unit.kind != OrgUnit.Kind.SPECIAL_AGENCY:
                issues.append(ImportIssue(sheet, row, "soggetto", _(
                    "l'unità «%(code)s» non è un'azienda speciale") % {"code": code}))


def _budget_lines(issues: list[ImportIssue], rows: Rows) -> None:
    """A sub-line (7a–7e) details a main line of the same year, subject and section, one level deep."""
    lines = {(r.get("anno"), r.get("soggetto"), r.get("codice")): r for _, r in rows if r.get("codice")}
    for row, record in rows:
        parent_code = record.get("voce_superiore")
        if not parent_code:
            continue
        parent = lines.get((record.get("anno"), record.get("soggetto"), parent_code))
        if parent_code == record.get("codice"):
            problem = _("una voce non può essere superiore a se stessa")
        elif parent is None:
            problem = _("la voce superiore «%(code)s» non è nel foglio per lo stesso anno e soggetto") % {"code": parent_code}
        elif parent.get("voce_superiore"):
            problem = _("la voce superiore «%(code)s» è a sua volta una voce di dettaglio: è ammesso un solo livello") % {"code": parent_code}
        elif parent.get("sezione") != record.get("sezione"):
            problem = _("la voce superiore «%(code)s» è nella sezione %(section)s") % {"code": parent_code, "section": parent.get("sezione")}
        else:
            continue
        issues.append(ImportIssue("conto_economico", row, "voce_superiore", problem))


def _indices(issues: list[ImportIssue], rows: Rows, components: set[str], year: int) -> None:
    for row, record in rows:
        if record.get("decimali") is not None and record["decimali"] > 6:
            issues.append(ImportIssue("indici", row, "decimali", _("al massimo 6 decimali")))
        if not record.get("formula"):
            continue
        try:
            variables = parse(record["formula"]).variables()
        except FormulaError as exc:
            issues.append(ImportIssue("indici", row, "formula", str(exc)))
            continue
        missing = sorted(variables - components)
        if missing:
            issues.append(ImportIssue("indici", row, "formula", _(
                "componenti non presenti in componenti_bilancio per il %(year)d: %(codes)s")
                % {"year": year, "codes": ", ".join(missing)}))


def _participations(issues: list[ImportIssue], rows: Rows) -> None:
    for row, record in rows:
        capital, nominal, percent = record.get("capitale_sociale"), record.get("valore_nominale"), record.get("percentuale")
        if capital is not None and capital <= 0:
            issues.append(ImportIssue("partecipazioni", row, "capitale_sociale", _("deve essere maggiore di zero")))
        if nominal is not None and nominal < 0:
            issues.append(ImportIssue("partecipazioni", row, "valore_nominale", _("non può essere negativo")))
        elif nominal is not None and capital is not None and 0 < capital < nominal:
            issues.append(ImportIssue("partecipazioni", row, "valore_nominale", _("supera il capitale sociale")))
        if percent is not None and not 0 <= percent <= 100:
            issues.append(ImportIssue("partecipazioni", row, "percentuale", _("deve essere tra 0 e 100")))


def _staff(issues: list[ImportIssue], rows: Rows) -> None:
    for row, record in rows:
        percent = record.get("percentuale_part_time")
        if percent is None:
            continue
        if record.get("contratto") != StaffCount.Contract.PART_TIME:
            issues.append(ImportIssue("personale", row, "percentuale_part_time", _(
                "la percentuale di part-time vale solo per le righe con contratto «parziale»")))
        elif not 0 < percent < 100:
            issues.append(ImportIssue("personale", row, "percentuale_part_time", _(
                "deve essere maggiore di 0 e minore di 100 (es. 50 per un part-time al 50%%)")))


def _context(issues: list[ImportIssue], tables: Rows, rows: Rows) -> None:
    widths: dict[str, int] = {}
    for row, record in tables:
        columns = record.get("colonne") or []
        if record.get("codice"):
            widths[record["codice"]] = len(columns)
        beyond = [i + 1 for i in record.get("colonne_sommabili") or [] if i >= len(columns)]
        if columns and beyond:
            issues.append(ImportIssue("contesto_tabelle", row, "colonne_sommabili", _(
                "la tabella ha %(n)d colonne: la colonna %(col)d non esiste") % {"n": len(columns), "col": beyond[0]}))
    for row, record in rows:
        code = record.get("tabella")
        if not code:
            continue
        if code not in widths:
            issues.append(ImportIssue("contesto_righe", row, "tabella", _(
                "la tabella «%(code)s» non è nel foglio contesto_tabelle") % {"code": code}))
            continue
        for index in range(widths[code], MAX_VALUES):
            if record.get(VALUE_COLUMNS[index]) is not None:
                issues.append(ImportIssue("contesto_righe", row, VALUE_COLUMNS[index], _(
                    "la tabella «%(code)s» ha %(n)d colonne: questo valore non ha colonna")
                    % {"code": code, "n": widths[code]}))
                break


def validate(records: dict[str, Rows], present: Iterable[str], *, year: int, units: dict[str, OrgUnit],
             stored_components: set[str]) -> list[ImportIssue]:
    """Every cross-row and cross-sheet problem. ``stored_components`` are the report year's component
    codes already in the database, used only when the workbook has no componenti_bilancio sheet."""
    issues: list[ImportIssue] = []
    present = set(present)
    for sheet, key in KEYS.items():
        _duplicates(issues, sheet, records[sheet], key)
    _subjects(issues, records, units)
    _budget_lines(issues, records["conto_economico"])
    components = ({r["codice"] for _, r in records["componenti_bilancio"] if r.get("codice") and r.get("anno") == year}
                  if "componenti_bilancio" in present else stored_components)
    _indices(issues, records["indici"], components, year)
    _participations(issues, records["partecipazioni"])
    _staff(issues, records["personale"])
    _context(issues, records["contesto_tabelle"], records["contesto_righe"])
    return issues
