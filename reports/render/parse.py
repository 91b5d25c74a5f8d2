"""The chunks' HTML parsed by libxml2 (lxml) instead of WeasyPrint's pure-Python HTML5 parser.

WeasyPrint parses with tinyhtml5, written in Python: on the demo's chunks that is 0.26 s of CPU, about
6% of the whole layout; libxml2 takes 0.02 s. The two parsers differ on malformed markup, which the
Relazione never contains: its HTML comes from our templates and from Markdown sanitised and
re-serialised by nh3. What remains is what the HTML5 algorithm does to foreign content: elements inside
``<svg>`` live in the SVG namespace with their camel-case names and attributes (viewBox, clipPath),
which WeasyPrint's SVG renderer looks for. ``tree()`` applies exactly tinyhtml5's own tables for that,
and a test compares both parsers' trees on the demo and on every construct the Markdown allows.
Anything libxml2 cannot parse goes to tinyhtml5 as before.
"""
from __future__ import annotations

from functools import cache
from xml.etree import ElementTree

import lxml.etree
import lxml.html


#: The HTML standard's table of SVG element names that the tokenizer lower-cases (§13.2.6.5, "adjust SVG
#: tag names"): libxml2 lower-cases them too, the HTML5 algorithm puts the capitals back.
SVG_CAMEL_CASE_TAGS = (
    "altGlyph altGlyphDef altGlyphItem animateColor animateMotion animateTransform clipPath feBlend feColorMatrix "
    "feComponentTransfer feComposite feConvolveMatrix feDiffuseLighting feDisplacementMap feDistantLight feFlood "
    "feFuncA feFuncB feFuncG feFuncR feGaussianBlur feImage feMerge feMergeNode feMorphology feOffset fePointLight "
    "feSpecularLighting feSpotLight feTile feTurbulence foreignObject glyphRef linearGradient radialGradient textPath"
).split()


@cache
def _svg_tables() -> tuple[str, dict[str, str], dict[str, str]]:
    # The attribute tables are data in tinyhtml5.constants (the same standard's "adjust SVG attributes"
    # and "adjust foreign attributes"): used as they are.
    from tinyhtml5.constants import adjust_foreign_attributes, adjust_svg_attributes, namespaces

    attributes = dict(adjust_svg_attributes)
    for name, (_prefix, local, namespace) in adjust_foreign_attributes.items():
        attributes[name] = f"{{{namespace}}}{local}"
    return "{%s}" % namespaces["svg"], {tag.lower(): tag for tag in SVG_CAMEL_CASE_TAGS}, attributes


def _convert(element, in_svg: bool, tables) -> ElementTree.Element:
    svg_ns, svg_tags, svg_attributes = tables
    tag, attributes = element.tag, dict(element.attrib)
    if in_svg or tag == "svg":
        in_svg = True
        tag = svg_ns + svg_tags.get(tag, tag)
        attributes = {svg_attributes.get(key, key): value for key, value in attributes.items()}
    out = ElementTree.Element(tag, attributes)
    out.text, out.tail = element.text, element.tail
    for child in element:
        if not isinstance(child.tag, str):  # a comment or processing instruction: keep only the text after it
            if len(out):
                out[-1].tail = (out[-1].tail or "") + (child.tail or "")
            else:
                out.text = (out.text or "") + (child.tail or "")
            continue
        out.append(_convert(child, in_svg, tables))
    return out


def tree(html: str) -> ElementTree.Element | None:
    """The document as the ElementTree tinyhtml5 would build (None when libxml2 refuses it)."""
    try:
        root = lxml.html.document_fromstring(html)
    except (lxml.etree.ParserError, ValueError):
        return None
    return _convert(root, False, _svg_tables())


def weasy_html(html: str, base_url: str | None):
    """A weasyprint.HTML for ``html``, parsed by libxml2 when it can be."""
    import cssselect2
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    root = tree(html)
    if root is None:
        return HTML(string=html, base_url=base_url)
    # What HTML.__init__ sets after parsing (WeasyPrint 70), with our tree instead of tinyhtml5's.
    document = HTML.__new__(HTML)
    document.base_url = base_url
    document.url_fetcher = URLFetcher()
    document.media_type = "print"
    document.wrapper_element = cssselect2.ElementWrapper.from_html_root(root, content_language=None)
    document.etree_element = document.wrapper_element.etree_element
    return document
