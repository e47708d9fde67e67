"""Labelled datasets for ``scopewise simulate``: what ASReview users bring.

A labelled dataset is a CSV (comma, semicolon or tab separated; ``.csv``, ``.tsv`` or
``.tab``), an Excel workbook (first sheet) or an RIS file, one record per row, each
labelled relevant (1) or irrelevant (0):

- in a table, by the first of these columns the file has (headers compared without
  case or surrounding spaces): ``label_included``, then ASReview's names
  ``asreview_label``, ``included``, ``label``, ``final_included``, ``included_label``,
  ``included_final``, ``included_flag``, ``include``; values 1/0, yes/no, y/n,
  true/false, include(d)/exclude(d), or 1.0/0.0 as a spreadsheet or pandas writes them;
- in RIS, by the note ASReview writes on export (``N1  - ASReview_relevant`` or
  ``ASReview_irrelevant``).

A table's title is ``title`` (or ``primary_title``), its abstract ``abstract`` (or
``notes_abstract``, ``abstract note``) and its keywords ``keywords``; a record's id is
its ``record_id`` (an RIS record's ``ID``), else its 0-based row number. Text is read
as written, so the same CSV gives the same order as it always did. The reading is
here, not in :mod:`scopewise.sources`, because a simulation needs the label on every
row and nothing else of the import (no search, no store); the format detection and the
Excel and RIS parsing are the import's own.
"""

from __future__ import annotations

import csv
import sys
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from scopewise.errors import ImportFormatError, UsageError
from scopewise.records import Record
from scopewise.sources.registry import detect_format, get_reader
from scopewise.sources.tabular import open_csv, open_first_sheet
from scopewise.sources.textfile import SourceFile

__all__ = ["LABEL_COLUMNS", "read_labelled"]

#: label columns, the first a file has wins: ours, then ASReview's names in its order
LABEL_COLUMNS = ("label_included", "asreview_label", "included", "label", "final_included",
                 "included_label", "included_final", "included_flag", "include")
_TITLE_COLUMNS = ("title", "primary_title")
_ABSTRACT_COLUMNS = ("abstract", "notes_abstract", "abstract note")
_TRUE = {"1", "1.0", "true", "yes", "y", "included", "include"}
_FALSE = {"0", "0.0", "false", "no", "n", "excluded", "exclude"}
_RIS_LABELS: dict[str, int | None] = {"asreview_relevant": 1, "asreview_irrelevant": 0, "asreview_not_seen": None}

Labelled = tuple[list[str], list[Record], list[int]]


def read_labelled(path: Path) -> Labelled:
    """Record ids, records and labels of a labelled dataset (see the module's notes).

    Raises
    ------
    UsageError
        The file cannot be opened.
    ImportFormatError
        Empty, binary, in another format, without labels, with a record not labelled
        1 or 0 (naming line and record), without records, or with repeated ids.
    """
    csv.field_size_limit(min(sys.maxsize, 2**31 - 1))
    try:
        # refuses a missing, empty or binary file; finds UTF-8, UTF-16 or cp1252
        source = SourceFile(path)
        fmt = detect_format(path, source)
        if fmt == "csv":
            ids, records, labels = _from_csv(source)
        elif fmt == "xlsx":
            ids, records, labels = _from_xlsx(source)
        elif fmt == "ris":
            ids, records, labels = _from_ris(source)
        else:
            raise ImportFormatError(
                f"a simulation reads a labelled CSV/TSV, Excel or RIS file; this is "
                f"{get_reader(fmt).label}", path=str(path))
    except OSError as error:
        raise UsageError(f"{path}: cannot read the file ({error.strerror})") from None
    if not records:
        raise ImportFormatError("the file holds no records", path=str(path))
    if len(set(ids)) != len(ids):
        raise ImportFormatError("record_id values are not unique", path=str(path))
    return ids, records, labels


