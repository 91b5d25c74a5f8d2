"""Running header (the chapter's title) and footer ("pagina X di Y") stamped on the merged pages.

Chunks are laid out without them, so a chunk's PDF does not depend on where it lands in the document
and stays valid in the cache when an earlier chunk grows. The stamps are written straight into the
merged PDF with pikepdf: one line of text each, in one embedded TrueType font (WinAnsi encoding, widths
read from the font), so they cost milliseconds where laying them out as a document cost a pool round.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pikepdf
from pikepdf import Array, Dictionary, Name

#: Where the stamps sit, in mm from the page edges: inside the document's margins (print.css: top 18 mm,
#: bottom 16 mm), where its own margin boxes would be.
HEADER_TOP_MM = 12.5
FOOTER_BOTTOM_MM = 9
SIDE_MM = 18
RIGHT_MM = 16
HEADER_SIZE = 7.5
FOOTER_SIZE = 8
COLOR = (0x5D / 255, 0x70 / 255, 0x83 / 255)  # #5D7083, as the margin boxes of print.css
RULE_COLOR = (0xC5 / 255, 0xC7 / 255, 0xC9 / 255)
MM = 72 / 25.4
FIRST, LAST = 32, 255  # WinAnsi codes the font dictionary describes
FALLBACK_FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")


@dataclass(frozen=True)
class PageStamp:
    header: str
    footer: str
    size: tuple[float, float]  # width, height in pt


@dataclass(frozen=True)
class StampFont:
    path: Path
    name: str
    widths: tuple[int, ...]  # advance widths in 1/1000 em of codes FIRST..LAST
    bbox: tuple[int, int, int, int]
    ascent: int
    descent: int
    cap_height: int

    def encode(self, text: str) -> bytes:
        return text.encode("cp1252", errors="replace")

    def width(self, data: bytes, size: float) -> float:
        return sum(self.widths[c - FIRST] if FIRST <= c <= LAST else 500 for c in data) * size / 1000

    def fit(self, text: str, size: float, room: float) -> bytes:
        """The text encoded, cut with an ellipsis where it is wider than ``room`` points."""
        data = self.encode(text)
        if self.width(data, size) <= room:
            return data
        ellipsis = b"\x85"
        while data and self.width(data + ellipsis, size) > room:
            data = data[:-1]
        return data.rstrip() + ellipsis

    def to_pdf(self, pdf: pikepdf.Pdf) -> pikepdf.Object:
        data = self.path.read_bytes()
        file = pikepdf.Stream(pdf, data)
        file.Length1 = len(data)
        descriptor = Dictionary(Type=Name.FontDescriptor, FontName=Name("/" + self.name), Flags=32,
                                FontBBox=Array(list(self.bbox)), ItalicAngle=0, Ascent=self.ascent,
                                Descent=self.descent, CapHeight=self.cap_height, StemV=80, FontFile2=file)
        return pdf.make_indirect(Dictionary(
            Type=Name.Font, Subtype=Name.TrueType, BaseFont=Name("/" + self.name), FirstChar=FIRST,
            LastChar=LAST, Widths=Array(list(self.widths)), Encoding=Name.WinAnsiEncoding,
            FontDescriptor=pdf.make_indirect(descriptor)))


@lru_cache(maxsize=4)
def load_font(path: Path | None) -> StampFont:
    """Metrics of a TrueType font for the WinAnsi codes (read once per process)."""
    from fontTools.ttLib import TTFont

    path = path if path is not None and path.exists() else FALLBACK_FONT
    font = TTFont(path, lazy=True)
    scale = 1000 / font["head"].unitsPerEm
    cmap = font.getBestCmap()
    hmtx = font["hmtx"]
    widths = []
    for code in range(FIRST, LAST + 1):
        char = bytes([code]).decode("cp1252", errors="ignore")
        glyph = cmap.get(ord(char)) if char else None
        widths.append(round(hmtx[glyph][0] * scale) if glyph else 0)
    head, hhea = font["head"], font["hhea"]
    os2 = font["OS/2"] if "OS/2" in font else None
    name = font["name"].getDebugName(6) or path.stem
    return StampFont(
        path=path, name="".join(c for c in name if c.isalnum() or c in "-_") or "StampFont", widths=tuple(widths),
        bbox=tuple(round(v * scale) for v in (head.xMin, head.yMin, head.xMax, head.yMax)),
        ascent=round(hhea.ascent * scale), descent=round(hhea.descent * scale),
        cap_height=round(getattr(os2, "sCapHeight", 0) * scale) if os2 else round(hhea.ascent * scale))


def _literal(data: bytes) -> bytes:
    return b"(" + data.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)") + b")"


def _rgb(color: tuple[float, float, float]) -> bytes:
    return " ".join(f"{c:.3f}" for c in color).encode()


def page_content(stamp: PageStamp, font: StampFont) -> bytes:
    """The drawing operators of one page's stamps (font resource /MisuraStamp)."""
    width, height = stamp.size
    left, right = SIDE_MM * MM, width - RIGHT_MM * MM
    ops = [b"q"]
    if stamp.header:
        baseline = height - HEADER_TOP_MM * MM
        text = font.fit(stamp.header.upper(), HEADER_SIZE, right - left)
        ops += [_rgb(COLOR) + b" rg BT /MisuraStamp %.2f Tf %.2f %.2f Td " % (HEADER_SIZE, left, baseline)
                + _literal(text) + b" Tj ET",
                # the rule under the header, as the margin box's border-bottom
                _rgb(RULE_COLOR) + b" RG 0.5 w %.2f %.2f m %.2f %.2f l S" % (left, baseline - 2.5 * MM,
                                                                               right, baseline - 2.5 * MM)]
    if stamp.footer:
        text = font.encode(stamp.footer)
        x = right - font.width(text, FOOTER_SIZE)
        ops.append(_rgb(COLOR) + b" rg BT /MisuraStamp %.2f Tf %.2f %.2f Td " % (FOOTER_SIZE, x, FOOTER_BOTTOM_MM * MM)
                   + _literal(text) + b" Tj ET")
    ops.append(b"Q")
    return b"\n".join(ops)


def apply(pdf: pikepdf.Pdf, stamps: list[PageStamp], font_path: Path | None) -> None:
    """Draw each page's stamps over it, as a form XObject so that the page's own graphics state (which
    WeasyPrint may leave transformed) cannot move them; pages with nothing to stamp are left alone."""
    font = load_font(font_path)
    font_ref = font.to_pdf(pdf)
    resources = Dictionary(Font=Dictionary(MisuraStamp=font_ref))
    for page, stamp in zip(pdf.pages, stamps):
        if not (stamp.header or stamp.footer):
            continue
        width, height = stamp.size
        form = pikepdf.Stream(pdf, page_content(stamp, font))
        form.Type, form.Subtype = Name.XObject, Name.Form
        form.BBox = Array([0, 0, width, height])
        form.Resources = resources
        page.add_overlay(pdf.make_indirect(form), pikepdf.Rectangle(0, 0, width, height))
