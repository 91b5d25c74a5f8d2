"""The checks made before the OIV starts (DESIGN, "Checks before the OIV starts"), as one pure function.

``prevalidation_checks(data, findings, snapshot_verifies=...)`` reads only plain values: the snapshot's
data (plan, report sections), the data-quality findings as (code, message) pairs and whether the snapshot
still verifies. It returns one ``Check`` per rule, in a fixed order, each with a code, an Italian label,
an outcome (ok / warning / failed) and a detail that names what is wrong. The OIV sees them in the
workspace and they are written, as they were at the moment of the decision, into the decision and its
documento di validazione.

``checks_for(snapshot)`` gathers those inputs from the database for a frozen cycle.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

OK, WARNING, FAILED = "ok", "warning", "failed"
OUTCOME_LABELS = {OK: gettext_lazy("superata"), WARNING: gettext_lazy("con avvertenze"),
                  FAILED: gettext_lazy("non superata")}
#: How many offending items a detail names before "e altri N".
SHOWN = 3
#: Section kinds that repeat per plan object, with the plan list whose codes they name.
REPEATING = {"strategic_objective": "strategic_objectives", "unit_scorecard": "unit", "individual_scorecard": "individual"}


@dataclass(frozen=True)
class Check:
    code: str
    label: str
    outcome: str
    detail: str

    def as_dict(self) -> dict[str, str]:
        return asdict(self)


def outcome_label(outcome: str) -> str:
    return str(OUTCOME_LABELS.get(outcome, outcome))


def _listed(items: Sequence[str]) -> str:
    shown = "; ".join(items[:SHOWN])
    if len(items) > SHOWN:
        shown += " " + _("e altri %(n)d") % {"n": len(items) - SHOWN}
    return shown


def _from_findings(code: str, label: str, findings: Mapping[str, list[str]], codes: Iterable[str], *,
                   outcome: str = FAILED, ok_detail: str) -> Check:
    """A check that passes when the data-quality run found none of ``codes``."""
    found = [message for c in codes for message in findings.get(c, [])]
    if not found:
        return Check(code, label, OK, ok_detail)
    return Check(code, label, outcome, _("%(n)d casi: %(list)s") % {"n": len(found), "list": _listed(found)})


def _plan_in_relazione(data: dict) -> Check:
    """Every strategic objective and every unit/individual scorecard has its section in each layout the
    Relazione has, and no section names an objective or scorecard that the plan does not have."""
    label = _("Tutti gli obiettivi e gli indicatori del piano sono nella Relazione, e nient'altro")
    plan = data.get("plan", {})
    wanted = {"strategic_objectives": {o["code"] for o in plan.get("strategic_objectives", [])},
              "unit": {s["code"] for s in plan.get("scorecards", []) if s.get("kind") == "unit"},
              "individual": {s["code"] for s in plan.get("scorecards", []) if s.get("kind") == "individual"}}
    sections = data.get("report", {}).get("sections", [])
    problems: list[str] = []
    for layout in sorted({s["layout"] for s in sections}):
        for kind, plan_key in REPEATING.items():
            refs = {s["ref"] for s in sections if s["layout"] == layout and s["kind"] == kind}
            problems += [_("manca la sezione di %(code)s") % {"code": c} for c in sorted(wanted[plan_key] - refs)]
            problems += [_("la sezione «%(code)s» non corrisponde al piano") % {"code": c}
                         for c in sorted(refs - wanted[plan_key])]
    objectives = {o["id"] for o in plan.get("operational_objectives", [])}
    problems += [_("l'indicatore %(code)s non è sotto un obiettivo del piano") % {"code": i["code"]}
                 for i in plan.get("indicators", []) if i.get("operational_objective_id") not in objectives]
    if problems:
        return Check("plan_in_relazione", label, FAILED, _listed(problems))
    if not sections:
        return Check("plan_in_relazione", label, OK, _("Le sezioni sono generate dal piano al momento della stampa."))
    return Check("plan_in_relazione", label, OK, _("%(so)d obiettivi strategici e %(ind)d indicatori.")
                 % {"so": len(wanted["strategic_objectives"]), "ind": len(plan.get("indicators", []))})


def _sources(data: dict) -> Check:
    label = _("Ogni indicatore ha la fonte del dato")
    missing = [i["code"] for i in data.get("plan", {}).get("indicators", []) if not (i.get("source") or "").strip()]
    if not missing:
        return Check("sources", label, OK, _("Fonte indicata per tutti gli indicatori."))
    return Check("sources", label, WARNING, _("%(n)d indicatori senza fonte: %(list)s")
                 % {"n": len(missing), "list": _listed(missing)})


def _gender_chapter(data: dict) -> Check:
    label = _("Il capitolo sul bilancio di genere è presente")
    sections = data.get("report", {}).get("sections", [])
    if not sections or any(s["kind"] == "gender" for s in sections):
        return Check("gender_chapter", label, OK, _("Sezione «Bilancio di genere» presente."))
    return Check("gender_chapter", label, FAILED, _("Nessuna sezione di tipo «Bilancio di genere» nella Relazione."))


def prevalidation_checks(data: dict, findings: Iterable[tuple[str, str]], *, snapshot_verifies: bool) -> list[Check]:
    """The pre-validation checks over the snapshot's data and the data-quality findings (pure)."""
    by_code: dict[str, list[str]] = {}
    for code, message in findings:
        by_code.setdefault(code, []).append(message)
    return [
        Check("snapshot", _("L'istantanea dei dati è integra (impronta SHA-256 verificata)"),
              OK if snapshot_verifies else FAILED,
              _("I dati corrispondono all'impronta registrata.") if snapshot_verifies else
              _("I dati non corrispondono più all'impronta registrata: l'istantanea non è affidabile.")),
        _plan_in_relazione(data),
        _from_findings("final_values", _("Ogni indicatore ha un valore finale valido"), by_code,
                       ("missing_value", "invalid_value", "type_mismatch", "missing_target"),
                       ok_detail=_("Nessun valore o risultato atteso mancante o non valido.")),
        _sources(data),
        _from_findings("weights", _("I pesi sommano a 100 a ogni livello"), by_code, ("weights_not_100",),
                       ok_detail=_("Pesi completi a ogni livello.")),
        _from_findings("stored_results", _("I risultati memorizzati coincidono con quelli ricalcolati"), by_code,
                       ("stored_differs", "not_computed"), ok_detail=_("Nessuna differenza.")),
        _from_findings("percent_scale", _("La scala delle percentuali è coerente (0–1 e 0–100)"), by_code,
                       ("percent_scale",), outcome=WARNING, ok_detail=_("Nessuna incoerenza di scala.")),
        _from_findings("zero_denominators", _("Nessun denominatore pari a zero"), by_code, ("zero_denominator",),
                       ok_detail=_("Nessun denominatore nullo.")),
        _from_findings("reasons", _("Ogni scostamento e ogni NV ha la sua motivazione"), by_code,
                       ("shortfall_without_reason", "nv_without_justification"),
                       ok_detail=_("Motivazioni presenti.")),
        _gender_chapter(data),
        _from_findings("other_quality", _("Altre segnalazioni sulla qualità dei dati"), by_code,
                       ("late_date", "over_cap", "printed_differs", "inconsistent_across_scorecards"),
                       outcome=WARNING, ok_detail=_("Nessuna segnalazione.")),
    ]


def checks_for_findings(snapshot, rows: Iterable, verifies: bool) -> list[Check]:
    """The checks from data-quality rows (performance.quality.Row) the caller has already computed."""
    return prevalidation_checks(snapshot.data, [(row.code, row.message) for row in rows], snapshot_verifies=verifies)


def checks_for(snapshot) -> list[Check]:
    """The checks for the cycle's current snapshot (the cycle is frozen: the database holds its data)."""
    from performance.quality import findings_for
    from performance.snapshot import verify_snapshot

    return checks_for_findings(snapshot, findings_for(snapshot.cycle), verify_snapshot(snapshot))


def checks_before_sending(cycle) -> list[Check]:
    """The same checks over the data as they are now, for the struttura tecnica before it sends the cycle to
    the OIV (no snapshot exists yet, so its integrity check is left out). Not blocking: the OIV decides."""
    from performance.quality import findings_for
    from performance.snapshot import build_snapshot_data

    rows = findings_for(cycle)
    return prevalidation_checks(build_snapshot_data(cycle), [(row.code, row.message) for row in rows],
                                snapshot_verifies=True)[1:]
