"""The PDF writer (fpdf2, pure Python): A4, bookmarks per section, tables, figures.

Text is set in DejaVu Sans, the TrueType face matplotlib ships (already a
dependency), so any Unicode a record carries prints without a system font.

fpdf2's ``multi_cell`` measures every character through several layers, which
takes minutes for a report with thousands of sources; this writer wraps text
itself from the font's width table (one dict lookup per character) and places
each line with ``text()``, drawing table rules as plain lines. fpdf2 then encodes
each line character by character (a subset lookup and a string concatenation per
character, a third of the PDF's time); :func:`_fast_encoding` gives each TrueType
face one ``str.translate`` through a table filled on first sight of a character
instead. The bytes written are the same (tests/report/test_pdf_encoding.py).
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from scopewise.report.docx import _clean
from scopewise.report.model import Bullets, Document, Figure, Para, Table

__all__ = ["render_pdf"]

BLUE = (20, 54, 93)
PT = 25.4 / 72.0  # mm per point


def _fonts() -> dict[str, Path]:
    import matplotlib

    base = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    return {"": base / "DejaVuSans.ttf", "B": base / "DejaVuSans-Bold.ttf",
            "I": base / "DejaVuSans-Oblique.ttf", "mono": base / "DejaVuSansMono.ttf"}


class _Glyphs(dict[int, str | None]):
    """Code point -> the character standing for its glyph in a font's subset, or
    ``None`` (no glyph: the character is left out, as fpdf2 does); each looked up once."""

    def __init__(self, subset: Any) -> None:
        super().__init__()
        self.subset = subset

    def __missing__(self, code: int) -> str | None:
        mapped = self.subset.pick(code)
        value = self[code] = chr(mapped) if mapped is not None else None
        return value


_FAST_FACE: dict[type, type] = {}


def _fast_encoding(face: Any) -> None:
    """Give a TrueType ``face`` an ``encode_text`` that translates a line in one call.

    fpdf2's faces have ``__slots__``, so the method comes from a subclass that adds
    no slot (the face's class is swapped); the table lives on the face's subset map.
    A face of another kind, or an fpdf2 whose parts differ, keeps its own method.
    """
    from fpdf.fonts import TTFFont

    if type(face) is not TTFFont or not hasattr(face, "subset") or \
            not hasattr(face.subset, "__dict__") or not hasattr(face, "_map_symbol_text"):
        return
    fast = _FAST_FACE.get(TTFFont)
    if fast is None:

        class FastTTFFont(TTFFont):
            __slots__ = ()

            def encode_text(self, text: str) -> str:
                glyphs = self.subset.__dict__.get("_scopewise_glyphs")
                if glyphs is None:
                    glyphs = self.subset.__dict__["_scopewise_glyphs"] = _Glyphs(self.subset)
                mapped = self._map_symbol_text(text).translate(glyphs)
                return f"({self.escape_text(mapped)}) Tj"

        fast = _FAST_FACE[TTFFont] = FastTTFFont
    face.__class__ = fast


class _Writer:
    """Page state and fast text layout over one fpdf2 document."""

    def __init__(self) -> None:
        from fpdf import FPDF

        class ReportPDF(FPDF):
            def footer(self) -> None:
                self.set_y(-12)
                self.set_font("dejavu", "", 8)
                self.set_text_color(110, 110, 110)
                self.cell(0, 6, f"{self.page_no()}", align="C")

        pdf = ReportPDF(format="A4", unit="mm")
        pdf.set_margins(18, 16, 18)
        pdf.set_auto_page_break(True, margin=16)
        fonts = _fonts()
        for style in ("", "B", "I"):
            pdf.add_font("dejavu", style, str(fonts[style]))
        pdf.add_font("dejavumono", "", str(fonts["mono"]))
        for face in pdf.fonts.values():
            _fast_encoding(face)
        self.pdf = pdf
        self.widths: dict[str, dict[str, float]] = {}
        self.bottom = pdf.h - 16.0

    def close(self) -> None:
        """Close every face's font file (fpdf2 closes only the faces the text used)."""
        for face in self.pdf.fonts.values():
            close = getattr(face, "close", None)
            if close is not None:
                close()

    # -- measuring and wrapping ---------------------------------------------------

    def font(self, family: str, style: str, size: float) -> None:
        self.pdf.set_font(family, style, size)
        self.size = size
        key = family + style
        if key not in self.widths:
            self.widths[key] = {}
        self.char_w = self.widths[key]
        self.cw: Any = getattr(self.pdf.current_font, "cw", {})

    def width(self, text: str) -> float:
        table, cw = self.char_w, self.cw
        total = 0.0
        for ch in text:
            w = table.get(ch)
            if w is None:
                w = table[ch] = float(cw[ord(ch)] if ord(ch) < 65536 else 600)
            total += w
        return total * self.size / 1000.0 * PT

    def wrap(self, text: str, width: float) -> list[str]:
        """Greedy word wrap to ``width`` mm; a word longer than a line is cut."""
        lines: list[str] = []
        for paragraph in _clean(text).split("\n"):
            line, line_w = "", 0.0
            space = self.width(" ")
            for word in paragraph.split():
                w = self.width(word)
                while w > width:  # cut a long token (URLs, search strings)
                    if line:
                        lines.append(line)
                        line, line_w = "", 0.0
                    cut = max(1, int(len(word) * width / w))
                    while cut > 1 and self.width(word[:cut]) > width:
                        cut -= 1
                    lines.append(word[:cut])
                    word = word[cut:]
                    w = self.width(word)
                if not word:
                    continue
                if line and line_w + space + w > width:
                    lines.append(line)
                    line, line_w = word, w
                else:
                    line, line_w = (f"{line} {word}", line_w + space + w) if line else (word, w)
            lines.append(line)
        return lines

    # -- placing ------------------------------------------------------------------

    def room(self, height: float) -> None:
        if self.pdf.get_y() + height > self.bottom:
            self.pdf.add_page()

    def lines(self, lines: list[str], x: float, lh: float) -> None:
        pdf = self.pdf
        for line in lines:
            self.room(lh)
            y = pdf.get_y()
            if line:
                pdf.text(x, y + lh * 0.78, line)
            pdf.set_y(y + lh)

    def paragraph(self, text: str, family: str = "dejavu", style: str = "",
                  size: float = 10.0, indent: float = 0.0) -> None:
        self.font(family, style, size)
        lh = size * PT * 1.45
        self.lines(self.wrap(text, self.pdf.epw - indent), self.pdf.l_margin + indent, lh)

    def table(self, t: Table) -> None:
        pdf = self.pdf
        self.paragraph(t.caption, style="B", size=9)
        cols = max(len(t.columns), 1)
        size = 8.0 if cols <= 4 else 7.0 if cols <= 6 else 6.0
        lh, pad = size * PT * 1.35, 0.8
        col_w = pdf.epw / cols
        x0 = pdf.l_margin

        def row(values: tuple[str, ...], bold: bool) -> None:
            self.font("dejavu", "B" if bold else "", size)
            cells = [self.wrap(v, col_w - 2 * pad) for v in values]
            height = max(len(c) for c in cells) * lh + 2 * pad
            if pdf.get_y() + height > self.bottom:
                pdf.add_page()
                if not bold:
                    row(t.columns, True)
                    self.font("dejavu", "", size)
            y = pdf.get_y()
            if bold:
                pdf.set_fill_color(232, 238, 246)
                pdf.rect(x0, y, pdf.epw, height, style="F")
            for i, lines in enumerate(cells):
                for j, line in enumerate(lines):
                    if line:
                        pdf.text(x0 + i * col_w + pad, y + pad + j * lh + lh * 0.78, line)
            pdf.line(x0, y + height, x0 + pdf.epw, y + height)
            for i in range(cols + 1):
                pdf.line(x0 + i * col_w, y, x0 + i * col_w, y + height)
            pdf.set_y(y + height)

        pdf.set_draw_color(170, 180, 195)
        pdf.set_line_width(0.2)
        self.room(lh * 3)
        pdf.line(x0, pdf.get_y(), x0 + pdf.epw, pdf.get_y())
        row(t.columns, True)
        for values in t.rows:
            row(values, False)
        pdf.ln(3)


def render_pdf(doc: Document) -> bytes:
    """The report as the bytes of a PDF file."""
    w = _Writer()
    pdf = w.pdf
    pdf.set_title(_clean(doc.title))
    pdf.add_page()
    pdf.set_text_color(*BLUE)
    w.paragraph(doc.title, style="B", size=18)
    pdf.set_text_color(80, 80, 80)
    for line in doc.subtitle:
        w.paragraph(line, style="I", size=10)
    pdf.ln(4)
    for s in doc.sections:
        if s.level == 1 and pdf.get_y() > 200:
            pdf.add_page()
        w.room(20)
        pdf.ln(2)
        pdf.start_section(_clean(s.title), level=s.level - 1)
        pdf.set_text_color(*BLUE)
        w.paragraph(s.title, style="B", size=14 if s.level == 1 else 12)
        pdf.ln(1)
        pdf.set_text_color(20, 20, 20)
        for block in s.shown():
            _block(w, block)
    out = bytes(pdf.output())
    w.close()
    return out


def _block(w: _Writer, block: Any) -> None:
    pdf = w.pdf
    if isinstance(block, Para):
        if block.placeholder:
            w.font("dejavu", "B", 10)
            lines = w.wrap(block.text, pdf.epw - 4)
            lh = 10 * PT * 1.45
            w.room(len(lines) * lh + 2)
            pdf.set_fill_color(255, 244, 204)
            pdf.rect(pdf.l_margin, pdf.get_y(), pdf.epw, len(lines) * lh + 2, style="F")
            pdf.set_y(pdf.get_y() + 1)
            w.lines(lines, pdf.l_margin + 2, lh)
            pdf.set_y(pdf.get_y() + 1)
        elif block.style == "code":
            w.paragraph(block.text, family="dejavumono", size=8)
        else:
            w.paragraph(block.text, style="I" if block.style == "note" else "", size=10)
        pdf.ln(1.5)
    elif isinstance(block, Bullets):
        for i, item in enumerate(block.items, 1):
            w.font("dejavu", "", 9.5)
            w.room(5)
            pdf.text(pdf.l_margin, pdf.get_y() + 9.5 * PT * 1.45 * 0.78,
                     f"{i}." if block.numbered else "\u2022")
            w.paragraph(item, size=9.5, indent=8)
        pdf.ln(1.5)
    elif isinstance(block, Table):
        w.table(block)
    elif isinstance(block, Figure):
        width = min(block.width_in * 25.4, pdf.epw)
        pdf.image(io.BytesIO(block.png), w=width, x=pdf.l_margin + (pdf.epw - width) / 2)
        w.paragraph(block.caption, style="I", size=9)
        pdf.ln(2)
