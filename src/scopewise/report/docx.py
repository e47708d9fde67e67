"""The Word writer (python-docx): real heading styles, tables, figures as images.

The document is an ordinary editable .docx built on python-docx's default template,
so "Heading 1"/"Heading 2", "List Bullet"/"List Number", "Caption" and "Table Grid"
are the styles Word itself offers; the team can restyle or edit any part.

Long reports have tables of thousands of rows: python-docx's per-cell API (and its
style lookup per paragraph) takes seconds per thousand cells, so tables are written
as WordprocessingML built in one string and parsed once, and paragraph styles are
set by their style id. The result is the same markup python-docx itself writes.
"""

from __future__ import annotations

import io
import re
from typing import Any
from xml.sax.saxutils import escape

from scopewise.report.model import Bullets, Document, Figure, Para, Table

__all__ = ["render_docx"]

# XML 1.0 forbids most control characters; a record title may carry some.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
WIDTH_TWIPS = 9000  # text width of the default page (A4/Letter with 1" margins), about 6.3"


def _clean(text: str) -> str:
    return _CONTROL.sub("", text)


def _cell(text: str, width: int, bold: bool = False) -> str:
    run_props = '<w:rPr><w:b/><w:sz w:val="17"/></w:rPr>' if bold else \
        '<w:rPr><w:sz w:val="17"/></w:rPr>'
    return (f'<w:tc><w:tcPr><w:tcW w:w="{width}" w:type="dxa"/></w:tcPr><w:p>'
            f'<w:r>{run_props}<w:t xml:space="preserve">{escape(_clean(text))}</w:t></w:r>'
            "</w:p></w:tc>")


def _table_xml(t: Table) -> str:
    width = WIDTH_TWIPS // max(len(t.columns), 1)
    grid = "".join(f'<w:gridCol w:w="{width}"/>' for _ in t.columns)
    head = "".join(_cell(c, width, bold=True) for c in t.columns)
    rows = "".join(
        "<w:tr>" + "".join(_cell(v, width) for v in row) + "</w:tr>" for row in t.rows
    )
    return (f'<w:tbl xmlns:w="{W}"><w:tblPr><w:tblStyle w:val="TableGrid"/>'
            '<w:tblW w:w="0" w:type="auto"/><w:tblLook w:val="04A0" w:firstRow="1" '
            'w:lastRow="0" w:firstColumn="1" w:lastColumn="0" w:noHBand="0" w:noVBand="1"/>'
            f"</w:tblPr><w:tblGrid>{grid}</w:tblGrid>"
            f'<w:tr><w:trPr><w:tblHeader/></w:trPr>{head}</w:tr>{rows}</w:tbl>')


def _para(out: Any, text: str, style_id: str = "") -> Any:
    para = out.add_paragraph(_clean(text))
    if style_id:
        para._p.style = style_id  # by id: python-docx's lookup by name scans every style
    return para


def render_docx(doc: Document) -> bytes:
    """The report as the bytes of a .docx file."""
    from docx import Document as Docx
    from docx.oxml import parse_xml
    from docx.shared import Inches, RGBColor

    out = Docx()
    out.core_properties.title = _clean(doc.title)
    out.add_heading(_clean(doc.title), level=0)
    for line in doc.subtitle:
        out.add_paragraph(_clean(line)).runs[0].italic = True
    body = out.element.body
    for s in doc.sections:
        out.add_heading(_clean(s.title), level=min(s.level, 3))
        for block in s.blocks:
            if isinstance(block, Para):
                para = _para(out, block.text)
                run = para.runs[0] if para.runs else para.add_run("")
                if block.placeholder:
                    run.bold = True
                    run.font.color.rgb = RGBColor(0xB0, 0x60, 0x00)
                elif block.style == "code":
                    run.font.name = "Courier New"
                elif block.style == "note":
                    run.italic = True
            elif isinstance(block, Bullets):
                style = "ListNumber" if block.numbered else "ListBullet"
                for item in block.items:
                    _para(out, item, style)
            elif isinstance(block, Table):
                _para(out, block.caption, "Caption")
                # the table goes before the body's final section properties
                body.sectPr.addprevious(parse_xml(_table_xml(block)))
                out.add_paragraph("")
            elif isinstance(block, Figure):
                out.add_picture(io.BytesIO(block.png), width=Inches(min(block.width_in, 6.3)))
                _para(out, block.caption, "Caption")
    buffer = io.BytesIO()
    out.save(buffer)
    return buffer.getvalue()
