"""The Relazione's sections follow the seed's INDICE and the cycle's plan, and keep what users wrote."""
from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from performance.models import Cycle, Scorecard, StrategicObjective
from reports.demo import demo_narratives, load_demo_narratives
from reports.models import ReportSection
from reports.structure import default_sections, ensure_sections
from tests.seed_reference import REFERENCE

SEED_ORDER = [
    "premessa", "contesto", "contesto-quadro-economico", "contesto-normativo", "amministrazione",
    "struttura-organizzativa", "risorse-umane", "risorse-economiche", "indici-e-margini", "azienda-speciale",
    "performance-organizzativa", "mappa-strategica", "obiettivi-strategici",
    "so-1-1", "so-1-2", "so-1-3", "so-1-4", "so-1-5", "so-1-6", "so-2-1", "so-2-2", "so-2-3", "so-3-1", "so-3-2",
    "so-4-1", "obiettivi-comuni", "obiettivi-operativi",
    "unita-ag", "unita-prom", "unita-com", "unita-ri", "unita-sport", "unita-reg", "unita-rs", "unita-rf",
    "unita-ru", "unita-bgs", "bilancio-di-genere", "obiettivi-individuali", "individuale-sg", "individuale-dir",
    "processo", "variazioni-piano", "metodo",
]


def test_seed_layout_follows_the_indice(demo_cycle):
    specs = default_sections(demo_cycle, "seed")
    assert [s.key for s in specs] == SEED_ORDER

    def printed(spec) -> set[str]:  # chapters are "1. TITLE" in the INDICE, sub-sections "2.1 TITLE"
        return {spec.title, f"{spec.number} {spec.title}", f"{spec.number}. {spec.title}"}

    indice: list[str] = REFERENCE["indice"]  # the titles as printed, without dots and page numbers
    assert len(indice) == 30
    # Every INDICE entry is a section with that number and title, in the same order.
    positions = [next((k for k, s in enumerate(specs) if entry in printed(s)), None) for entry in indice]
    assert [e for e, p in zip(indice, positions) if p is None] == []
    assert positions == sorted(positions)


def test_all_strategic_objectives_and_scorecards_are_sections(demo_cycle):
    specs = {s.key: s for s in default_sections(demo_cycle, "seed")}
    objectives = StrategicObjective.objects.filter(cycle=demo_cycle)
    assert objectives.count() == 12
    for so in objectives:
        spec = specs[f"so-{so.code.replace('.', '-')}"]
        assert (spec.number, spec.title, spec.level, spec.ref) == (so.code, so.title, 3, so.code)
    assert specs["so-2-1"].title == "Efficientare i processi e l'organizzazione"
    units = Scorecard.objects.filter(cycle=demo_cycle, kind="unit").order_by("position")
    unit_specs = [s for s in specs.values() if s.kind == ReportSection.Kind.UNIT_SCORECARD]
    assert [s.ref for s in unit_specs] == [c.code for c in units]
    assert specs["unita-ag"].title == "AFFARI GENERALI"
    assert specs["unita-bgs"].title == "AZIENDA SPECIALE"
    people = [s for s in specs.values() if s.kind == ReportSection.Kind.INDIVIDUAL_SCORECARD]
    assert [(s.title, s.level) for s in people] == [("CRUSCOTTO DEL SEGRETARIO GENERALE", 2),
                                                    ("CRUSCOTTO DEL DIRIGENTE", 2)]


def test_dfp_layout_starts_with_the_summary_and_shares_keys(demo_cycle):
    seed = {s.key for s in default_sections(demo_cycle, "seed")}
    dfp = default_sections(demo_cycle, "dfp")
    assert [s.key for s in dfp][:3] == ["premessa", "sintesi", "contesto"]
    numbers = {s.key: s.number for s in dfp}
    assert (numbers["sintesi"], numbers["contesto"], numbers["performance-organizzativa"],
            numbers["obiettivi-individuali"], numbers["processo"]) == ("1", "2", "3", "4", "5")
    assert {s.key for s in dfp} - seed == {"sintesi"}
    assert dfp[-1].key == "metodo"


