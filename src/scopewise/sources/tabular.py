"""Spreadsheets: CSV, TSV and Excel (``.xlsx``), read and written.

Columns are mapped to normalised fields automatically (:mod:`.columns`); every
column, mapped or not, is kept in ``raw`` under its header, so labels such as
``label_included`` travel with the record. A file without a title column is
refused, naming the columns it has. CSV is streamed row by row; Excel is read with
openpyxl's read-only mode, also row by row.
"""

from __future__ import annotations

import csv
import re
import sys
import zipfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from scopewise.cells import read_text_cell, text_cell
from scopewise.errors import ImportFormatError
from scopewise.records import RECORD_FIELDS, Record
from scopewise.sources.columns import is_wos_header, rank_columns
from scopewise.sources.normalise import (
    build_record,
    parse_authors,
    parse_keywords,
    parse_pages,
)
from scopewise.sources.registry import ExportItem, Reader, Writer
from scopewise.sources.textfile import Head, SourceFile

__all__ = [
    "CSV_READER",
    "CSV_WRITER",
    "EXPORT_FIELDS",
    "XLSX_READER",
    "XLSX_WRITER",
    "embase_source",
    "export_row",
    "first_sheet_rows",
    "open_csv",
    "open_first_sheet",
    "row_to_record",
]

csv.field_size_limit(min(sys.maxsize, 2**31 - 1))
EXPORT_FIELDS = tuple(f for f in RECORD_FIELDS if f not in ("raw", "source_record_id"))
_SCOPUS_NAME = re.compile(r"^\S.*\s(?:[A-Z]\.-?)+$")  # "Li W.", "van Dijk J.-P."


# initials: "S. B.", "M.", "J.-P.", "Th.", "J" (not a short family name such as "Li")
_INITIALS = re.compile(r"^(?:(?:[A-Z][a-z]?\.|[A-Z](?![a-z]))(?:[\s-]+|$))+$")
_VANCOUVER_NAME = re.compile(r"^\S.*\s[A-Z]{1,3}$")  # "Smith JA", "van Dijk J"
_GIVEN_FIRST = re.compile(r"^(?:[A-Z][a-z]?\.[\s-]*)+[^\W\d_]")  # "D. Pavlinac", "R. De La Garza"
_INITIALS_FIRST = re.compile(r"^[A-Z]{1,3}(?:-[A-Z])?\s+[^\W\d_]")  # "J Smith", "KL Jones", "M-J Lee"
_SUFFIXES = frozenset({"Jr.", "Jr", "Sr.", "Sr", "II", "III", "IV"})


def _split_authors(value: str) -> tuple[Any, ...]:
    for separator in (";", "|"):
        if separator in value:
            return parse_authors(value, separator=separator)
    if " and " in value:
        # "D. Pavlinac, R. Langer and L. Deftos": commas between names written given
        # name first, " and " before the last
        names: list[str] = []
        for piece in value.split(" and "):
            commas: list[str] = []
            for part in (p.strip() for p in piece.split(",")):
                if commas and part in _SUFFIXES:  # "R. Dawson, Jr."
                    commas[-1] = f"{commas[-1]} {part}"
                else:
                    commas.append(part)
            names += commas if len(commas) > 1 and all(_GIVEN_FIRST.match(p) for p in commas) \
                else [piece]
        return parse_authors(names)
    parts = [p.strip() for p in value.split(",")]
    if len(parts) > 1 and (all(_SCOPUS_NAME.match(p) for p in parts)  # "Li W., Dou Z."
                           or all(_VANCOUVER_NAME.match(p) for p in parts)):  # "Li W, Dou Z"
        return parse_authors(parts)
    if len(parts) > 1:
        # Google Scholar (Publish or Perish): "J Smith, KL Jones, A Brown…", the list cut
        # short with an ellipsis
        listed = [p.removesuffix("…").removesuffix("...").strip() for p in parts]
        if all(_INITIALS_FIRST.match(p) for p in listed if p):
            return parse_authors([p for p in listed if p])
    paired = _family_given_pairs(parts)
    if paired:
        return parse_authors(paired)
    return parse_authors(value)


