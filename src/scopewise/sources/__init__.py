"""Import and export of bibliographic records in every format a review team meets.

Reading streams :class:`~scopewise.records.Record` values with bounded memory::

    from scopewise.sources import read_records, write_records

    fmt = detect_format("pubmed.nbib")          # "medline", decided from the content
    for record in read_records("pubmed.nbib"):  # format detected when not given
        ...
    write_records("out.ris", records)           # format from the extension

Formats are plugins (:class:`Reader`, :class:`Writer`) registered through the
``scopewise.readers`` / ``scopewise.writers`` entry points; the built-in ones are
declared the same way. Online searches live in :mod:`scopewise.sources.online`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

from scopewise.records import Record
from scopewise.sources.registry import (
    BUILTIN_READERS,
    BUILTIN_WRITERS,
    ExportItem,
    ExportItems,
    Reader,
    Writer,
    get_reader,
    get_writer,
    readers,
    register_reader,
    register_writer,
    writers,
)
from scopewise.sources.registry import detect_format as _detect
from scopewise.sources.textfile import Head, SourceFile

__all__ = [
    "EXPORT_FORMATS",
    "FORMATS",
    "ExportItem",
    "ExportItems",
    "Head",
    "Reader",
    "SourceFile",
    "Writer",
    "detect_format",
    "read_records",
    "readers",
    "register_reader",
    "register_writer",
    "write_records",
    "writers",
]

FORMATS: tuple[str, ...] = tuple(BUILTIN_READERS)
"""Names of the built-in import formats (plugins may add more: see :func:`readers`)."""
EXPORT_FORMATS: tuple[str, ...] = tuple(BUILTIN_WRITERS)
"""Names of the built-in export formats."""


def detect_format(path: str | Path) -> str:
    """The import format of ``path`` (a reader name such as ``"ris"``), from its content.

    Raises
    ------
    ImportFormatError
        Empty, binary or unrecognised file.
    """
    return _detect(path)


def read_records(path: str | Path, format: str | None = None) -> Iterator[Record]:
    """Stream the records of a file.

    The file is opened and its format decided now (errors about the file as a whole
    are raised here); records are then parsed one at a time as the iterator is
    consumed. A problem inside the file raises
    :class:`~scopewise.errors.ImportFormatError` naming file and line when reached.

    Parameters
    ----------
    path:
        The export file.
    format:
        A reader name (see :data:`FORMATS`); detected from the content when omitted.
    """
    source = SourceFile(path)
    reader = get_reader(format) if format else get_reader(_detect(path, source))
    if source.encoding is None and reader.name != "xlsx":
        source.require_text(reader.label)
    return reader.read(source)


def write_records(
    path: str | Path, records: Iterable[ExportItem], format: str | None = None
) -> int:
    """Write records to ``path``; returns how many were written.

    ``records`` may hold ``(record, columns)`` pairs: spreadsheet writers put those
    columns first (e.g. ``record_id``, ``duplicate_group``); other formats ignore them.
    The format is taken from ``format`` or else from the file extension.
    """
    target = Path(path)
    writer = get_writer(format, target)
    return writer.write(target, records)
