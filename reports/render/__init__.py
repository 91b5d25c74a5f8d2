"""Rendering the Relazione to PDF: ``render_pdf(cycle, layout=..., variant=..., progress=...)``."""
from .draft import RenderResult
from .jobs import RENDERER_VERSION
from .pipeline import render_pdf

__all__ = ["RENDERER_VERSION", "RenderResult", "render_pdf"]