def _given_like(part: str) -> bool:
    """One to four words, each initials or a capitalised name ("George A.", "S. B.")."""
    words = part.split()
    return 0 < len(words) <= 4 and all(_INITIALS.match(w) or _capitalised(w) for w in words)


def _capitalised(word: str) -> bool:
    """``George``, ``Anne-Marie``: a capital, then lower-case letters (hyphens and
    apostrophes allowed)."""
    rest = word[1:].replace("-", "").replace("'", "")
    return word[0].isupper() and rest.isalpha() and rest.islower()


def _family_given_pairs(parts: list[str]) -> list[str]:
    """``Andersen, S. B., Karstoft, K. I.`` or ``Bonanno, George A., Mancini, Anthony D.``
    (commas between and within names, as in ASReview's labelled datasets) as
    ``["Andersen, S. B.", "Karstoft, K. I."]``. Empty unless every second part reads as
    given names, at least one of them with initials (``Smith, Jane, Doe, John`` stays
    one name: nothing shows where names end), and no other part is initials alone. A
    name's stray quotes (``"ODonnell, M."``) are dropped."""
    parts = [p.strip().strip('"').strip() for p in parts]
    if len(parts) < 4 or len(parts) % 2:
        return []
    families, givens = parts[0::2], parts[1::2]
    if (not all(_given_like(g) for g in givens)
            or not any(_INITIALS.match(w) for g in givens for w in g.split())
            or any(not f or _INITIALS.match(f) for f in families)):
        return []
    return [f"{family}, {given}" for family, given in zip(families, givens, strict=True)]


# Embase's CSV puts the whole citation in "Source": "Clinics in Perinatology (2018) 45:4
# (769-785). Date of Publication: 1 Dec 2018", "Gut (2019) 68 Supplement 2 (A12-A13)",
# "PLoS ONE (2019) 14:1 Article Number: e0209483"
_EMBASE_SOURCE = re.compile(
    r"^(?P<journal>\S.*?) \((?P<year>\d{4})\)"
    r"(?: (?P<volume>[^\s:(.]+)(?::(?P<issue>[^\s(.]+))?)?"
    r"(?P<supplement> Supplement(?: \S+)?)?"
    r"(?: \((?P<pages>[^)]*)\)| Article Number: (?P<article>\S+?))?"
    r"\.?(?: Date of Publication: .*)?$"
)


def embase_source(text: str) -> dict[str, str] | None:
    """Journal, year, volume, issue and pages of a citation in Embase's "Source" column,
    or ``None`` when ``text`` is not one (a plain journal name).

    >>> embase_source("Clinics in Perinatology (2018) 45:4 (769-785). Date of Publication: 1 Dec 2018")
    {'journal': 'Clinics in Perinatology', 'year': '2018', 'volume': '45', 'issue': '4', 'pages': '769-785'}
    >>> embase_source("Journal of Hepatology") is None
    True
    """
    found = _EMBASE_SOURCE.match(text.strip())
    if found is None or not (found["volume"] or found["pages"] or found["article"]
                             or "Date of Publication:" in text):
        return None
    issue = found["issue"] or ""
    if found["supplement"]:
        issue = f"{issue} {found['supplement'].strip()}".strip()
    return {"journal": found["journal"], "year": found["year"], "volume": found["volume"] or "",
            "issue": issue, "pages": found["pages"] or found["article"] or ""}


# PubMed's CSV ("Create file") gives volume, issue and pages only in "Citation":
# "J Ment Health. 2019 Mar;28(2):101-110. doi: 10.1000/x. Epub 2019 Mar 4.",
# "BMJ. 2020 Jan 6;368:l6890.", "J Ment Health. 2023 Aug 14:1-9." (online first)
_PUBMED_CITATION = re.compile(
    r"^[^.]+(?:\.[^.;]+)*?\.\s+\d{4}(?:\s[\w\s-]*)?"
    r"(?:;(?P<volume>[^(:;.\s]+)?(?:\((?P<issue>[^)]*)\))?)?"
    r"(?::(?P<pages>[^.;\s]+))?\.")


