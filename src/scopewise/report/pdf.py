"""The PDF writer (fpdf2, pure Python): A4, bookmarks per section, tables, figures.

Text is set in DejaVu Sans, the TrueType face matplotlib ships (already a
dependency), so any Unicode a record carries prints without a system font.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from scopewise.report.docx import _clean
from scopewise.report.model import Bullets, Document, Figure, Para, Table

__all__ = ["render_pdf"]

BLUE = (20, 54, 93)


def _fonts() -> dict[str, Path]:
    import matplotlib

    base = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    return {"": base / "DejaVuSans.ttf", "B": base / "DejaVuSans-Bold.ttf",
            "I": base / "DejaVuSans-Oblique.ttf", "mono": base / "DejaVuSansMono.ttf"}


def _pdf() -> Any:
    from fpdf import FPDF

    class ReportPDF(FPDF):  # type: ignore[misc]
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
    return pdf


def _table(pdf: Any, t: Table) -> None:
    from fpdf.fonts import FontFace

    pdf.set_font("dejavu", "B", 9)
    pdf.multi_cell(0, 5, _clean(t.caption), new_x="LMARGIN", new_y="NEXT")
    size = 8 if len(t.columns) <= 4 else 7 if len(t.columns) <= 6 else 6
    pdf.set_font("dejavu", "", size)
    head = FontFace(emphasis="BOLD", fill_color=(232, 238, 246))
    with pdf.table(headings_style=head, line_height=size * 0.5, padding=0.8,
                   first_row_as_headings=True, repeat_headings=1) as table:
        table.row([_clean(c) for c in t.columns])
        for values in t.rows:
            table.row([_clean(v) for v in values])
    pdf.ln(3)


def render_pdf(doc: Document) -> bytes:
    """The report as the bytes of a PDF file."""
    pdf = _pdf()
    pdf.set_title(_clean(doc.title))
    pdf.add_page()
    pdf.set_text_color(*BLUE)
    pdf.set_font("dejavu", "B", 18)
    pdf.multi_cell(0, 9, _clean(doc.title), new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(80, 80, 80)
    pdf.set_font("dejavu", "I", 10)
    for line in doc.subtitle:
        pdf.multi_cell(0, 5.5, _clean(line), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    for s in doc.sections:
        if s.level == 1 and pdf.get_y() > 200:
            pdf.add_page()
        pdf.start_section(_clean(s.title), level=s.level - 1)
        pdf.set_text_color(*BLUE)
        pdf.set_font("dejavu", "B", 14 if s.level == 1 else 12)
        pdf.ln(2)
        pdf.multi_cell(0, 7, _clean(s.title), new_x="LMARGIN", new_y="NEXT")
        pdf.set_text_color(20, 20, 20)
        for block in s.blocks:
            if isinstance(block, Para):
                if block.placeholder:
                    pdf.set_fill_color(255, 244, 204)
                    pdf.set_font("dejavu", "B", 10)
                    pdf.multi_cell(0, 5.5, _clean(block.text), fill=True, align="L",
                                   new_x="LMARGIN", new_y="NEXT")
                    pdf.set_fill_color(255, 255, 255)
                elif block.style == "code":
                    pdf.set_font("dejavumono", "", 8)
                    pdf.multi_cell(0, 4.2, _clean(block.text), new_x="LMARGIN", new_y="NEXT")
                else:
                    pdf.set_font("dejavu", "I" if block.style == "note" else "", 10)
                    pdf.multi_cell(0, 5.5, _clean(block.text), align="L",
                                   new_x="LMARGIN", new_y="NEXT")
                pdf.ln(1.5)
            elif isinstance(block, Bullets):
                pdf.set_font("dejavu", "", 9.5)
                for i, item in enumerate(block.items, 1):
                    mark = f"{i}." if block.numbered else "\u2022"
                    pdf.set_x(pdf.l_margin)
                    pdf.cell(8, 5, mark)
                    pdf.multi_cell(0, 5, _clean(item), new_x="LMARGIN", new_y="NEXT")
                pdf.ln(1.5)
            elif isinstance(block, Table):
                _table(pdf, block)
            elif isinstance(block, Figure):
                width = min(block.width_in * 25.4, pdf.epw)
                pdf.image(io.BytesIO(block.png), w=width, x=pdf.l_margin + (pdf.epw - width) / 2)
                pdf.set_font("dejavu", "I", 9)
                pdf.multi_cell(0, 5, _clean(block.caption), align="C",
                               new_x="LMARGIN", new_y="NEXT")
                pdf.ln(2)
    return bytes(pdf.output())
