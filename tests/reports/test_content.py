"""What the Relazione shows and how it prints: the demo cycle rendered once in a single WeasyPrint pass."""
from __future__ import annotations

import re
import shutil
import subprocess
from decimal import Decimal
from html import unescape
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from performance.models import (
    Assignment,
    Cycle,
    Indicator,
    IndicatorScore,
    Level,
    Measurement,
    OperationalObjective,
    Period,
    RollupResult,
    Scorecard,
    StrategicObjective,
)
from reports.content import (
    build_sections,
    cover_html,
    document_css,
    full_document_html,
    toc_html,
)
from reports.content.data import load_plan
from reports.content.formatting import pct
from reports.content.tables import objective_entries

#: The seed's INDICE (chapter and section headings), as the PDF must print them.
SEED_HEADINGS = [
    "PREMESSA", "1. ANALISI DEL CONTESTO E DELLE RISORSE", "IL QUADRO ECONOMICO",
    "IL CONTESTO NORMATIVO E ISTITUZIONALE", "L'AMMINISTRAZIONE", "La struttura organizzativa", "Le risorse umane",
    "Le risorse economiche", "INDICI E MARGINI", "2. RENDICONTAZIONE DELLA PERFORMANCE ORGANIZZATIVA",
    "2.1 MAPPA STRATEGICA", "2.2 RENDICONTAZIONE DEGLI OBIETTIVI STRATEGICI", "1.1 Attrattività del territorio",
    "1.2 Creazione, sviluppo e formazione d'impresa", "1.3 Transizione digitale ed ecologica",
    "1.5 Semplificazione", "1.6 Tutelare la trasparenza del mercato", "2.2 Valorizzare le informazioni economiche",
    "2.3 Migliorare la comunicazione istituzionale", "3.1 Qualificare e sviluppare le professionalità",
    "2.3 OBIETTIVI COMUNI DI SISTEMA", "2.4 OBIETTIVI OPERATIVI", "2.5 BILANCIO DI GENERE",
    "3. RENDICONTAZIONE DEGLI OBIETTIVI INDIVIDUALI", "CRUSCOTTO DEL SEGRETARIO GENERALE",
    "CRUSCOTTO DEL DIRIGENTE", "4. IL PROCESSO DI MISURAZIONE E VALUTAZIONE",
]
needs_poppler = pytest.mark.skipif(not shutil.which("pdftotext") or not shutil.which("pdffonts"),
                                   reason="poppler-utils not installed")


def _flat(text: str) -> str:
    """PDF text with line breaks and hyphenation undone, so headings that wrap still match."""
    text = text.replace("\u2010\n", "").replace("-\n", "-")
    return re.sub(r"\s+", " ", text)


@pytest.fixture(scope="module")
def rendered(django_db_setup, django_db_blocker, tmp_path_factory):
    """The demo Relazione: its sections, the single-pass HTML and PDF, the PDF's text."""
    from weasyprint import HTML

    with django_db_blocker.unblock():
        cycle = Cycle.objects.select_related("entity").get(entity__code="cciaa-bergamo", year=2023)
        sections = build_sections(cycle)
        # "pdfa" has no watermark: its letters would be mixed into the extracted text.
        html = full_document_html(cycle, variant="pdfa", sections=sections)
    path = tmp_path_factory.mktemp("relazione") / "relazione.pdf"
    document = HTML(string=html, base_url=".").render()
    path.write_bytes(document.write_pdf())
    text = ""
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                              check=True).stdout
    return {"sections": {s.key: s for s in sections}, "html": html, "pdf": path, "text": text,
            "pages": len(document.pages)}


def _rows(html: str) -> list[str]:
    return [unescape(re.sub(r"<[^>]+>", " ", chunk)) for chunk in html.split("<tr")[1:]]


@needs_poppler
@pytest.mark.django_db  # ordered with the database tests, before any transactional test empties it
def test_every_chapter_of_the_seed_index_is_printed(rendered):
    text = _flat(rendered["text"])
    missing = [h for h in SEED_HEADINGS if h not in text]
    assert not missing
    # The seed has about 65 pages; our narratives are shorter than its prose (54 pages at issue 14), while
    # every chapter above and every table (tests below) is still there.
    assert 45 <= rendered["pages"] <= 70


