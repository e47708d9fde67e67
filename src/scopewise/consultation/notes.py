"""Reading a consultation session's notes: .txt, .md and .docx, as plain text.

Notes are confidential and arrive from word processors and e-mail, so the reader is
strict about what it takes (size, type, text) and does nothing with what it reads:
HTML or a script inside a note is kept as the characters it is, never interpreted.
"""

from __future__ import annotations

import codecs
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from scopewise.errors import ImportFormatError
from scopewise.text import FALLBACK, looks_binary, not_text

__all__ = ["MAX_NOTE_BYTES", "NOTE_SUFFIXES", "read_note"]

#: Larger note files are refused (a session's notes are far smaller).
MAX_NOTE_BYTES = 50 * 1024 * 1024
NOTE_SUFFIXES = (".txt", ".md", ".docx")
# A .docx is a zip; its unpacked XML is capped too, so a small "zip bomb" cannot
# exhaust memory before its text is seen.
_MAX_DOCX_XML = 4 * MAX_NOTE_BYTES


def read_note(path: str | Path) -> str:
    """The text of a notes file, ready to store.

    Raises
    ------
    ImportFormatError
        Missing, empty, binary, over 50 MB, not .txt/.md/.docx, or a broken .docx;
        the message names the file.
    """
    file = Path(path)
    if not file.is_file():
        raise ImportFormatError("no such file; check the path", path=str(file))
    suffix = file.suffix.lower()
    if suffix not in NOTE_SUFFIXES:
        raise ImportFormatError(
            f"notes are read from {', '.join(NOTE_SUFFIXES)} files, not {suffix or 'a file without extension'}",
            path=str(file),
        )
    size = file.stat().st_size
    if size > MAX_NOTE_BYTES:
        raise ImportFormatError(
            f"the file is {size / 1024 / 1024:.0f} MB; notes over "
            f"{MAX_NOTE_BYTES // 1024 // 1024} MB are refused (split the session's notes)",
            path=str(file),
        )
    text = _read_docx(file) if suffix == ".docx" else _read_text(file)
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")
    if not text.strip():
        raise ImportFormatError("the notes are empty; nothing to import", path=str(file))
    return text


def _read_text(file: Path) -> str:
    with file.open("rb") as handle:
        head = handle.read(64 * 1024)
        bom = head.startswith((codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
        # Binary content is refused from the first bytes, before the rest is read.
        if not bom and (b"\x00" in head or looks_binary(head)):
            raise ImportFormatError(
                f"{not_text(head)}; save the notes as .txt, .md or .docx", path=str(file))
        data = head + handle.read()
    if data.startswith(codecs.BOM_UTF8):
        return data[3:].decode("utf-8", FALLBACK)
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return _decode(file, data, "utf-16")
    # UTF-8, or Windows-1252, or UTF-8 with Windows-1252 bytes pasted in: each byte that
    # is not UTF-8 is read as the cp1252 character it stands for (scopewise.text)
    return data.decode("utf-8", FALLBACK)


def _decode(file: Path, data: bytes, encoding: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError:
        raise ImportFormatError(
            f"the file starts as {encoding} text but its bytes are not; save it again as UTF-8",
            path=str(file),
        ) from None


def _read_docx(file: Path) -> str:
    broken = ImportFormatError(
        "not a readable Word .docx file; open it in a word processor and save it again",
        path=str(file),
    )
    try:
        with zipfile.ZipFile(file) as archive:
            sizes = sum(i.file_size for i in archive.infolist() if i.filename.endswith(".xml"))
            if "word/document.xml" not in archive.namelist():
                raise broken
    except (zipfile.BadZipFile, NotImplementedError, UnicodeDecodeError, EOFError, OSError,
            ValueError):  # what zipfile raises for a damaged or unusual archive
        raise broken from None
    if sizes > _MAX_DOCX_XML:
        raise ImportFormatError(
            "the .docx unpacks to more than "
            f"{_MAX_DOCX_XML // 1024 // 1024} MB of XML; refused",
            path=str(file),
        )
    import docx  # python-docx; imported here so the other commands do not load it

    try:
        document = docx.Document(str(file))
    except Exception:  # python-docx raises several kinds for a damaged package
        raise broken from None
    return "\n".join(_docx_lines(document))


def _docx_lines(container: Any) -> Iterator[str]:
    """The lines of a document or a table cell in reading order: a paragraph is a line,
    a table row is a line of its cells' text joined by tabs. A merged cell is read once
    (python-docx repeats it for every grid column and row it spans), and a table inside
    a cell is read inside that cell."""
    from docx.table import Table

    for block in container.iter_inner_content():
        if not isinstance(block, Table):
            yield block.text
            continue
        seen: set[Any] = set()  # the cells' XML elements, kept alive so each stays itself
        for row in block.rows:
            cells = []
            for cell in row.cells:
                element = getattr(cell, "_tc", cell)
                if element in seen:
                    continue
                seen.add(element)
                cells.append(" ".join(line for line in _docx_lines(cell) if line.strip()))
            yield "\t".join(cells)
