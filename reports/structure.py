"""The Relazione's table of contents: which sections a cycle's report has, in which order, under which
number and title, for each layout. The fixed chapters come from the seed document (its INDICE) or from
the DFP guidelines n. 3/2018; the repeating sections follow the cycle's strategic objectives and
scorecards, so a plan with more objectives or units gets a longer report without anyone editing it."""
from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from performance.models import Cycle, Scorecard, StrategicObjective

from .models import FROZEN_STATES, Layout, ReportSection

Kind = ReportSection.Kind

#: Fields ensure_sections keeps in line with the specs; narrative and responsible belong to the users.
STRUCTURAL_FIELDS = ("number", "title", "level", "position", "kind", "ref")


@dataclass(frozen=True)
class SectionSpec:
    key: str
    number: str
    title: str
    level: int
    kind: str
    ref: str = ""


def objective_key(code: str) -> str:
    return "so-" + slugify(code.replace(".", "-"))


def unit_key(code: str) -> str:
    return "unita-" + slugify(code.lower())


def individual_key(code: str) -> str:
    return "individuale-" + slugify(code.lower())


def _objectives(cycle: Cycle) -> list[StrategicObjective]:
    # Perspective order first: the seed prints 1.x, then 2.x, ... whatever the objectives' own positions.
    return list(StrategicObjective.objects.filter(cycle=cycle)
                .order_by("perspective__position", "perspective__code", "position", "code")
                .only("code", "title"))


def _scorecards(cycle: Cycle) -> list[Scorecard]:
    return list(Scorecard.objects.filter(cycle=cycle, kind__in=[Scorecard.Kind.UNIT, Scorecard.Kind.INDIVIDUAL])
                .order_by("position", "code").only("code", "title", "kind"))


def _seed(objectives: list[StrategicObjective], units: list[Scorecard], people: list[Scorecard]) -> list[SectionSpec]:
    """Chapters 1–4 as the Camera di commercio di Bergamo prints them (titles as in the seed's INDICE)."""
    S = SectionSpec
    return [
        S("premessa", "", _("PREMESSA"), 1, Kind.NARRATIVE),
        S("contesto", "1", _("ANALISI DEL CONTESTO E DELLE RISORSE"), 1, Kind.NARRATIVE),
        S("contesto-quadro-economico", "", _("IL QUADRO ECONOMICO"), 2, Kind.CONTEXT_ECONOMY),
        S("contesto-normativo", "", _("IL CONTESTO NORMATIVO E ISTITUZIONALE"), 2, Kind.NARRATIVE),
        S("amministrazione", "", _("L'AMMINISTRAZIONE"), 2, Kind.ORGANS),
        S("struttura-organizzativa", "", _("La struttura organizzativa"), 2, Kind.ORG_CHART),
        S("risorse-umane", "", _("Le risorse umane"), 2, Kind.STAFF),
        S("risorse-economiche", "", _("Le risorse economiche"), 2, Kind.RESOURCES),
        S("indici-e-margini", "", _("INDICI E MARGINI"), 2, Kind.INDICES),
        S("azienda-speciale", "", _("L'Azienda Speciale"), 2, Kind.SPECIAL_AGENCY),
        S("performance-organizzativa", "2", _("RENDICONTAZIONE DELLA PERFORMANCE ORGANIZZATIVA"), 1, Kind.NARRATIVE),
        S("mappa-strategica", "2.1", _("MAPPA STRATEGICA"), 2, Kind.STRATEGIC_MAP),
        S("obiettivi-strategici", "2.2", _("RENDICONTAZIONE DEGLI OBIETTIVI STRATEGICI"), 2, Kind.NARRATIVE),
        *(S(objective_key(o.code), o.code, o.title, 3, Kind.STRATEGIC_OBJECTIVE, o.code) for o in objectives),
        S("obiettivi-comuni", "2.3", _("OBIETTIVI COMUNI DI SISTEMA"), 2, Kind.COMMON_OBJECTIVES),
        S("obiettivi-operativi", "2.4", _("OBIETTIVI OPERATIVI"), 2, Kind.NARRATIVE),
        # The seed prints unit and individual headings in capitals ("AFFARI GENERALI").
        *(S(unit_key(c.code), "", c.title.upper(), 3, Kind.UNIT_SCORECARD, c.code) for c in units),
        S("bilancio-di-genere", "2.5", _("BILANCIO DI GENERE"), 2, Kind.GENDER),
        S("obiettivi-individuali", "3", _("RENDICONTAZIONE DEGLI OBIETTIVI INDIVIDUALI"), 1, Kind.NARRATIVE),
        *(S(individual_key(c.code), "", c.title.upper(), 2, Kind.INDIVIDUAL_SCORECARD, c.code) for c in people),
        S("processo", "4", _("IL PROCESSO DI MISURAZIONE E VALUTAZIONE"), 1, Kind.NARRATIVE),
        # In-year changes with their acts must appear in the Relazione (D.Lgs. 150/2009, DFP guidelines).
        S("variazioni-piano", "", _("Le variazioni intervenute nel corso dell'anno"), 2, Kind.PLAN_CHANGES),
        S("metodo", "", _("Appendice – Il metodo di calcolo"), 1, Kind.METHOD),
    ]