def pubmed_citation(text: str) -> dict[str, str] | None:
    """Volume, issue and pages of a citation in PubMed's CSV "Citation" column, or
    ``None`` when ``text`` is not one.

    >>> pubmed_citation("J Ment Health. 2019 Mar;28(2):101-110. doi: 10.1000/x.")
    {'volume': '28', 'issue': '2', 'pages': '101-110'}
    >>> pubmed_citation("A report for the ministry") is None
    True
    """
    found = _PUBMED_CITATION.match(text.strip())
    if found is None or not (found["volume"] or found["pages"]):
        return None
    return {k: found[k] or "" for k in ("volume", "issue", "pages")}


def row_to_record(values: Sequence[Any], header: Sequence[str],
                  mapping: Mapping[str, int | Sequence[int]]) -> Record:
    """The record for one row. ``mapping`` gives each field's column
    (:func:`~.columns.map_columns`) or columns in order of preference
    (:func:`~.columns.rank_columns`): the first that is not empty in this row."""
    def get(field: str) -> str:
        found = mapping.get(field)
        for index in (found,) if isinstance(found, int) else found or ():
            if index >= len(values) or values[index] is None:
                continue
            value = values[index]
            if isinstance(value, float) and value.is_integer():
                value = int(value)
            text = str(value).strip()
            if text:
                return text
        return ""

    raw = {name: ("" if v is None else v if isinstance(v, str) else str(v))
           for name, v in zip(header, values, strict=False) if name}
    keywords = get("keywords")
    journal, volume, issue = get("journal"), get("volume"), get("issue")
    pages, year = get("pages") or parse_pages(get("page_start"), get("page_end")), get("year")
    cited = embase_source(journal) if not (volume or pages) else None
    if cited is not None:
        journal, year, volume, issue, pages = (
            cited["journal"], year or cited["year"], cited["volume"], cited["issue"],
            cited["pages"])
    elif not (volume or pages) and raw.get("Citation"):
        found = pubmed_citation(raw["Citation"])
        if found is not None:
            volume, issue, pages = found["volume"], found["issue"], found["pages"]
    return build_record(
        {
            "title": get("title"),
            "abstract": get("abstract"),
            "authors": _split_authors(get("authors")),
            "year": year,
            "journal": journal,
            "volume": volume,
            "issue": issue,
            "pages": pages,
            "doi": get("doi"),
            "pmid": get("pmid"),
            "pmcid": get("pmcid"),
            "issn": get("issn"),
            "isbn": get("isbn"),
            "url": get("url"),
            "keywords": parse_keywords(keywords, separators=";|" if re.search("[;|]", keywords)
                                       else ","),
            "language": get("language"),
            "publication_type": get("publication_type"),
            "source_record_id": get("source_record_id"),
        },
        raw,
    )


def _cell_texts(row: Sequence[Any]) -> list[str]:
    return ["" if cell is None else str(cell) for cell in row]


#: rows of a note above the header that a reader steps over (Dimensions writes one:
#: "About the data: Exported on ...")
_PREAMBLE_ROWS = 3


def _find_header(first: Sequence[Any], following: Iterator[tuple[int, Sequence[Any]]],
                 name: str) -> tuple[list[str], dict[str, tuple[int, ...]]]:
    """The header row and its column mapping: ``first``, or the first of ``following``
    (line number, row) below a note of one or two cells, at most :data:`_PREAMBLE_ROWS`
    rows down. Without a title column there, the message names the first row."""
    row, line = first, 1
    while True:
        header = _cell_texts(row)
        mapping = rank_columns(header)
        if "title" in mapping:
            return header, mapping
        if line > _PREAMBLE_ROWS or sum(1 for cell in header if cell.strip()) > 2:
            break
        below = next(following, None)
        if below is None:
            break
        line, row = below
    shown = ", ".join(repr(h) for h in _cell_texts(first)[:12] if h) or "none"
    raise ImportFormatError(
        f"no title column found (columns: {shown}); rename the column that holds "
        "titles to 'title' and import again", path=name, line=1,
    )


