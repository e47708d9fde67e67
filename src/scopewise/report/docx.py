"""The Word writer (python-docx): real heading styles, tables, figures as images.

The document is an ordinary editable .docx built on python-docx's default template,
so "Heading 1"/"Heading 2", "List Bullet"/"List Number", "Caption" and "Table Grid"
are the styles Word itself offers; the team can restyle or edit any part.

Long reports have thousands of rows and paragraphs: python-docx's per-cell API, its
style lookup by name and its search for the place of each new paragraph make that
quadratic, so the body is written as WordprocessingML strings (styles by id) parsed
in batches; pictures go through python-docx's own image part. The result is the
markup python-docx itself writes.
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


def _run(text: str, bold: bool = False, italic: bool = False, color: str = "",
         mono: bool = False) -> str:
    props = ("<w:b/>" if bold else "") + ("<w:i/>" if italic else "")
    if mono:
        props = '<w:rFonts w:ascii="Courier New" w:hAnsi="Courier New"/>' + props
    if color:
        props += f'<w:color w:val="{color}"/>'
    lines = [escape(_clean(line)) for line in text.split("\n")]
    body = '</w:t><w:br/><w:t xml:space="preserve">'.join(lines)
    return f'<w:r><w:rPr>{props}</w:rPr><w:t xml:space="preserve">{body}</w:t></w:r>'


def _p(text: str, style: str = "", **run: Any) -> str:
    pstyle = f'<w:pPr><w:pStyle w:val="{style}"/></w:pPr>' if style else ""
    return f"<w:p>{pstyle}{_run(text, **run)}</w:p>"


class _Body:
    """The body's WordprocessingML, gathered as strings and parsed once at the end.

    python-docx's own ``add_paragraph`` looks for the section properties among all
    earlier children each time, and moving parsed elements into its tree one by one
    reconciles namespaces each time: both make a long report quadratic. Pictures go
    through python-docx's image part, and their XML joins the strings.
    """

    def __init__(self, out: Any) -> None:
        self.out = out
        self.parts: list[str] = []

    def add(self, xml: str) -> None:
        self.parts.append(xml)

    def picture(self, png: bytes, width_in: float) -> None:
        from docx.shared import Inches
        from lxml import etree

        inline = self.out.part.new_pic_inline(io.BytesIO(png), Inches(width_in), None)
        drawing = etree.tostring(inline, encoding="unicode")
        self.add(f'<w:p><w:pPr><w:jc w:val="center"/></w:pPr><w:r><w:drawing>{drawing}'
                 "</w:drawing></w:r></w:p>")

    def finish(self) -> None:
        from docx.oxml import parse_xml
        from lxml import etree

        old = self.out.element.body
        sect = etree.tostring(old.sectPr, encoding="unicode") if old.sectPr is not None else ""
        new = parse_xml(f'<w:body xmlns:w="{W}">' + "".join(self.parts) + sect + "</w:body>")
        self.out.element.replace(old, new)


def _block(body: _Body, block: Any) -> None:
    if isinstance(block, Para):
        if block.placeholder:
            body.add(_p(block.text, bold=True, color="B06000"))
        else:
            body.add(_p(block.text, mono=block.style == "code", italic=block.style == "note"))
    elif isinstance(block, Bullets):
        style = "ListNumber" if block.numbered else "ListBullet"
        for item in block.items:
            body.add(_p(item, style))
    elif isinstance(block, Table):
        body.add(_p(block.caption, "Caption"))
        body.add(_table_xml(block).replace(f' xmlns:w="{W}"', "", 1))
        body.add("<w:p/>")
    elif isinstance(block, Figure):
        body.picture(block.png, min(block.width_in, 6.3))
        body.add(_p(block.caption, "Caption"))


def render_docx(doc: Document) -> bytes:
    """The report as the bytes of a .docx file."""
    from docx import Document as Docx

    out = Docx()
    out.core_properties.title = _clean(doc.title)
    body = _Body(out)
    body.add(_p(doc.title, "Title"))
    for line in doc.subtitle:
        body.add(_p(line, italic=True))
    for s in doc.sections:
        body.add(_p(s.title, f"Heading{min(s.level, 3)}"))
        for block in s.shown():
            _block(body, block)
    body.finish()
    buffer = io.BytesIO()
    out.save(buffer)
    return buffer.getvalue()
