"""The documento di validazione: a short A4 PDF from a Django template, laid out by WeasyPrint.

It carries what the OIV decided and on what: entity, cycle, the snapshot (number and SHA-256), the
outcome in words, the reasons, the checks made with their outcome, the comments and requests, the
members and a signature area. The fonts are the Relazione's (Titillium Web, converted once to TrueType),
so the two documents published side by side look like one family.
"""
from __future__ import annotations

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from .checks import outcome_label
from .models import ReviewComment, ValidationDecision
from .services import comment_subject

#: (weight, file suffix) of the Titillium Web faces the document uses.
FACES = ((400, "regular"), (400, "italic"), (600, "600"), (700, "700"))


def _font_faces() -> str:
    from reports.content.document import truetype_face

    rules = []
    for weight, suffix in FACES:
        path = truetype_face(suffix)
        if path is not None:
            style = "italic" if suffix == "italic" else "normal"
            rules.append(f"@font-face {{ font-family: 'Titillium Web'; font-weight: {weight}; font-style: {style}; "
                         f"src: url('{path.as_uri()}') format('truetype'); }}")
    return "\n".join(rules)


def document_html(decision: ValidationDecision, *, comments: list[ReviewComment], sections: dict[str, str]) -> str:
    from reports.content.formatting import long_date

    cycle = decision.cycle
    checks = [{**c, "outcome_label": outcome_label(c["outcome"])} for c in decision.checks]
    rows = [{"comment": c, "where": comment_subject(c, sections)} for c in comments]
    return render_to_string("validation/document.html", {
        "decision": decision, "cycle": cycle, "entity": cycle.entity, "snapshot": decision.snapshot,
        "checks": checks, "comments": rows, "members": [m for m in decision.members.splitlines() if m.strip()],
        "decided_on": long_date(timezone.localtime(decision.decided_at).date()), "font_faces": _font_faces(),
    })


def render_document(decision: ValidationDecision, *, comments: list[ReviewComment], sections: dict[str, str]) -> bytes:
    """The PDF bytes (no side effect: the caller stores them)."""
    from weasyprint import HTML

    from reports.render.pipeline import base_url

    html = document_html(decision, comments=comments, sections=sections)
    document = HTML(string=html, base_url=base_url()).render()
    document.metadata.title = _("Documento di validazione della Relazione sulla Performance %(year)s") % {
        "year": decision.cycle.year}
    document.metadata.authors = [_("OIV – %(entity)s") % {"entity": decision.cycle.entity.name}]
    document.metadata.lang = "it"
    return document.write_pdf()
