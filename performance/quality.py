"""Data-quality and pre-validation findings of a cycle (check_data, the struttura tecnica's page)."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _

from .engine import Finding, check_plan, flag_message, rollup
from .engine.checks import SEVERITY, WARNING
from .models import Cycle, Level, RollupResult, Scorecard
from .parsing import format_number
from .recompute import as_stored, assignment_flags, compute, effective, load, rollup_rows, stored_value


@dataclass(frozen=True)
class Row:
    """A finding with what a person needs to find the data: codes and names, not ids."""

    code: str
    severity: str
    subject_type: str
    subject_id: int | None
    indicator_code: str
    scorecard: str
    message: str


def findings_for(cycle: Cycle) -> list[Row]:
    data = load(cycle)
    results = compute(data)
    findings: list[Finding] = check_plan(data.plan, results)
    indicator_codes = {ref.id: ref.code for ref in data.plan.indicators}
    scorecard_titles = dict(Scorecard.objects.filter(cycle=cycle).values_list("id", "title"))
    rows = [_row(f, indicator_codes, scorecard_titles) for f in findings]
    rows += _printed_rows(cycle, data, results, indicator_codes, scorecard_titles)
    rows += _stored_rows(cycle, data, results, indicator_codes)
    order = {"error": 0, "warning": 1}
    rows.sort(key=lambda r: (order.get(r.severity, 2), r.code, r.indicator_code, r.scorecard))
    return rows


def _row(f: Finding, indicator_codes: dict, scorecard_titles: dict) -> Row:
    indicator = indicator_codes.get(f.subject_id, "") if f.subject_type == "indicator" else ""
    scorecard = scorecard_titles.get(f.subject_id, "") if f.subject_type == "scorecard" else ""
    return Row(f.code, f.severity, f.subject_type, f.subject_id if isinstance(f.subject_id, int) else None,
               indicator, scorecard, f.message)


def _printed_rows(cycle, data, results, indicator_codes, scorecard_titles) -> list[Row]:
    by_id = {a[0]: a for a in data.assignments}
    rows = []
    template = _("Indicatore %(code)s nella scheda «%(scorecard)s»: %(message)s.")
    for pk, flags, _current in assignment_flags(data, results):
        if not flags:
            continue
        _id, scorecard_id, indicator_id, printed, printed_raw, _f = by_id[pk]
        for code in flags.split(";"):
            message = template % {"code": indicator_codes[indicator_id], "scorecard": scorecard_titles[scorecard_id],
                                  "message": flag_message(code)}
            message += " " + _("Riportato: %(printed)s.") % {"printed": printed_raw or "–"}
            rows.append(Row(code, SEVERITY.get(code, WARNING), "indicator", indicator_id,
                            indicator_codes[indicator_id], scorecard_titles[scorecard_id], message))
    return rows


def _stored_rows(cycle, data, results, indicator_codes) -> list[Row]:
    """Pre-validation: what is stored (and will be printed) must equal what the engine computes now."""
    if cycle.computed_at is None:
        return [Row("not_computed", "error", "cycle", cycle.pk, "", "",
                    _("I risultati del ciclo non sono mai stati calcolati: eseguire il ricalcolo."))]
    rows = []
    values = effective(data, results)
    stored = {pk: row[0] for pk, row in data.stored.items()}
    for pk, value in values.items():
        if stored.get(pk) != stored_value(value):
            rows.append(Row("stored_differs", "error", "indicator", pk, indicator_codes[pk], "",
                            _("Indicatore %(code)s: il valore memorizzato (%(stored)s) è diverso da quello ricalcolato "
                              "(%(now)s): eseguire il ricalcolo.") % {"code": indicator_codes[pk],
                                                                        "stored": _pct(_decimal(stored.get(pk))),
                                                                        "now": _pct(as_stored(value))}))
    tree = rollup(data.plan, values, data.rules)
    fresh: dict[tuple[str, int], Decimal | None] = {
        (level, pk): realization for level, pk, realization, _counted in rollup_rows(cycle, tree)}
    saved = {(level, pk): value for level, pk, value in
             RollupResult.objects.filter(cycle=cycle).values_list("level", "object_id", "realization")}
    mismatched = [key for key in fresh.keys() | saved.keys() if fresh.get(key) != saved.get(key)]
    counts: dict[str, int] = defaultdict(int)
    for level, _pk in mismatched:
        counts[level] += 1
    for level, n in sorted(counts.items()):
        rows.append(Row("stored_differs", "error", "rollup", None, "", "",
                        _("%(n)d valori aggregati (%(level)s) memorizzati sono diversi da quelli ricalcolati: "
                          "eseguire il ricalcolo.") % {"n": n, "level": Level(level).label}))
    return rows




def _decimal(value: float | None) -> Decimal | None:
    return None if value is None else Decimal(repr(value))


def _pct(value) -> str:
    return _("non valutato") if value is None else format_number(value) + "%"
