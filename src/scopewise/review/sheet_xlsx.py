"""Write a sheet of text cells as an XLSX workbook, fast.

Written by hand because the charting export must stay within seconds at the scale of
published evidence maps (10,000 sources x 16 columns), and openpyxl, even in its
write-only mode, spends about 20 microseconds per cell building a cell object and its
XML element: 3-4 s for such a sheet, most of the export's time. XlsxWriter measured
no faster here. A sheet whose every cell is text needs very little of the format:
one worksheet of inline strings, the workbook, and their relationships (ECMA-376
Part 1, SpreadsheetML). Strings written inline are always text, so a title that
starts with "=" never becomes a formula. Reading stays with openpyxl.

What the writer takes care of:
- XML's special characters are escaped, and the control characters XML 1.0 cannot
  carry are written in the format's own ``_xHHHH_`` escape (as is a literal
  ``_xHHHH_`` in the text), so every character survives a round trip;
- :func:`unescape_cell` decodes those escapes when a sheet is read back, as Excel
  does when it opens the file;
- leading or trailing spaces are kept (``xml:space="preserve"``);
- a cell longer than Excel's limit (32,767 characters) is refused with the row and
  column named, rather than cut short.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

__all__ = ["MAX_CELL_CHARS", "CellTooLong", "unescape_cell", "write_xlsx"]

MAX_CELL_CHARS = 32_767

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
    '<Override PartName="/docProps/app.xml" ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/>'
    "</Types>"
)
_ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/extended-properties" Target="docProps/app.xml"/>'
    "</Relationships>"
)
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>'
    "</Relationships>"
)
# The smallest style sheet Excel accepts: one font, the two fills it requires, one
# border, one cell format; cell style 1 (the header) is bold.
_STYLES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)
_APP = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties">'
    "<Application>scopewise</Application></Properties>"
)

# Characters XML 1.0 cannot hold (and CR, which XML parsers turn into LF), and a literal "_xHHHH_" that a reader would decode.
_UNSAFE = re.compile(r"[\x00-\x08\x0b-\x1f\ufffe\uffff]|_(?=x[0-9A-Fa-f]{4}_)")


class CellTooLong(ValueError):
    """A cell holds more characters than a spreadsheet cell can."""

    def __init__(self, row: int, column: str, length: int) -> None:
        super().__init__(
            f"row {row}, column {column!r}: {length:,} characters, more than an XLSX cell "
            f"holds ({MAX_CELL_CHARS:,}); export as CSV instead"
        )
        self.row = row
        self.column = column


def _escape_unsafe(match: re.Match[str]) -> str:
    return f"_x{ord(match.group()):04X}_"


_ESCAPED = re.compile(r"_x([0-9A-Fa-f]{4})_")


def unescape_cell(text: str) -> str:
    """Decode the ``_xHHHH_`` escapes in a cell's text as Excel does (openpyxl does not).

    Excel writes a carriage return in a cell as ``_x000D_``, and this writer escapes
    control characters and a literal ``_xHHHH_`` (as ``_x005F_xHHHH_``) the same way.
    """
    if "_x" not in text:
        return text
    return _ESCAPED.sub(lambda m: chr(int(m.group(1), 16)), text)


def _column_letters(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _cell_xml(value: str, ref: str, style: str = "") -> str:
    if _UNSAFE.search(value):
        value = _UNSAFE.sub(_escape_unsafe, value)
    text = escape(value)
    space = ' xml:space="preserve"' if value[:1].isspace() or value[-1:].isspace() else ""
    return f'<c r="{ref}"{style} t="inlineStr"><is><t{space}>{text}</t></is></c>'


def _widths(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """Column widths from the header and the first rows: wide enough to read, at most
    60 characters (longer text wraps in the cell when the user asks for it)."""
    sample = rows[:200]
    cols = []
    for i, name in enumerate(header):
        longest = max([len(name), *(len(r[i]) for r in sample if i < len(r))])
        width = min(60, max(8, longest + 2))
        cols.append(f'<col min="{i + 1}" max="{i + 1}" width="{width}" customWidth="1"/>')
    return f"<cols>{''.join(cols)}</cols>" if cols else ""


def write_xlsx(
    path: Path, header: Sequence[str], rows: Iterable[Sequence[str]], sheet_name: str = "Sheet1"
) -> Path:
    """Write ``header`` (bold, frozen) and ``rows`` as one worksheet of text cells.

    Empty strings leave the cell empty. Raises :class:`CellTooLong` before anything
    is written in place of ``path`` if a cell exceeds Excel's limit.
    """
    head = "".join(
        _cell_xml(name, f"{_column_letters(i)}1", ' s="1"')
        for i, name in enumerate(header)
    )
    body: list[str] = [f'<row r="1">{head}</row>']
    rows = list(rows)
    letters: list[str] = []
    number = 1
    for number, row in enumerate(rows, start=2):
        while len(letters) < len(row):
            letters.append(_column_letters(len(letters)))
        cells = []
        for i, value in enumerate(row):
            if not value:  # an empty cell is left out; the others say where they are
                continue
            if len(value) > MAX_CELL_CHARS:
                raise CellTooLong(number, header[i] if i < len(header) else str(i), len(value))
            cells.append(_cell_xml(value, f"{letters[i]}{number}"))
        body.append(f'<row r="{number}">{"".join(cells)}</row>')
    last = _column_letters(max(len(header), 1) - 1)
    sheet = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f'<dimension ref="A1:{last}{number}"/>'
        '<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" '
        'activePane="bottomLeft" state="frozen"/></sheetView></sheetViews>'
        f"{_widths(header, rows)}<sheetData>{''.join(body)}</sheetData></worksheet>"
    )
    workbook = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        f"<sheets><sheet name={quoteattr(sheet_name[:31])} sheetId=\"1\" r:id=\"rId1\"/></sheets>"
        "</workbook>"
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".part")
    try:
        with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as book:
            book.writestr("[Content_Types].xml", _CONTENT_TYPES)
            book.writestr("_rels/.rels", _ROOT_RELS)
            book.writestr("docProps/app.xml", _APP)
            book.writestr("xl/workbook.xml", workbook)
            book.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
            book.writestr("xl/styles.xml", _STYLES)
            book.writestr("xl/worksheets/sheet1.xml", sheet)
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)
    return path