@pytest.mark.django_db
def test_each_strategic_objective_table_lists_its_indicators_with_the_computed_realization(rendered, demo_cycle):
    plan = load_plan(demo_cycle)
    for objective in plan.objectives:
        section = rendered["sections"][f"so-{objective.code.replace('.', '-')}"]
        rows = _rows(section.html)
        entries = objective_entries(plan, objective)
        assert entries
        for indicator, _assignment in entries:
            row = next((r for r in rows if " ".join(indicator.name.split()) in " ".join(r.split())), None)
            assert row is not None, indicator.name
            expected = pct(indicator.score.realization) if indicator.score.realization is not None else "NV"
            assert expected in row or indicator.score.status != "scored", (indicator.code, row)
        # the objective's own realization (engine roll-up) next to its heading
        assert pct(plan.rollup(Level.STRATEGIC, objective.pk)) in section.html


@pytest.mark.django_db
def test_every_unit_and_individual_scorecard_has_its_table_and_overall_realization(rendered, demo_cycle):
    cards = Scorecard.objects.filter(cycle=demo_cycle, kind__in=["unit", "individual"])
    rollups = dict(RollupResult.objects.filter(cycle=demo_cycle, level=Level.SCORECARD)
                   .values_list("object_id", "realization"))
    for card in cards:
        prefix = "unita-" if card.kind == "unit" else "individuale-"
        section = rendered["sections"][prefix + card.code.lower()]
        assert card.title.upper() in section.html
        assert pct(rollups[card.pk]) in section.html
        names = Assignment.objects.filter(scorecard=card).values_list("indicator__name", flat=True)
        flat = " ".join(unescape(section.html).split())
        assert all(" ".join(name.split()) in flat for name in names)


@needs_poppler
@pytest.mark.django_db  # ordered with the database tests, before any transactional test empties it
def test_figures_are_printed_in_italian_format(rendered):
    text = rendered["text"]
    assert "98,77%" in text  # ISO 9001 project, computed realization
    assert "13.232.118" in text  # diritto annuale, consuntivo
    assert "1.284" in text  # Excelsior: young people involved
    assert "98.77%" not in text and "13,232,118" not in text
    assert "pagina 3 di" in text


@pytest.mark.django_db
def test_a_seed_inconsistency_is_marked_with_a_numbered_note(rendered):
    # The dirigente's card: an event due 30/04/2023 held on 09/05/2023, printed as 100% in the seed.
    html = unescape(rendered["sections"]["individuale-dir"].html)
    row = next(r for r in _rows(html) if "Dashboard" in r and "Comune in cifre" in r)
    assert "09/05/2023" in row and "30/04/2023" in row and "0%" in row
    mark = re.search(r"†(\d+)", row).group(0)
    note = " ".join(re.sub(r"<[^>]+>", " ", html[html.index("rs-notes"):]).split())
    assert f"{mark} 1.5.03.08" in note
    assert "scadenza rispettata in ritardo" in note and "Nel documento di origine: 100%" in note


@pytest.mark.django_db
def test_sections_are_built_in_a_constant_number_of_queries(demo_cycle):
    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            build_sections(demo_cycle)
        return len(queries)

    build_sections(demo_cycle)  # sections created once; from here on only reads
    before = count()
    op = OperationalObjective.objects.filter(cycle=demo_cycle, strategic_objective__code="1.1").first()
    period = Period.objects.get(cycle=demo_cycle, is_final=True)
    cards = list(Scorecard.objects.filter(cycle=demo_cycle, code__in=["ENTE", "AG"]))
    new = Indicator.objects.bulk_create([
        Indicator(cycle=demo_cycle, operational_objective=op, code=f"X.{n}", name=f"Indicatore aggiunto {n}",
                  kind="number", target_raw="10", target_number=Decimal(10), position=900 + n) for n in range(30)])
    Measurement.objects.bulk_create([Measurement(indicator=i, period=period, raw_value="12",
                                                 value_number=Decimal(12)) for i in new])
    IndicatorScore.objects.bulk_create([IndicatorScore(indicator=i, cycle=demo_cycle, realization=Decimal(100),
                                                       status="scored", flags="over_cap") for i in new])
    Assignment.objects.bulk_create([Assignment(scorecard=c, indicator=i, position=900 + n)
                                    for c in cards for n, i in enumerate(new)])
    assert count() == before
    html = next(s.html for s in build_sections(demo_cycle) if s.key == "so-1-1")
    assert "Indicatore aggiunto 29" in html


