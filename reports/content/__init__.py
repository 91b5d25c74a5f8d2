"""What each section of the Relazione shows, and how it prints (see sections.py and document.py)."""
from .document import cover_html, document_css, full_document_html, linked_toc_html, toc_html
from .sections import SectionHTML, build_sections

__all__ = ["SectionHTML", "build_sections", "cover_html", "document_css", "full_document_html", "linked_toc_html",
           "toc_html"]
