"""Narratives are Markdown typed in the browser; what reaches a page or the PDF is sanitised HTML.

The allowlist is deliberately small: text, lists, links, sub-headings, quotes, tables and code. Anything
else (scripts, frames, styles, event handlers, javascript: links, images) is removed, so a narrative can
never run code in someone else's browser nor pull a resource into the PDF."""
from __future__ import annotations

import re
from functools import lru_cache

import markdown as md
import nh3
from django.utils.safestring import SafeString, mark_safe

ALLOWED_TAGS = {
    "p", "br", "strong", "em", "ul", "ol", "li", "a", "h3", "h4", "h5", "h6", "blockquote",
    "table", "thead", "tbody", "tr", "th", "td", "code",
}
ALLOWED_ATTRIBUTES = {"a": {"href"}}
URL_SCHEMES = {"http", "https", "mailto"}
#: Removed together with what they contain (an iframe's fallback text is not narrative).
DROPPED_WITH_CONTENT = {"script", "style", "iframe", "object", "embed", "noscript", "template", "textarea", "title"}
EXTENSIONS = ["tables", "sane_lists"]

_HEADING = re.compile(r"<(/?)h([1-6])\b", re.IGNORECASE)
_ALLOWED_HREF = re.compile(r"^\s*(https?:|mailto:)", re.IGNORECASE)


def _demote(match: re.Match) -> str:
    # The section's own title is h1–h3 in the document: a "# " typed in a narrative is a heading under it.
    return f"<{match.group(1)}h{min(int(match.group(2)) + 2, 6)}"


def _filter_attribute(tag: str, attribute: str, value: str) -> str | None:
    # nh3 lets relative URLs through whatever the schemes; only absolute http(s)/mailto links are kept.
    if tag == "a" and attribute == "href" and not _ALLOWED_HREF.match(value):
        return None
    return value


def sanitize_html(html: str) -> str:
    return nh3.clean(
        html, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES, url_schemes=URL_SCHEMES,
        clean_content_tags=DROPPED_WITH_CONTENT, link_rel="noopener", strip_comments=True,
        attribute_filter=_filter_attribute,
    )


def render_markdown(text: str | None) -> SafeString:
    """The narrative as sanitised HTML, safe to put in a template as it is."""
    if not text or not text.strip():
        return mark_safe("")
    return mark_safe(_rendered(text))


@lru_cache(maxsize=1024)
def _rendered(text: str) -> str:
    # Narratives change rarely and every Relazione render converts all of them (a third of building the
    # sections): the same text gives the same HTML, so it is converted once per process.
    html = md.markdown(text, extensions=EXTENSIONS, output_format="html")
    return sanitize_html(_HEADING.sub(_demote, html))