@needs_poppler
@pytest.mark.django_db  # ordered with the database tests, before any transactional test empties it
def test_fonts_are_embedded(rendered):
    out = subprocess.run(["pdffonts", str(rendered["pdf"])], capture_output=True, text=True, check=True).stdout
    fonts = out.splitlines()[2:]
    assert any("Titillium" in line for line in fonts)
    assert all(line.split()[-5] == "yes" for line in fonts)  # emb column


@pytest.mark.django_db  # ordered with the database tests, before any transactional test empties it
def test_document_metadata_and_language(rendered):
    html = rendered["html"]
    assert '<html lang="it">' in html
    assert "<title>Relazione sulla Performance 2023 – Camera di commercio di Bergamo</title>" in html
    assert '<meta name="author" content="Camera di commercio di Bergamo">' in html
    import pikepdf

    with pikepdf.open(rendered["pdf"]) as pdf:
        assert str(pdf.docinfo["/Title"]).startswith("Relazione sulla Performance 2023")


@pytest.mark.django_db  # the Titillium faces are converted to TrueType under MEDIA_ROOT
def test_print_css_page_furniture_and_watermark():
    draft, final = document_css("draft"), document_css("pdfa")
    assert "size: A4" in draft and "counter(pages)" in draft and "string-set: chapter" in draft
    assert "table-header-group" in draft and "break-inside: avoid" in draft
    assert "BOZZA" in draft and "position: fixed" in draft
    assert "BOZZA" not in final
    assert "format('truetype')" in draft and "DejaVu Sans" in draft
    faces = re.findall(r"url\('file://([^']+)'\)", draft)
    assert len(faces) == 7 and all(Path(face).read_bytes()[:4] == b"\x00\x01\x00\x00" for face in faces)


def test_toc_with_known_page_numbers():
    html = toc_html([("", "PREMESSA", 1, 3), ("2.1", "MAPPA STRATEGICA", 2, 19), ("1.1", "Attrattività", 3, None)])
    pages = re.findall(r'<span class="toc-page">(\d*)</span>', html)
    assert pages == ["3", "19", ""]  # the entry whose page is not known yet has an empty cell
    assert "MAPPA STRATEGICA" in html


@pytest.mark.django_db
def test_cover_names_entity_year_and_variant(demo_cycle):
    html = cover_html(demo_cycle, "draft")
    assert "Camera di commercio di Bergamo" in html and "2023" in html and "Bozza" in html


@pytest.mark.django_db
def test_strategic_map_is_an_accessible_svg_with_every_objective(rendered, demo_cycle):
    html = rendered["sections"]["mappa-strategica"].html
    assert 'role="img"' in html and "<title" in html and "<desc" in html
    desc = unescape(re.search(r"<desc[^>]*>(.*?)</desc>", html, re.S).group(1))
    for code, title in StrategicObjective.objects.filter(cycle=demo_cycle).values_list("code", "title"):
        assert f"{code} {title}" in desc
    assert html.count('class="chart"') >= 2  # realization by perspective and by unit


@pytest.mark.django_db
def test_narratives_are_sanitised_and_objective_narrative_comes_from_the_objective(demo_cycle):
    from reports.models import ReportSection

    build_sections(demo_cycle)
    ReportSection.objects.filter(cycle=demo_cycle, layout="seed", key="premessa").update(
        narrative="Testo <script>alert(1)</script> **in grassetto**")
    StrategicObjective.objects.filter(cycle=demo_cycle, code="1.1").update(narrative="Racconto *dell'obiettivo*.")
    sections = {s.key: s for s in build_sections(demo_cycle)}
    assert "<script" not in sections["premessa"].html and "<strong>in grassetto</strong>" in sections["premessa"].html
    assert "Racconto <em>dell&#x27;obiettivo</em>" in sections["so-1-1"].html or \
        "Racconto <em>dell'obiettivo</em>" in sections["so-1-1"].html


@pytest.mark.django_db
def test_method_appendix_states_the_rules_in_words(rendered):
    html = rendered["sections"]["metodo"].html
    assert "realizzazione = valore ottenuto ÷ risultato atteso × 100" in unescape(html)


@pytest.mark.django_db
def test_dfp_layout_builds_with_the_summary(demo_cycle):
    sections = build_sections(demo_cycle, layout="dfp")
    summary = next(s for s in sections if s.key == "sintesi")
    assert "Realizzazione complessiva" in summary.html
