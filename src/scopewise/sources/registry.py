"""The reader and writer registry: how a file format plugs into scopewise.

A reader is a :class:`Reader` value: a name, the file extensions it usually has, a
``sniff`` function that recognises the format from the first bytes/characters of a
file, and a ``read`` function that streams :class:`~scopewise.records.Record` values.
Built-in readers are declared in the ``scopewise.readers`` entry-point group of the
package metadata, exactly as a third-party package declares its own::

    [project.entry-points."scopewise.readers"]
    myformat = "mypackage.reader:READER"

Writers work the same way through :class:`Writer` and ``scopewise.writers``.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

from scopewise.errors import ImportFormatError, UsageError
from scopewise.records import Record
from scopewise.sources.blocks import TextBlock
from scopewise.sources.textfile import Head, SourceFile

__all__ = [
    "BUILTIN_READERS",
    "BUILTIN_WRITERS",
    "ExportItem",
    "ExportItems",
    "Reader",
    "Writer",
    "detect_format",
    "get_reader",
    "get_writer",
    "readers",
    "register_reader",
    "register_writer",
    "writers",
]

ExportItem = Record | tuple[Record, Mapping[str, Any]]


class ExportItems:
    """Export items whose pairs all carry the columns ``leading`` before the record's
    fields, so that a spreadsheet writer can head even an empty export with them."""

    def __init__(self, items: Iterable[ExportItem], leading: Sequence[str]) -> None:
        self.items = items
        self.leading = tuple(leading)

    def __iter__(self) -> Iterator[ExportItem]:
        return iter(self.items)
"""What a writer takes: a record, or a record with leading columns (CSV/XLSX)."""


@dataclass(frozen=True)
class Reader:
    """A file format scopewise can import.

    Parameters
    ----------
    name:
        Short name used with ``--format`` (``"ris"``).
    label:
        Name shown to people (``"RIS"``).
    extensions:
        Usual file extensions, lower case with the dot.
    sniff:
        ``True`` when the first bytes/characters of a file look like this format.
    read:
        Streams the records of a :class:`SourceFile`; raises
        :class:`~scopewise.errors.ImportFormatError` naming file and line on bad input.
    priority:
        Higher sniffs first (specific formats before generic ones such as CSV).
    blocks, parse_block:
        Optional, for large files: ``blocks`` cuts a file into
        :class:`~scopewise.sources.blocks.TextBlock` values of whole records and
        ``parse_block`` (a module-level function) parses one block, so that blocks can
        be parsed in worker processes. ``read`` must give the same records.
    """

    name: str
    label: str
    extensions: tuple[str, ...]
    sniff: Callable[[Head], bool]
    read: Callable[[SourceFile], Iterator[Record]]
    priority: int = 0
    blocks: Callable[[SourceFile], Iterator[TextBlock]] | None = None
    parse_block: Callable[[TextBlock], list[Record]] | None = None


@dataclass(frozen=True)
class Writer:
    """A file format scopewise can export to."""

    name: str
    label: str
    extensions: tuple[str, ...]
    write: Callable[[Path, Iterable[ExportItem]], int]
    description: str = field(default="")


# Fallback when the installed metadata predates the entry points (an old editable
# install): the same objects the entry points name.
BUILTIN_READERS: dict[str, str] = {
    "ris": "scopewise.sources.ris:READER",
    "medline": "scopewise.sources.medline:READER",
    "wos": "scopewise.sources.wos:READER",
    "ovid": "scopewise.sources.ovid:READER",
    "bibtex": "scopewise.sources.bibtex:READER",
    "pubmed-xml": "scopewise.sources.pubmed_xml:READER",
    "endnote-xml": "scopewise.sources.endnote_xml:READER",
    "endnote-tagged": "scopewise.sources.endnote_tagged:READER",
    "csl-json": "scopewise.sources.csljson:READER",
    "csv": "scopewise.sources.tabular:CSV_READER",
    "xlsx": "scopewise.sources.tabular:XLSX_READER",
}
BUILTIN_WRITERS: dict[str, str] = {
    "ris": "scopewise.sources.ris:WRITER",
    "bibtex": "scopewise.sources.bibtex:WRITER",
    "csv": "scopewise.sources.tabular:CSV_WRITER",
    "xlsx": "scopewise.sources.tabular:XLSX_WRITER",
    "csl-json": "scopewise.sources.csljson:WRITER",
}

_readers: dict[str, Reader] = {}
_writers: dict[str, Writer] = {}
_loaded = False


def register_reader(reader: Reader) -> None:
    """Add (or replace) a reader at run time, e.g. from a test or a script."""
    _ensure_loaded()
    _readers[reader.name] = reader


def register_writer(writer: Writer) -> None:
    """Add (or replace) a writer at run time."""
    _ensure_loaded()
    _writers[writer.name] = writer


def _load(target: str) -> Any:
    module_name, _, attr = target.partition(":")
    return getattr(importlib.import_module(module_name), attr)


def _ensure_loaded() -> None:
    global _loaded
    if _loaded:
        return
    _loaded = True
    for group, table, builtins, kind in (
        ("scopewise.readers", _readers, BUILTIN_READERS, Reader),
        ("scopewise.writers", _writers, BUILTIN_WRITERS, Writer),
    ):
        for entry in entry_points(group=group):
            value = entry.load()
            if callable(value) and not isinstance(value, kind):
                value = value()
            if isinstance(value, kind):
                table[value.name] = value  # type: ignore[assignment]
        for name, target in builtins.items():
            if name not in table:
                table[name] = _load(target)


def readers() -> dict[str, Reader]:
    """Every registered reader by name, highest sniff priority first."""
    _ensure_loaded()
    return dict(sorted(_readers.items(), key=lambda item: -item[1].priority))


def writers() -> dict[str, Writer]:
    """Every registered writer by name."""
    _ensure_loaded()
    return dict(_writers)


def get_reader(name: str) -> Reader:
    """The reader called ``name``, or a :class:`UsageError` listing the known ones."""
    table = readers()
    key = name.lower().strip().lstrip(".")
    aliases = {"nbib": "medline", "pubmed": "medline", "ciw": "wos", "bib": "bibtex",
               "tsv": "csv", "excel": "xlsx", "xls": "xlsx", "json": "csl-json",
               "endnote": "endnote-xml", "xml": "endnote-xml", "txt": "ris",
               "enw": "endnote-tagged", "refer": "endnote-tagged"}
    key = key if key in table else aliases.get(key, key)
    if key not in table:
        raise UsageError(f"unknown import format {name!r}; use one of: {', '.join(sorted(table))}")
    return table[key]


def get_writer(name: str | None, path: Path) -> Writer:
    """The writer called ``name``, or the one matching the extension of ``path``."""
    table = writers()
    if name:
        key = name.lower().strip().lstrip(".")
        key = {"bib": "bibtex", "json": "csl-json", "csljson": "csl-json", "excel": "xlsx",
               "tsv": "csv"}.get(key, key)
        if key in table:
            return table[key]
        raise UsageError(f"unknown export format {name!r}; use one of: {', '.join(sorted(table))}")
    suffix = path.suffix.lower()
    for writer in table.values():
        if suffix in writer.extensions:
            return writer
    raise UsageError(
        f"cannot tell the export format from {path.name!r}; "
        f"pass --format ({', '.join(sorted(table))})"
    )


def detect_format(path: str | Path, source: SourceFile | None = None) -> str:
    """The name of the reader for ``path``, decided from its content.

    Every reader sniffs the first bytes; when several accept, the one whose usual
    extension matches wins, else the most specific (highest priority). The extension
    alone never decides.

    Raises
    ------
    ImportFormatError
        The file is empty, binary or in no known format.
    """
    source = source or SourceFile(path)
    matches = [reader for reader in readers().values() if _safe_sniff(reader, source.head)]
    if not matches:
        if source.head.text is None:
            source.require_text("bibliographic records")
        raise ImportFormatError(
            "the format is not recognised (not RIS, MEDLINE, Ovid, Web of Science, EndNote, BibTeX, "
            "XML, CSV/TSV, Excel or CSL-JSON); check the file or pass --format",
            path=source.name,
        )
    for reader in matches:
        if source.head.suffix in reader.extensions:
            return reader.name
    return matches[0].name


def _safe_sniff(reader: Reader, head: Head) -> bool:
    try:
        return bool(reader.sniff(head))
    except Exception:  # a third-party sniffer must not break detection
        return False