def _columns(header: Sequence[Any]) -> dict[str, int]:
    """Header name (stripped, lower case) -> column index; the first of repeated names."""
    columns: dict[str, int] = {}
    for index, name in enumerate(header):
        columns.setdefault("" if name is None else str(name).strip().lower(), index)
    return columns


def _label_column(columns: Mapping[str, int], name: str) -> str:
    for column in LABEL_COLUMNS:
        if column in columns:
            return column
    raise ImportFormatError(
        "no label_included column (nor included, label, final_included or another of "
        "ASReview's label columns): a simulation needs every record labelled 1 or 0",
        path=name, line=1)


def _label(value: Any, column: str, name: str, line: int | None, record: int) -> int:
    text = "" if value is None else str(value).strip().lower()
    if text in _TRUE:
        return 1
    if text in _FALSE:
        return 0
    raise ImportFormatError(f"{column} is {text or 'empty'!r}; it must be 1 or 0",
                            path=name, line=line, record=record)


def _table(rows: Iterable[tuple[Sequence[Any], int | None]], header: Sequence[Any],
           name: str) -> Labelled:
    """Ids, records and labels of the rows under ``header`` (each row with its line)."""
    columns = _columns(header)
    label_column = _label_column(columns, name)

    def first(row: Sequence[Any], names: Sequence[str]) -> str:
        for column in names:
            index = columns.get(column)
            if index is not None:
                value = row[index] if index < len(row) else None
                return "" if value is None else str(value).strip()
        return ""

    ids: list[str] = []
    records: list[Record] = []
    labels: list[int] = []
    at = columns[label_column]
    for number, (row, line) in enumerate(rows):
        labels.append(_label(row[at] if at < len(row) else None, label_column, name,
                             line, number + 1))
        keywords = tuple(k.strip() for k in first(row, ("keywords",)).replace(",", ";")
                         .split(";") if k.strip())
        records.append(Record(title=first(row, _TITLE_COLUMNS),
                              abstract=first(row, _ABSTRACT_COLUMNS), keywords=keywords))
        ids.append(first(row, ("record_id",)) or str(number))
    return ids, records, labels


def _from_csv(source: SourceFile) -> Labelled:
    with open_csv(source, "a labelled CSV") as reader:
        try:
            header = next(reader, None)
            if header is None:
                raise ImportFormatError("the file is empty", path=source.name)

            def rows() -> Iterator[tuple[list[str], int]]:
                for row in reader:
                    if row:  # a blank line is no record
                        yield row, reader.line_num

            return _table(rows(), header, source.name)
        except csv.Error as error:
            raise ImportFormatError(f"unreadable CSV ({error}); check quotes around this row",
                                    path=source.name, line=reader.line_num) from None


def _from_xlsx(source: SourceFile) -> Labelled:
    with open_first_sheet(source) as (header, rows):
        return _table(((row, line) for line, row in rows), header, source.name)


def _ris_label(notes: Iterable[Any]) -> int | None:
    """The label of ASReview's first note that holds one (as ASReview reads it back)."""
    for note in notes:
        text = str(note).lower()
        for key, label in _RIS_LABELS.items():
            if key in text:
                return label
    return None


def _from_ris(source: SourceFile) -> Labelled:
    ids: list[str] = []
    records: list[Record] = []
    labels: list[int] = []
    for number, record in enumerate(get_reader("ris").read(source)):
        label = _ris_label(record.raw.get("N1", ()))
        if label is None:
            raise ImportFormatError(
                f"{record.title or 'a record'!r} has no ASReview_relevant or "
                "ASReview_irrelevant note: a simulation needs every record labelled (ASReview "
                "writes the label in N1 on export)", path=source.name, record=number + 1)
        labels.append(label)
        records.append(Record(title=record.title or "", abstract=record.abstract or "",
                              keywords=tuple(record.keywords)))
        given = record.raw.get("ID", ())
        ids.append(str(given[0]).strip() if given and str(given[0]).strip() else str(number))
    return ids, records, labels
