"""build_sections: every section of a cycle's Relazione as print-ready HTML, in document order.

Each section is self-contained (the renderer may lay it out alone): it carries its heading, the title of
the chapter it belongs to (for the running header) and its data. All data is loaded up front in a fixed
number of queries (data.py); per section only templates are rendered.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from budget.chart_data import budget_chart, staff_chart
from organization.orgchart import org_chart_svg
from performance.engine.rules import RuleSet, RuleSetError
from performance.models import Cycle, Level, PlanChange
from reports.charts import grouped_bar_chart
from reports.markdown import render_markdown
from reports.models import ReportSection
from reports.structure import ensure_sections

from .data import ContextData, PlanData, load_context, load_plan
from .formatting import pct
from .strategic_map import MapObjective, MapPerspective, strategic_map_svg
from .tables import common_table, objective_entries, scorecard_entries, scorecard_table

Kind = ReportSection.Kind


@dataclass(frozen=True)
class SectionHTML:
    key: str
    number: str
    title: str
    level: int
    kind: str
    html: str


@dataclass
class _Env:
    cycle: Cycle
    plan: PlanData
    context: ContextData


def heading_text(number: str, title: str) -> str:
    return f"{number}. {title}" if number and "." not in number else f"{number} {title}".strip()


# ------------------------------------------------------------------------------------------ per kind

def _strategic_map(env: _Env, section: ReportSection) -> dict[str, Any]:
    plan = env.plan
    perspectives = []
    for p in plan.perspectives:
        objectives = [MapObjective(o.code, o.title, plan.rollup(Level.STRATEGIC, o.pk))
                      for o in plan.objectives if o.perspective_id == p.pk]
        perspectives.append(MapPerspective(p.name, objectives))
    year = env.cycle.year
    svg = strategic_map_svg(perspectives, title=_("Mappa strategica %(year)s: realizzazione degli obiettivi "
                                                  "strategici") % {"year": year})
    by_perspective = grouped_bar_chart(
        _("Realizzazione per prospettiva %(year)s") % {"year": year}, [p.name for p in plan.perspectives],
        [(_("Realizzazione"), [plan.rollup(Level.PERSPECTIVE, p.pk) for p in plan.perspectives])],
        unit="%", decimals=2) if plan.perspectives else ""
    cards = [s for s in plan.scorecards if s.kind == "unit"]
    by_unit = grouped_bar_chart(
        _("Realizzazione dei cruscotti delle unità organizzative %(year)s") % {"year": year},
        [s.title for s in cards], [(_("Realizzazione"), [plan.rollup(Level.SCORECARD, s.pk) for s in cards])],
        unit="%", decimals=2) if cards else ""
    return {"map": svg, "perspective_chart": by_perspective, "unit_chart": by_unit,
            "entity_realization": pct(plan.entity_realization)}


def _strategic_objective(env: _Env, section: ReportSection) -> dict[str, Any]:
    objective = env.plan.objective(section.ref)
    if objective is None:
        return {"missing": True}
    return {"objective": objective, "objective_narrative": render_markdown(objective.narrative),
            "realization": pct(env.plan.rollup(Level.STRATEGIC, objective.pk)),
            "table": scorecard_table(env.plan, objective_entries(env.plan, objective))}


def _scorecard(env: _Env, section: ReportSection) -> dict[str, Any]:
    card = env.plan.scorecard(section.ref)
    if card is None:
        return {"missing": True}
    return {"scorecard": card, "realization": pct(env.plan.rollup(Level.SCORECARD, card.pk)),
            "table": scorecard_table(env.plan, scorecard_entries(env.plan, card.pk))}


def _common(env: _Env, section: ReportSection) -> dict[str, Any]:
    card = next((s for s in env.plan.scorecards if s.kind == "common"), None)
    return {"table": common_table(env.plan),
            "realization": pct(env.plan.rollup(Level.SCORECARD, card.pk)) if card else ""}


def _context_economy(env: _Env, section: ReportSection) -> dict[str, Any]:
    return {"tables": env.context.tables}


def _organs(env: _Env, section: ReportSection) -> dict[str, Any]:
    return {"organs": env.context.organs}


def _org_chart(env: _Env, section: ReportSection) -> dict[str, Any]:
    units = env.context.units
    title = _("Organigramma della %(entity)s al 31.12.%(year)s") % {"entity": env.cycle.entity.name,
                                                                     "year": env.cycle.year}
    return {"chart": org_chart_svg(units, title=title) if units else ""}


def _staff(env: _Env, section: ReportSection) -> dict[str, Any]:
    data = env.context.staff
    table = data.table if data is not None else None
    return {"data": data, "t": table, "chart": staff_chart(table) if table else ""}


def _resources(env: _Env, section: ReportSection) -> dict[str, Any]:
    budget = env.context.resources.entity_budget if env.context.resources else None
    return {"budget": budget, "chart": budget_chart(budget) if budget else ""}


def _indices(env: _Env, section: ReportSection) -> dict[str, Any]:
    data = env.context.resources
    return {"indices": data.indices if data else [], "years": data.index_years if data else []}


def _special_agency(env: _Env, section: ReportSection) -> dict[str, Any]:
    data = env.context.resources
    agencies = [(a, budget_chart(a)) for a in data.agencies] if data else []
    return {"agencies": agencies, "participations": data.participations if data else []}


def _gender(env: _Env, section: ReportSection) -> dict[str, Any]:
    data = env.context.staff
    table = data.table if data is not None else None
    comparison = data.comparison if data else None
    chart = ""
    if comparison is not None:
        # Women and men in service, the year before and this year (the staff chart by area is in 1).
        rows = [r for r in comparison.in_service if r.previous is not None][:2]
        if rows:
            chart = grouped_bar_chart(
                _("Personale in servizio per genere, %(prev)s e %(year)s") % {"prev": env.cycle.year - 1,
                                                                             "year": env.cycle.year},
                [r.label for r in rows], [(str(env.cycle.year - 1), [r.previous for r in rows]),
                                          (str(env.cycle.year), [r.current for r in rows])])
    return {"data": data, "t": table, "c": comparison, "chart": chart}


def _method(env: _Env, section: ReportSection) -> dict[str, Any]:
    try:
        rules = RuleSet.from_dict(env.cycle.rules or {})
    except RuleSetError as exc:
        return {"rules_error": str(exc), "lines": []}
    return {"lines": rules.describe(), "version": rules.version}


def _plan_changes(env: _Env, section: ReportSection) -> dict[str, Any]:
    return {"changes": list(PlanChange.objects.filter(cycle=env.cycle).order_by("changed_on", "pk"))}


def _results_summary(env: _Env, section: ReportSection) -> dict[str, Any]:
    plan = env.plan
    rows = [(p, pct(plan.rollup(Level.PERSPECTIVE, p.pk)),
             [(o, pct(plan.rollup(Level.STRATEGIC, o.pk))) for o in plan.objectives if o.perspective_id == p.pk])
            for p in plan.perspectives]
    cards = [(s, pct(plan.rollup(Level.SCORECARD, s.pk))) for s in plan.scorecards]
    return {"rows": rows, "cards": cards, "entity_realization": pct(plan.entity_realization),
            "indicator_count": len(plan.indicators), **_strategic_map(env, section)}


BUILDERS: dict[str, Callable[[_Env, ReportSection], dict[str, Any]]] = {
    Kind.STRATEGIC_MAP: _strategic_map, Kind.STRATEGIC_OBJECTIVE: _strategic_objective,
    Kind.UNIT_SCORECARD: _scorecard, Kind.INDIVIDUAL_SCORECARD: _scorecard, Kind.COMMON_OBJECTIVES: _common,
    Kind.CONTEXT_ECONOMY: _context_economy, Kind.ORGANS: _organs, Kind.ORG_CHART: _org_chart,
    Kind.STAFF: _staff, Kind.RESOURCES: _resources, Kind.INDICES: _indices,
    Kind.SPECIAL_AGENCY: _special_agency, Kind.GENDER: _gender, Kind.METHOD: _method,
    Kind.RESULTS_SUMMARY: _results_summary, Kind.PLAN_CHANGES: _plan_changes,
}


def build_sections(cycle: Cycle, *, layout: str = "seed") -> list[SectionHTML]:
    """Every section of the cycle's Relazione in ``layout``, rendered (a constant number of queries)."""
    sections = ensure_sections(cycle, layout)
    env = _Env(cycle, load_plan(cycle), load_context(cycle, {s.kind for s in sections}))
    out: list[SectionHTML] = []
    chapter = ""
    for section in sections:
        if section.level == 1 or not chapter:
            chapter = heading_text(section.number, section.title)
        extra = BUILDERS.get(section.kind, lambda e, s: {})(env, section)
        context = {"cycle": cycle, "year": cycle.year, "section": section, "chapter": chapter,
                   "level": min(section.level, 4), "narrative": render_markdown(section.narrative), **extra}
        html = render_to_string(f"reports/sections/{section.kind}.html", context)
        out.append(SectionHTML(section.key, section.number, section.title, section.level, section.kind, html))
    return out
