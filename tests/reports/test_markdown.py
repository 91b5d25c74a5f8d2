"""Narratives are rendered from Markdown and sanitised: text, lists, links and tables survive, code does not."""
from __future__ import annotations

from django.utils.safestring import SafeString

from reports.markdown import render_markdown


def test_scripts_and_frames_are_removed_with_their_content():
    html = render_markdown("Testo <script>alert('x')</script> e <iframe src='https://evil.example'>riserva</iframe> fine")
    assert "script" not in html and "alert" not in html
    assert "iframe" not in html and "riserva" not in html and "evil" not in html
    assert "Testo" in html and "fine" in html


def test_javascript_links_lose_their_target():
    html = render_markdown("[clic](javascript:alert(1)) e <a href=\"JaVaScRiPt:alert(2)\">due</a>")
    assert "javascript" not in html.lower() and "alert" not in html
    assert "clic" in html and "due" in html


def test_event_handlers_styles_and_images_are_removed():
    html = render_markdown('<p onclick="x()" style="color:red">a</p> <img src="x" onerror="y()"> **b**')
    assert "onclick" not in html and "style" not in html and "<img" not in html and "onerror" not in html
    assert "<strong>b</strong>" in html


def test_safe_links_are_kept_with_noopener():
    html = render_markdown("[sito](https://www.bg.camcom.gov.it) e [posta](mailto:urp@bg.camcom.it) e [qui](#x)")
    assert '<a href="https://www.bg.camcom.gov.it" rel="noopener">sito</a>' in html
    assert 'href="mailto:urp@bg.camcom.it"' in html
    assert 'href="#x"' not in html and "qui" in html


def test_tables_lists_and_quotes_are_kept():
    text = ("| FASI | Tempi |\n|---|---|\n| I | Gennaio/Marzo 2024 |\n\n"
            "- prassi;\n- linee guida.\n\n1. uno\n2. due\n\n> citazione\n\n*corsivo* e `codice`")
    html = render_markdown(text)
    for tag in ("<table>", "<thead>", "<tbody>", "<th>FASI</th>", "<td>Gennaio/Marzo 2024</td>", "<ul>", "<ol>",
                "<li>prassi;</li>", "<blockquote>", "<em>corsivo</em>", "<code>codice</code>"):
        assert tag in html


def test_headings_sit_under_the_section_title():
    html = render_markdown("# Primo\n\n## Secondo\n\n#### Quarto")
    assert "<h3>Primo</h3>" in html and "<h4>Secondo</h4>" in html and "<h6>Quarto</h6>" in html
    assert "<h1" not in html and "<h2" not in html


def test_result_is_safe_for_templates_and_empty_text_is_empty():
    assert isinstance(render_markdown("ciao"), SafeString)
    assert render_markdown("") == "" and render_markdown(None) == "" and render_markdown("  \n") == ""
