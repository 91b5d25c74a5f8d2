"""Merging the chunks' PDFs into the Relazione with pikepdf: pages, bookmarks, metadata."""
from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import pikepdf
from pikepdf import Dictionary, Name, OutlineItem


@dataclass(frozen=True)
class Bookmark:
    title: str
    level: int  # 1 = chapter
    page: int  # 0-based page index in the merged document


@dataclass(frozen=True)
class DocumentInfo:
    title: str
    author: str
    lang: str = "it-IT"
    subject: str = ""
    creator: str = "Misura"


def merge(paths: list[Path]) -> tuple[pikepdf.Pdf, list[pikepdf.Pdf]]:
    """The merged document and its sources, which must stay open until it is saved (pikepdf copies
    their objects lazily)."""
    pdf = pikepdf.Pdf.new()
    sources = []
    for path in paths:
        source = pikepdf.Pdf.open(path)
        pdf.pages.extend(source.pages)
        sources.append(source)
    return pdf, sources


def insert(pdf: pikepdf.Pdf, sources: list[pikepdf.Pdf], index: int, path: Path) -> None:
    """The pages of ``path`` inserted before page ``index`` (0-based)."""
    source = pikepdf.Pdf.open(path)
    sources.append(source)
    for offset, page in enumerate(source.pages):
        pdf.pages.insert(index + offset, page)


def close(pdf: pikepdf.Pdf, sources: list[pikepdf.Pdf]) -> None:
    for source in sources:
        source.close()
    pdf.close()


def add_outline(pdf: pikepdf.Pdf, bookmarks: list[Bookmark]) -> None:
    """Nested bookmarks: each item under the last one of a lower level."""
    with pdf.open_outline() as outline:
        stack: list[tuple[int, OutlineItem]] = []
        for mark in bookmarks:
            item = OutlineItem(mark.title, mark.page)
            while stack and stack[-1][0] >= mark.level:
                stack.pop()
            (stack[-1][1].children if stack else outline.root).append(item)
            stack.append((mark.level, item))
    pdf.Root.PageMode = Name.UseOutlines


def set_metadata(pdf: pikepdf.Pdf, info: DocumentInfo) -> None:
    pdf.Root.Lang = pikepdf.String(info.lang)
    pdf.Root.ViewerPreferences = Dictionary(DisplayDocTitle=True)
    with pdf.open_metadata(set_pikepdf_as_editor=False) as meta:
        meta["dc:title"] = info.title
        meta["dc:creator"] = [info.author]
        meta["dc:language"] = [info.lang]
        if info.subject:
            meta["dc:description"] = info.subject
        meta["xmp:CreatorTool"] = info.creator
        meta["pdf:Producer"] = f"{info.creator} (WeasyPrint, pikepdf)"
    # open_metadata mirrors XMP into docinfo for the keys it knows; set them explicitly for every reader.
    pdf.docinfo[Name.Title] = pikepdf.String(info.title)
    pdf.docinfo[Name.Author] = pikepdf.String(info.author)
    pdf.docinfo[Name.Creator] = pikepdf.String(info.creator)
    if info.subject:
        pdf.docinfo[Name.Subject] = pikepdf.String(info.subject)


def save(pdf: pikepdf.Pdf, sources: list[pikepdf.Pdf]) -> bytes:
    out = io.BytesIO()
    try:
        # Fast settings: streams are written as WeasyPrint compressed them, no object streams built.
        pdf.save(out, compress_streams=True, stream_decode_level=pikepdf.StreamDecodeLevel.none,
                 object_stream_mode=pikepdf.ObjectStreamMode.preserve, deterministic_id=True)
    finally:
        close(pdf, sources)
    return out.getvalue()
