"""What the OIV workspace shows, read in a fixed number of queries (the views stay thin)."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from performance.models import Cycle, CycleSnapshot
from performance.quality import Row, findings_for
from performance.snapshot import current_snapshot, verify_snapshot
from reports.models import ReportEdition

from .checks import Check, checks_for_findings
from .models import ReviewComment, ValidationDecision
from .services import comment_subject, draft_edition, oiv_members, open_requests, section_choices


@dataclass(frozen=True)
class IndicatorFigure:
    id: int
    code: str
    name: str
    target: str
    achieved: str
    realization: Decimal | None


def indicator_figures(snapshot: CycleSnapshot) -> list[IndicatorFigure]:
    """The indicators as frozen: target, final value and realization, from the snapshot's data (no query)."""
    data = snapshot.data
    finals = {p["id"] for p in data["plan"]["periods"] if p.get("is_final")}
    achieved = {}
    for m in data["values"]["measurements"]:
        if m["period_id"] in finals:
            achieved[m["indicator_id"]] = "NV" if m.get("is_nv") else m.get("raw_value") or ""
    scores = {s["indicator_id"]: s.get("realization") for s in data["results"]["indicators"]}
    return [IndicatorFigure(i["id"], i["code"], i["name"], i.get("target_raw") or "", achieved.get(i["id"], ""),
                            None if scores.get(i["id"]) is None else Decimal(str(scores[i["id"]])))
            for i in sorted(data["plan"]["indicators"], key=lambda i: (i.get("position", 0), i["code"]))]


def workspace_context(cycle: Cycle, *, can_review: bool, can_answer: bool) -> dict:
    snapshot = current_snapshot(cycle)
    reviewing = snapshot is not None and cycle.state == Cycle.State.UNDER_VALIDATION
    findings: list[Row] = findings_for(cycle) if reviewing else []
    verifies = verify_snapshot(snapshot) if reviewing else None
    checks: list[Check] = checks_for_findings(snapshot, findings, verifies) if reviewing else []
    comments = list(ReviewComment.objects.filter(cycle=cycle).select_related("author", "indicator", "snapshot",
                                                                           "responded_by")
                    .defer("snapshot__data").order_by("-snapshot__number", "created_at", "pk"))
    decisions = list(ValidationDecision.objects.filter(cycle=cycle).select_related("snapshot", "decided_by")
                     .defer("snapshot__data").order_by("-decided_at", "-pk"))
    sections = section_choices(snapshot) if reviewing else []
    titles = dict(sections)
    for c in comments:
        c.where = comment_subject(c, titles)
    requests = open_requests(cycle)
    if requests:  # all of one refused snapshot: its section titles, read once
        request_titles = dict(section_choices(requests[0].snapshot))
        for r in requests:
            r.where = comment_subject(r, request_titles)
    in_flight = (ReportEdition.objects.filter(snapshot=snapshot, variant=ReportEdition.Variant.DRAFT,
                                              state__in=(ReportEdition.State.QUEUED, ReportEdition.State.RUNNING))
                 .first() if reviewing else None)
    return {
        "cycle": cycle, "snapshot": snapshot, "reviewing": reviewing, "verifies": verifies,
        "can_review": can_review and reviewing, "can_answer": can_answer,
        "findings": findings, "checks": checks,
        "failed": sum(c.outcome == "failed" for c in checks), "warnings": sum(c.outcome == "warning" for c in checks),
        "figures": indicator_figures(snapshot) if reviewing else [],
        "edition": draft_edition(snapshot) if reviewing else None, "edition_in_flight": in_flight,
        "comments": comments, "current_comments": [c for c in comments if reviewing and c.snapshot_id == snapshot.pk],
        "sections": sections, "decisions": decisions,
        "requests": requests, "targets": ReviewComment.Target.choices,
        "outcomes": ValidationDecision.Outcome.choices,
        "default_members": oiv_members(cycle) if can_review and reviewing else "",
    }