def _header_line(text: str) -> str:
    """The header's line: the first, or the second when the first is a note without a
    delimiter and the second names a title column (as Dimensions writes its exports)."""
    lines = text.lstrip("\ufeff").split("\n", 2)
    if len(lines) > 1 and not any(d in lines[0] for d in "\t,;") and any(
            d in lines[1] for d in "\t,;") and "title" in lines[1].lower():
        return lines[1]
    return lines[0]


def _sniff_csv(head: Head) -> bool:
    if head.text is None:
        return False
    first_line = head.text.lstrip("\ufeff").split("\n", 1)[0]
    if head.suffix in (".csv", ".tsv", ".tab"):
        first_line = _header_line(head.text)
    if first_line.count("\t") >= 1 or first_line.count(",") >= 1 or first_line.count(";") >= 1:
        return bool(re.search(r"title", first_line, re.IGNORECASE)) or head.suffix in (
            ".csv", ".tsv", ".tab") or is_wos_header(first_line.rstrip("\r").split("\t"))
    return False


def _delimiter(head: str, suffix: str) -> str:
    """The delimiter of a CSV from its header line: tab, semicolon or comma."""
    first_line = _header_line(head)
    if suffix in (".tsv", ".tab") or first_line.count("\t") > first_line.count(","):
        return "\t"
    if first_line.count(";") > first_line.count(","):
        return ";"
    return ","


@contextmanager
def open_csv(source: SourceFile, what: str) -> Iterator[Any]:
    """A :func:`csv.reader` over the file's text (its delimiter found from the first
    line, a BOM dropped); ``what`` names the file in the message for binary content."""
    delimiter = _delimiter(source.head.text or "", source.head.suffix)
    with source.open_text(what) as handle:
        lines = (line.lstrip("\ufeff") if i == 0 else line for i, line in enumerate(handle))
        yield csv.reader(lines, delimiter=delimiter)


def _read_csv(source: SourceFile) -> Iterator[Record]:
    with open_csv(source, "CSV") as reader:
        try:
            header = next(reader)
        except StopIteration:
            raise ImportFormatError("the file is empty", path=source.name) from None
        except csv.Error as error:
            raise ImportFormatError(f"unreadable CSV ({error})", path=source.name, line=1) from None
        try:
            header, mapping = _find_header(
                header, ((reader.line_num, row) for row in reader), source.name)
        except csv.Error as error:
            raise ImportFormatError(f"unreadable CSV ({error})", path=source.name,
                                    line=reader.line_num + 1) from None
        count = 0
        try:
            for row in reader:
                if not any(cell.strip() for cell in row):
                    continue
                count += 1
                # a formula-like cell behind an apostrophe (how scopewise and careful
                # spreadsheet users write one) is read as the text it stands for
                yield row_to_record([read_text_cell(cell) for cell in row], header, mapping)
        except csv.Error as error:
            raise ImportFormatError(
                f"unreadable CSV ({error}); check quotes around this row",
                path=source.name, line=reader.line_num, record=count + 1,
            ) from None
    if count == 0:
        raise ImportFormatError("the CSV has a header but no rows", path=source.name)


def _sniff_xlsx(head: Head) -> bool:
    return head.data.startswith(b"PK\x03\x04") and (
        b"xl/" in head.data or head.suffix in (".xlsx", ".xlsm")
    )


