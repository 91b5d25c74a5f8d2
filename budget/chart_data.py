"""What the context pages and the Relazione draw and warn about, built from the computed figures.

The charts are server-side SVG (reports/charts.py), so the same markup goes into the browser page and
into the PDF.
"""
from __future__ import annotations

from dataclasses import dataclass

from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from organization.context_figures import TableView
from performance.parsing import format_number
from reports.charts import grouped_bar_chart, stacked_bar_chart

from .figures import format_amount
from .selectors import BudgetData, ResourcesData, StaffData

COLUMN_LABELS = {"forecast": gettext_lazy("preventivo"), "actual": gettext_lazy("consuntivo")}


def budget_chart(budget: BudgetData) -> SafeString:
    """Preventivo vs consuntivo of every main line of the proventi and oneri correnti."""
    lines = [line for section in budget.statement.sections if section.key in ("A", "B")
             for line in section.lines if line.level == 0]
    name = budget.subject.name if budget.subject else ""
    title = (_("Preventivo aggiornato e consuntivo %(year)s – %(name)s") % {"year": budget.year, "name": name}
             if name else _("Preventivo aggiornato e consuntivo %(year)s") % {"year": budget.year})
    return grouped_bar_chart(
        title, [f"{line.code}) {line.label}" for line in lines],
        [(_("Preventivo aggiornato"), [line.amounts.forecast for line in lines]),
         (_("Consuntivo"), [line.amounts.actual for line in lines])],
        unit="€")


def staff_chart(table) -> SafeString:
    """Staff in service by category, women and men."""
    rows = table.categories
    return stacked_bar_chart(
        _("Personale in servizio per area e genere"), [row.category for row in rows],
        [(_("Donne"), [row.total["F"] for row in rows]), (_("Uomini"), [row.total["M"] for row in rows])])


@dataclass(frozen=True)
class Check:
    area: str
    message: str


def all_checks(resources: ResourcesData, staff: StaffData, tables: list[TableView]) -> list[Check]:
    """Every figure that does not hold together, in words a performance office can act on."""
    checks: list[Check] = []
    for budget in [resources.entity_budget, *resources.agencies]:
        if budget is None:
            continue
        area = _("Conto economico") + (f" – {budget.subject.name}" if budget.subject else "")
        for m in budget.statement.mismatches:
            checks.append(Check(area, _("%(what)s, %(column)s: riportato %(declared)s, calcolato %(computed)s.") % {
                "what": m.label, "column": COLUMN_LABELS.get(m.column, m.column),
                "declared": format_amount(m.declared), "computed": format_amount(m.computed)}))
        if budget.actions:
            for m in budget.actions.mismatches:
                checks.append(Check(_("Interventi economici"), _(
                    "%(what)s, %(column)s: riportato %(declared)s, calcolato %(computed)s.") % {
                    "what": m.label, "column": COLUMN_LABELS.get(m.column, m.column),
                    "declared": format_amount(m.declared), "computed": format_amount(m.computed)}))
    for p in resources.participations:
        if p.mismatch:
            checks.append(Check(_("Partecipazioni"), _(
                "%(company)s: quota riportata %(declared)s%%, calcolata %(computed)s%%.") % {
                "company": p.company, "declared": format_number(p.declared_percent),
                "computed": format_amount(p.percent, 2)}))
    for index in resources.indices:
        for year, error in sorted(index.errors.items()):
            checks.append(Check(_("Indici di bilancio"), f"{index.label} ({year}): {error}"))
    if staff.table is not None:
        if staff.table.part_time_without_percent:
            checks.append(Check(_("Personale"), _(
                "FTE non calcolabili: manca la percentuale di part-time di %(n)d dipendenti.")
                % {"n": staff.table.part_time_without_percent}))
        if staff.parental is not None and getattr(staff.parental, "mismatch", None):
            checks.append(Check(_("Bilancio di genere"), staff.parental.mismatch))
    for table in tables:
        for m in table.mismatches:
            checks.append(Check(table.table.title, _("%(row)s, %(column)s: riportato %(printed)s, somma delle righe %(computed)s.")
                                % {"row": m.row, "column": m.column, "printed": format_number(m.printed),
                                   "computed": format_number(m.computed)}))
    return checks