def test_ensure_sections_is_idempotent_and_keeps_edited_text(demo_cycle, django_assert_max_num_queries):
    sections = ensure_sections(demo_cycle, "seed")
    assert [s.key for s in sections] == SEED_ORDER
    premessa = ReportSection.objects.get(cycle=demo_cycle, layout="seed", key="premessa")
    premessa.narrative = "Testo riscritto dall'ufficio."
    premessa.title = "Titolo cambiato a mano"
    premessa.save()
    history = ReportSection.history.count()
    ensure_sections(demo_cycle, "seed")  # puts the title back, keeps the text
    premessa.refresh_from_db()
    assert (premessa.title, premessa.narrative) == ("PREMESSA", "Testo riscritto dall'ufficio.")
    with django_assert_max_num_queries(3):  # nothing to change: reads only
        again = ensure_sections(demo_cycle, "seed")
    assert [s.pk for s in again] == [s.pk for s in sections]
    assert ReportSection.history.count() == history + 1  # only the title fix was written


def test_ensure_sections_follows_the_plan(demo_cycle):
    ensure_sections(demo_cycle, "seed")
    StrategicObjective.objects.filter(cycle=demo_cycle, code="4.1").update(title="Nuovo titolo")
    Scorecard.objects.filter(cycle=demo_cycle, code="BGS").update(kind="strategic")  # no longer a unit card
    keys = [s.key for s in ensure_sections(demo_cycle, "seed")]
    assert "unita-bgs" not in keys
    assert not ReportSection.objects.filter(cycle=demo_cycle, layout="seed", key="unita-bgs").exists()
    assert ReportSection.objects.get(cycle=demo_cycle, layout="seed", key="so-4-1").title == "Nuovo titolo"
    positions = list(ReportSection.objects.filter(cycle=demo_cycle, layout="seed").values_list("position", flat=True))
    assert positions == list(range(1, len(keys) + 1))


def test_frozen_cycle_refuses_changes(demo_cycle):
    section = ReportSection.objects.get(cycle=demo_cycle, layout="seed", key="premessa")
    # The plan moved on before the freeze, but no one has opened the Relazione since.
    StrategicObjective.objects.filter(cycle=demo_cycle, code="4.1").update(title="Cambiato dopo")
    Cycle.objects.filter(pk=demo_cycle.pk).update(state=Cycle.State.VALIDATED)
    section.narrative = "Modifica tardiva"
    with pytest.raises(ValidationError, match="non si possono più modificare"):
        section.save()
    with pytest.raises(ValidationError):
        section.delete()
    # Structure is still readable (and not written) for the render of a validated cycle.
    demo_cycle.refresh_from_db()
    sections = ensure_sections(demo_cycle, "seed")
    assert len(sections) == len(SEED_ORDER)
    assert ReportSection.objects.get(cycle=demo_cycle, layout="seed", key="so-4-1").title != "Cambiato dopo"


def test_demo_narratives_are_loaded_in_both_layouts(demo_cycle):
    files = demo_narratives()
    assert "README" not in files and len(files) == 15
    for layout in ("seed", "dfp"):
        sections = {s.key: s for s in ReportSection.objects.filter(cycle=demo_cycle, layout=layout)}
        for key, text in files.items():
            assert sections[key].narrative == text, (layout, key)
        assert "D.Lgs. 150/2009" in sections["premessa"].narrative
        assert "delibera n. 2/2023" in sections["premessa"].narrative
        assert "| Fase | Quando | Che cosa | Chi |" in sections["processo"].narrative
        economy = sections["contesto-quadro-economico"].narrative
        assert "Grafic" not in economy and "Tabella 1" not in economy and "\t" not in economy
        assert "registrate sono 91.431" in economy
        assert sections["so-1-1"].narrative == ""  # the objective's own narrative is shown instead


def test_demo_narratives_keep_to_the_markdown_subset():
    """Hand-written texts: paragraphs, emphasis, lists and pipe tables only (no headings, HTML, links, tabs)."""
    for key, text in demo_narratives().items():
        assert text, key
        for line in text.splitlines():
            assert not line.lstrip().startswith("#"), (key, line)
            assert "<" not in line and "](" not in line and "\t" not in line, (key, line)


def test_load_demo_narratives_keeps_edits(demo_cycle):
    section = ReportSection.objects.get(cycle=demo_cycle, layout="seed", key="premessa")
    section.narrative = "Scritto da noi."
    section.save()
    empty = ReportSection.objects.get(cycle=demo_cycle, layout="seed", key="mappa-strategica")
    empty.narrative = ""
    empty.save()
    assert load_demo_narratives(demo_cycle) == 1
    section.refresh_from_db()
    empty.refresh_from_db()
    assert section.narrative == "Scritto da noi."
    assert empty.narrative.startswith("La mappa raccoglie gli obiettivi strategici")
    assert load_demo_narratives(demo_cycle) == 0
