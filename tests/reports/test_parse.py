"""reports.render.parse: libxml2 must give WeasyPrint the tree its own HTML5 parser would have built,
or the Relazione would lay out differently (an SVG chart left in the HTML namespace is not drawn)."""
from __future__ import annotations

import tempfile

import pytest
import tinyhtml5

from reports.content import build_sections, cover_html, toc_html
from reports.markdown import render_markdown
from reports.render.draft import DraftRenderer, DraftSource
from reports.render.parse import tree, weasy_html
from reports.render.pipeline import base_url, document_info

MARKDOWN = """# Titolo

Un paragrafo con **grassetto**, *corsivo*, `codice`, un [collegamento](https://example.org) e una riga  
spezzata; l'apostrofo, le "virgolette" & la e commerciale, < e > e 3 &lt; 4.

> Una citazione
> su due righe.

1. primo
2. secondo
    - annidato

| Obiettivo | Valore |
|---|---:|
| 1.1 | 95,5 % |

#### Sotto-titolo
"""


def _canonical(element, out: list) -> list:
    """Tags, attributes and non-blank text in document order (whitespace between blocks never matters)."""
    out.append(("<", element.tag, tuple(sorted(element.attrib.items()))))
    if (element.text or "").strip():
        out.append(("text", " ".join(element.text.split())))
    for child in element:
        _canonical(child, out)
    out.append((">", element.tag))
    if (element.tail or "").strip():
        out.append(("tail", " ".join(element.tail.split())))
    return out


def _same_tree(html: str) -> None:
    expected = _canonical(tinyhtml5.parse(html, namespace_html_elements=False), [])
    assert _canonical(tree(html), []) == expected


def test_markdown_narratives_parse_to_the_html5_tree():
    _same_tree(f'<!doctype html><html lang="it"><head><meta charset="utf-8"><title>t</title></head>'
               f'<body><div class="relazione-section">{render_markdown(MARKDOWN)}</div></body></html>')


def test_inline_svg_gets_the_svg_namespace_and_camel_case_names():
    html = ('<!doctype html><html><head><title>t</title></head><body><p>x</p><svg viewBox="0 0 10 10" xmlns="http://www.w3.org/2000/svg"><defs><linearGradient id="g"/>'
            '<clipPath id="c"><rect width="5" height="5"/></clipPath></defs><text x="1" y="9">A</text></svg></body></html>')
    _same_tree(html)
    root = tree(html)
    svg = root.find(".//{http://www.w3.org/2000/svg}svg")
    assert svg is not None and svg.get("viewBox") == "0 0 10 10"
    assert svg.find(".//{http://www.w3.org/2000/svg}clipPath") is not None


@pytest.mark.django_db
def test_every_chunk_of_the_demo_relazione_parses_to_the_html5_tree(demo_cycle):
    sections = build_sections(demo_cycle)
    source = DraftSource(sections=sections, css="", cover_html=cover_html(demo_cycle, "draft"), toc_html=toc_html,
                         info=document_info(demo_cycle), cache_dir=tempfile.mkdtemp(), base_url=base_url())
    renderer = DraftRenderer(source)
    chunks = [renderer.chunk("cover", source.cover_html), renderer.chunk("toc", toc_html(renderer.toc_entries(None))),
              *renderer.section_chunks()]
    assert any("<svg" in chunk.html for chunk in chunks)
    for chunk in chunks:
        _same_tree(chunk.html)


def test_markup_libxml2_refuses_falls_back_to_weasyprints_parser():
    assert weasy_html("", None).etree_element is not None