def _dfp(objectives: list[StrategicObjective], units: list[Scorecard], people: list[Scorecard]) -> list[SectionSpec]:
    """The DFP guidelines n. 3/2018 order: a summary first, then the same content re-numbered. Keys are
    the seed's wherever the content is the same, so a narrative can be copied from one layout to the other."""
    S = SectionSpec
    return [
        S("premessa", "", _("Presentazione"), 1, Kind.NARRATIVE),
        S("sintesi", "1", _("Sintesi delle informazioni di interesse per i cittadini e gli altri stakeholder"), 1,
          Kind.RESULTS_SUMMARY),
        S("contesto", "2", _("Analisi del contesto e delle risorse"), 1, Kind.NARRATIVE),
        S("contesto-quadro-economico", "2.1", _("Il quadro economico"), 2, Kind.CONTEXT_ECONOMY),
        S("contesto-normativo", "2.2", _("Il contesto normativo e istituzionale"), 2, Kind.NARRATIVE),
        S("amministrazione", "2.3", _("L'amministrazione"), 2, Kind.ORGANS),
        S("struttura-organizzativa", "2.4", _("La struttura organizzativa"), 2, Kind.ORG_CHART),
        S("risorse-umane", "2.5", _("Le risorse umane"), 2, Kind.STAFF),
        S("risorse-economiche", "2.6", _("Le risorse economiche"), 2, Kind.RESOURCES),
        S("indici-e-margini", "2.7", _("Indici e margini"), 2, Kind.INDICES),
        S("azienda-speciale", "2.8", _("L'azienda speciale e le partecipazioni"), 2, Kind.SPECIAL_AGENCY),
        S("performance-organizzativa", "3", _("Misurazione e valutazione della performance organizzativa"), 1,
          Kind.NARRATIVE),
        S("mappa-strategica", "3.1", _("Mappa strategica"), 2, Kind.STRATEGIC_MAP),
        S("obiettivi-strategici", "3.2", _("Obiettivi strategici"), 2, Kind.NARRATIVE),
        *(S(objective_key(o.code), o.code, o.title, 3, Kind.STRATEGIC_OBJECTIVE, o.code) for o in objectives),
        S("obiettivi-comuni", "3.3", _("Obiettivi comuni di sistema"), 2, Kind.COMMON_OBJECTIVES),
        S("obiettivi-operativi", "3.4", _("Obiettivi operativi"), 2, Kind.NARRATIVE),
        *(S(unit_key(c.code), "", c.title, 3, Kind.UNIT_SCORECARD, c.code) for c in units),
        S("bilancio-di-genere", "3.5", _("Bilancio di genere"), 2, Kind.GENDER),
        S("obiettivi-individuali", "4", _("Misurazione e valutazione degli obiettivi individuali"), 1,
          Kind.NARRATIVE),
        *(S(individual_key(c.code), "", c.title, 2, Kind.INDIVIDUAL_SCORECARD, c.code) for c in people),
        S("processo", "5", _("Il processo di misurazione e valutazione"), 1, Kind.NARRATIVE),
        S("variazioni-piano", "5.1", _("Le variazioni intervenute nel corso dell'anno"), 2, Kind.PLAN_CHANGES),
        S("metodo", "", _("Appendice – Il metodo di calcolo"), 1, Kind.METHOD),
    ]


def default_sections(cycle: Cycle, layout: str = Layout.SEED) -> list[SectionSpec]:
    """The sections the cycle's Relazione has in ``layout``, in document order (two queries)."""
    builders = {Layout.SEED: _seed, Layout.DFP: _dfp}
    if layout not in builders:
        raise ValueError(_("Struttura della Relazione sconosciuta: «%(layout)s».") % {"layout": layout})
    cards = _scorecards(cycle)
    units = [c for c in cards if c.kind == Scorecard.Kind.UNIT]
    people = [c for c in cards if c.kind == Scorecard.Kind.INDIVIDUAL]
    return builders[layout](_objectives(cycle), units, people)


def ensure_sections(cycle: Cycle, layout: str = Layout.SEED) -> list[ReportSection]:
    """The cycle's sections in ``layout``, in order, with the rows brought in line with the plan.

    Missing rows are created, number/title/level/position/kind/ref of existing ones follow the specs and
    rows whose objective or scorecard is gone are removed; narratives and responsibles are never touched.
    Idempotent: a second call writes nothing. A frozen cycle (in validation or later) is never written:
    its rows are returned as they are, with any missing section as an unsaved row, so it still renders.
    """
    specs = default_sections(cycle, layout)
    existing = {s.key: s for s in ReportSection.objects.filter(cycle=cycle, layout=layout)}
    result: list[ReportSection] = []
    to_create: list[ReportSection] = []
    to_update: list[ReportSection] = []
    for position, spec in enumerate(specs, 1):
        wanted = {"number": spec.number, "title": spec.title[:300], "level": spec.level, "position": position,
                  "kind": spec.kind, "ref": spec.ref}
        section = existing.pop(spec.key, None)
        if section is None:
            section = ReportSection(cycle=cycle, layout=layout, key=spec.key, **wanted)
            to_create.append(section)
        elif any(getattr(section, f) != v for f, v in wanted.items()):
            for field, value in wanted.items():
                setattr(section, field, value)
            to_update.append(section)
        result.append(section)
    gone = list(existing.values())
    if not (to_create or to_update or gone):
        return result
    # Read the state from the database: the caller's cycle may predate the freeze.
    if Cycle.objects.filter(pk=cycle.pk, state__in=FROZEN_STATES).exists():
        return result
    with transaction.atomic():
        if gone:
            # One by one so that the history keeps each removed narrative (few rows, only when the plan changed).
            for section in gone:
                section.delete()
        if to_update:
            bulk_update_with_history(to_update, ReportSection, list(STRUCTURAL_FIELDS), batch_size=200)
        if to_create:
            created = {s.key: s for s in bulk_create_with_history(to_create, ReportSection, batch_size=200)}
            # bulk_create_with_history may return fresh objects without the pk on some backends: reload.
            if any(s.pk is None for s in created.values()):
                fresh = {s.key: s for s in ReportSection.objects.filter(cycle=cycle, layout=layout)}
                result = [fresh[s.key] for s in result]
    return result