@contextmanager
def open_first_sheet(
    source: SourceFile,
) -> Iterator[tuple[tuple[Any, ...], Iterator[tuple[int, tuple[Any, ...]]]]]:
    """The first sheet of a workbook: its header row, and its rows that hold a value,
    each with its line number. A damaged workbook, a missing sheet or an empty one is
    an :class:`ImportFormatError`."""
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(source.path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as error:
        raise ImportFormatError(f"not a readable Excel workbook ({error})", path=source.name) from None
    try:
        rows = first_sheet_rows(workbook, lambda why: ImportFormatError(why, path=source.name))
        header = next(rows, None)
        if header is None:
            raise ImportFormatError("the first sheet is empty", path=source.name)
        yield header, ((line, row) for line, row in enumerate(rows, start=2)
                       if any(cell not in (None, "") for cell in row))
    finally:
        workbook.close()


def _read_xlsx(source: SourceFile) -> Iterator[Record]:
    with open_first_sheet(source) as (header_row, rows):
        header, mapping = _find_header(header_row, rows, source.name)
        count = 0
        for _line, row in rows:
            count += 1
            yield row_to_record(row, header, mapping)
        if count == 0:
            raise ImportFormatError("the first sheet has a header but no rows", path=source.name)


def first_sheet_rows(
    workbook: Any, fail: Callable[[str], Exception]
) -> Iterator[tuple[Any, ...]]:
    """The values of the first sheet's rows, read as they come (a read-only workbook
    parses its sheet lazily); ``fail(why)`` is raised when there is no sheet or the
    sheet's XML is damaged, instead of openpyxl's own errors."""
    if not workbook.worksheets:
        raise fail("the workbook has no sheet")
    rows = workbook.worksheets[0].iter_rows(values_only=True)
    while True:
        try:
            row = next(rows)
        except StopIteration:
            return
        except Exception as exc:  # openpyxl and the XML parser raise many kinds
            raise fail(f"cannot read the workbook ({type(exc).__name__})") from None
        yield row


CSV_READER = Reader(name="csv", label="CSV/TSV", extensions=(".csv", ".tsv", ".tab"),
                    sniff=_sniff_csv, read=_read_csv, priority=10)
XLSX_READER = Reader(name="xlsx", label="Excel", extensions=(".xlsx", ".xlsm"), sniff=_sniff_xlsx,
                     read=_read_xlsx, priority=30)


def export_row(record: Record) -> dict[str, Any]:
    """Normalised fields as spreadsheet cells (authors and keywords ``"; "``-joined)."""
    row: dict[str, Any] = {"source_record_id": record.source_record_id}
    for field in EXPORT_FIELDS:
        value = getattr(record, field)
        if field == "authors":
            value = "; ".join(a.display() for a in value)
        elif field == "keywords":
            value = "; ".join(value)
        elif value is None:
            value = ""
        row[field] = value
    return row


def _rows(items: Iterable[ExportItem]) -> Iterator[dict[str, Any]]:
    for item in items:
        if isinstance(item, tuple):
            record, extra = item
            yield {**extra, **{k: v for k, v in export_row(record).items() if k not in extra}}
        else:
            yield export_row(item)


def _empty_header(items: Iterable[ExportItem]) -> list[str]:
    """The header of an export without records: the columns the pairs would have
    carried (:class:`ExportItems`), then the record's fields."""
    leading = list(getattr(items, "leading", ())) or ["source_record_id"]
    return [*leading, *(f for f in EXPORT_FIELDS if f not in leading)]


def write_csv(path: Path, items: Iterable[ExportItem]) -> int:
    """Write normalised fields as CSV (UTF-8 with BOM so Excel reads accents)."""
    count = 0
    delimiter = "\t" if path.suffix.lower() in (".tsv", ".tab") else ","
    with path.open("w", encoding="utf-8-sig", newline="") as out:
        writer: csv.DictWriter[str] | None = None
        for row in _rows(items):
            if writer is None:
                writer = csv.DictWriter(out, fieldnames=list(row), delimiter=delimiter)
                writer.writeheader()
            writer.writerow({k: text_cell(v) for k, v in row.items()})
            count += 1
        if writer is None:
            csv.writer(out, delimiter=delimiter).writerow(_empty_header(items))
    return count


_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def write_xlsx(path: Path, items: Iterable[ExportItem]) -> int:
    """Write normalised fields to the first sheet of an Excel workbook (streamed)."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("records")
    count = 0
    header: list[str] | None = None
    for row in _rows(items):
        if header is None:
            header = list(row)
            sheet.append(header)
        sheet.append([_ILLEGAL.sub("", v) if isinstance(v, str) else v for v in row.values()])
        count += 1
    if header is None:
        sheet.append(_empty_header(items))
    workbook.save(path)
    return count


CSV_WRITER = Writer(name="csv", label="CSV", extensions=(".csv", ".tsv"), write=write_csv)
XLSX_WRITER = Writer(name="xlsx", label="Excel", extensions=(".xlsx",), write=write_xlsx)
