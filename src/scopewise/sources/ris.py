"""RIS: the tagged format every reference manager and most databases export.

One parser covers the dialects met in practice (PubMed via EndNote or Zotero,
Zotero, EndNote, Ovid, EBSCO, ProQuest, Embase, Scopus, Web of Science, Rayyan,
Dimensions): tags ``XX  - value``; records from ``TY`` to ``ER``; Ovid's numbering
lines (``1.``) between records are ignored; lines without a tag continue the
previous tag (EndNote writes keywords one per line under a single ``KW``); ``\\r``,
``\\n`` and ``\\r\\n`` all end a line (Web of Science mixes them).

Every tag, known or not, is kept in ``raw`` (tag -> list of values, in file order),
so RIS -> import -> export RIS writes every tag back. Own code rather than rispy:
the parser must stream, count lines for error messages and refuse a file cut off
mid-record instead of dropping its last record.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from pathlib import Path

from scopewise.records import Record, normalise_doi, normalise_pmid
from scopewise.sources.blocks import BLOCK_CHARS, BlockError, TextBlock, records_from_blocks
from scopewise.sources.building import new_record
from scopewise.sources.normalise import (
    clean_text,
    find_pmcid,
    first,
    parse_authors,
    parse_keywords,
    parse_pages,
    parse_year,
    split_identifiers,
)
from scopewise.sources.registry import ExportItem, Reader, Writer
from scopewise.sources.textfile import Head, SourceFile

__all__ = [
    "MAX_RECORD_CHARS",
    "READER",
    "WRITER",
    "parse_ris_block",
    "ris_blocks",
    "ris_to_record",
    "write_ris",
]

_TAG = re.compile(r"^([A-Z][A-Z0-9]) {1,2}-(?: (.*)|\s*)$")
_ER_LINE = re.compile(r"ER {1,2}-(?: .*|\s*)")  # the same lines _TAG reads as ER
_UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_TAG_PAIRS = frozenset(a + b for a in _UPPER for b in _UPPER + "0123456789")
MAX_RECORD_CHARS = 64 << 20
"""A record longer than this (64 Mi characters) is refused rather than held in memory."""
_SNIFF = re.compile(r"^(?:\d+\.\s*\n)?\s*TY {1,2}- ", re.MULTILINE)

TYPES = {
    "JOUR": "journal article", "JFULL": "journal", "ABST": "abstract", "BOOK": "book",
    "CHAP": "book chapter", "EBOOK": "book", "ECHAP": "book chapter", "EDBOOK": "edited book",
    "CONF": "conference proceedings", "CPAPER": "conference paper", "THES": "thesis",
    "RPRT": "report", "GEN": "generic", "NEWS": "newspaper article", "MGZN": "magazine article",
    "ELEC": "web page", "DATA": "dataset", "PAT": "patent", "SER": "serial", "INPR": "in press",
    "UNPB": "unpublished work", "STAT": "statute", "CASE": "case", "COMP": "software",
}
_LABELS = {v: k for k, v in TYPES.items() if k not in ("JFULL", "EBOOK", "ECHAP")}
_PUBMED_DB = re.compile(r"NLM|pubmed|medline", re.IGNORECASE)


def _sniff(head: Head) -> bool:
    # "\r" alone ends lines in some old Mac exports: the pattern anchors at line starts.
    return head.text is not None and bool(_SNIFF.search(head.text[:20000].replace("\r", "\n")))


_TITLE = ("TI", "T1", "CT", "BT")
_ABSTRACT = ("AB", "N2")
_YEAR = ("PY", "Y1", "DA", "Y2")
_JOURNAL = ("JF", "T2", "JO", "JA", "J2", "T3")
_BOOK_SERIES = ("T3", "T2")
_ISSUE = ("IS", "CP")
_DOI = ("DO", "DI")
_DOI_ELSEWHERE = ("L3", "UR", "L2", "M3")
_URL = ("UR", "L2", "LK")
_RECORD_ID = ("ID", "AN")
_PUBMED_URL = re.compile(r"pubmed\.ncbi\.nlm\.nih\.gov/(\d+)|ncbi\.nlm\.nih\.gov/pubmed/(\d+)")
_BOOKS = ("BOOK", "EDBOOK")


def _values(raw: dict[str, list[str]], *tags: str) -> list[str]:
    out: list[str] = []
    for tag in tags:
        values = raw.get(tag)
        if values:
            out.extend(values)
    return out


def _pick(raw: dict[str, list[str]], tags: tuple[str, ...]) -> str:
    """The first value of the first tag that has a non-blank one."""
    for tag in tags:
        values = raw.get(tag)
        if values:
            for value in values:
                if value and not value.isspace():
                    return value
    return ""


def ris_to_record(raw: dict[str, list[str]]) -> Record:
    """The normalised record for one RIS record's tags (``raw``: tag -> values)."""
    get = raw.get
    kind = first(get("TY")).strip()
    authors = _values(raw, "AU", "A1")
    if not authors and kind in _BOOKS:
        authors = _values(raw, "A2")  # an edited book: the editors stand for the authors
    pmid = ""
    accession = _pick(raw, ("AN",))
    if accession.strip().isdigit() and _PUBMED_DB.search(" ".join(_values(raw, "DP", "DB"))):
        pmid = accession
    if not pmid and ("UR" in raw or "L2" in raw):
        for url in _values(raw, "UR", "L2"):
            match = _PUBMED_URL.search(url)
            if match:
                pmid = match.group(1) or match.group(2)
                break
    doi = _pick(raw, _DOI)
    if not doi:
        doi = next((v for v in _values(raw, *_DOI_ELSEWHERE) if "10." in v), "")
    serial = get("SN")
    issn, isbn = split_identifiers(serial) if serial else ("", "")
    keywords = get("KW")
    pmcid = " ".join(_values(raw, "C2", "N1", "M2"))
    return new_record(
        clean_text(_pick(raw, _TITLE)),
        clean_text(_pick(raw, _ABSTRACT)),
        parse_authors(authors) if authors else (),
        parse_year(_pick(raw, _YEAR)),
        clean_text(_pick(raw, _JOURNAL) if kind not in _BOOKS else _pick(raw, _BOOK_SERIES)),
        clean_text(_pick(raw, ("VL",))),
        clean_text(_pick(raw, _ISSUE)),
        clean_text(parse_pages(_pick(raw, ("SP",)), _pick(raw, ("EP",)))),
        normalise_doi(doi.splitlines()[0]) if doi else "",
        normalise_pmid(pmid),
        find_pmcid(pmcid) if pmcid else "",
        clean_text(issn),
        clean_text(isbn),
        clean_text(_pick(raw, _URL).split("\n")[0]),
        parse_keywords(keywords) if keywords else (),
        clean_text(_pick(raw, ("LA",))),
        clean_text(TYPES.get(kind, kind.lower())),
        clean_text(_pick(raw, _RECORD_ID).split("\n")[0]),
        raw,
    )


def _after_last_er(text: str, lo: int) -> int:
    """Where the text after the last complete ``ER`` line starting at or after ``lo`` begins.

    ``-1`` when there is none. ``lo`` is the first index known to start a line.
    """
    pos = text.rfind("\n")
    while pos >= lo:
        found = text.rfind("\nER ", max(lo - 1, 0), pos)
        if found < 0:
            if lo == 0 and text.startswith("ER "):
                stop = text.find("\n")
                if _ER_LINE.fullmatch(text, 0, stop):
                    return stop + 1
            return -1
        stop = text.find("\n", found + 1)
        if _ER_LINE.fullmatch(text, found + 1, stop):
            return stop + 1
        pos = found
    return -1


def ris_blocks(source: SourceFile, size: int | None = None) -> Iterator[TextBlock]:
    """The file cut into blocks of whole records, each ending just after an ``ER`` line.

    Only the last block may end inside a record. A record longer than
    :data:`MAX_RECORD_CHARS` is handed over unfinished (and refused by the parser), so
    memory stays bounded even for a file that never closes its records.
    """
    held: list[str] = []
    held_size = 0
    index, at_line_start = 0, True
    for piece in source.chunks("RIS", size or BLOCK_CHARS):
        lo = 0 if at_line_start else piece.find("\n") + 1 or -1
        cut = _after_last_er(piece, lo) if lo >= 0 else -1
        at_line_start = piece.endswith("\n")
        if cut < 0 and held_size + len(piece) <= MAX_RECORD_CHARS:
            held.append(piece)
            held_size += len(piece)
            continue
        if cut < 0:  # no record end in sight: hand the text over as it is
            cut = len(piece)
        held.append(piece[:cut])
        text = "".join(held)
        rest = piece[cut:]
        held, held_size = ([rest], len(rest)) if rest else ([], 0)
        yield TextBlock(source.name, text, index, last=False)
        index += 1
    yield TextBlock(source.name, "".join(held), index, last=True)


def parse_ris_block(block: TextBlock) -> list[Record]:
    """The records of one block (see :func:`ris_blocks`).

    Raises
    ------
    BlockError
        A record without ``ER`` line, an ``ER`` without record, a file cut off, or
        no record at all; the record number is counted within the block.
    """
    records: list[Record] = []
    raw: dict[str, list[str]] | None = None
    start_line = 0
    last_tag = ""
    valid = _TAG_PAIRS
    for number, line in enumerate(block.text.split("\n"), start=1):
        # Fast path for the common "XX  - value" shape; the regex handles the rest.
        tag = line[:2]
        if line[2:6] == "  - " and tag in valid:
            value = line[6:].rstrip()
        elif not line:
            continue
        elif match := _TAG.match(line):
            tag, value = match.group(1), (match.group(2) or "").rstrip()
        else:
            if raw is not None and line and not line.isspace():
                # A line without a tag continues the previous tag's value.
                values = raw.get(last_tag)
                if values is not None:
                    text = line.rstrip()
                    values[-1] = f"{values[-1]}\n{text}" if values[-1] else text
            continue
        last_tag = tag
        if raw is not None:
            if tag == "ER":
                records.append(ris_to_record(raw))
                raw = None
            elif tag == "TY":
                raise BlockError(
                    "a new record starts here but record {record} (line {start}) "
                    "has no 'ER  -' line; repair the file or export it again",
                    block.name, number, len(records) + 1, start_line,
                )
            else:
                values = raw.get(tag)
                if values is None:
                    raw[tag] = [value]
                else:
                    values.append(value)
        elif tag == "TY":
            raw, start_line = {"TY": [value]}, number
        elif tag == "ER":
            raise BlockError(
                "'ER  -' without a record before it (no 'TY  -' line); "
                "repair the file or export it again", block.name, number,
            )
    if raw is not None:
        if block.last:
            raise BlockError(
                "the file ends inside record {record} (started at line {start}, "
                "no 'ER  -' line); the file looks cut off: export it again",
                block.name, start_line, len(records) + 1, start_line,
            )
        raise BlockError(
            "record {record} (started at line {start}) has no 'ER  -' line within "
            f"{MAX_RECORD_CHARS:,} characters; repair the file or export it again",
            block.name, start_line, len(records) + 1, start_line,
        )
    if block.last and block.index == 0 and not records:
        raise BlockError("no RIS records found (no 'TY  -' line)", block.name)
    return records


def iter_ris(lines: Iterable[tuple[int, str]], name: str) -> Iterator[Record]:
    """Stream records from numbered lines (kept for callers that already hold lines)."""
    text = "\n".join(line for _, line in lines)
    return records_from_blocks(iter([TextBlock(name, text, 0, last=True)]), parse_ris_block)


def _read(source: SourceFile) -> Iterator[Record]:
    return records_from_blocks(ris_blocks(source), parse_ris_block)


READER = Reader(
    name="ris", label="RIS", extensions=(".ris", ".txt", ".enw"), sniff=_sniff, read=_read,
    priority=50, blocks=ris_blocks, parse_block=parse_ris_block,
)


def _ris_raw(record: Record) -> dict[str, list[str]] | None:
    raw = record.raw
    if raw and "TY" in raw and all(re.fullmatch(r"[A-Z][A-Z0-9]", k) for k in raw):
        return {k: list(v) if isinstance(v, list | tuple) else [str(v)] for k, v in raw.items()}
    return None


def record_to_ris(record: Record) -> dict[str, list[str]]:
    """Tags for a record: its raw RIS tags when it came from RIS, else built from fields."""
    raw = _ris_raw(record)
    if raw is not None:
        return raw
    tags: dict[str, list[str]] = {"TY": [_LABELS.get(record.publication_type, "JOUR")]}

    def put(tag: str, *values: str) -> None:
        kept = [v for v in values if v]
        if kept:
            tags.setdefault(tag, []).extend(kept)

    put("TI", record.title)
    put("AU", *(a.display() for a in record.authors))
    put("PY", str(record.year) if record.year else "")
    put("T2", record.journal)
    put("VL", record.volume)
    put("IS", record.issue)
    if record.pages:
        start, _, end = record.pages.partition("-")
        put("SP", start)
        put("EP", end)
    put("AB", record.abstract)
    put("DO", record.doi)
    put("SN", *[s.strip() for s in f"{record.issn};{record.isbn}".split(";")])
    put("UR", record.url)
    put("KW", *record.keywords)
    put("LA", record.language)
    if record.pmid:
        put("AN", record.pmid)
        put("DB", "PubMed")
    put("C2", record.pmcid)
    put("ID", record.source_record_id)
    return tags


def write_ris(path: Path, items: Iterable[ExportItem]) -> int:
    """Write records as RIS (UTF-8, ``\\r\\n`` line ends as the RIS specification has)."""
    count = 0
    with path.open("w", encoding="utf-8", newline="\r\n") as out:
        for item in items:
            record = item[0] if isinstance(item, tuple) else item
            tags = record_to_ris(record)
            out.write(f"TY  - {first(tags.get('TY')) or 'GEN'}\n")
            for tag, values in tags.items():
                if tag in ("TY", "ER"):
                    continue
                for value in values:
                    out.write(f"{tag}  - {value}\n" if value else f"{tag}  -\n")
            out.write("ER  - \n\n")
            count += 1
    return count


WRITER = Writer(name="ris", label="RIS", extensions=(".ris",), write=write_ris)


def parse_ris_text(text: str, name: str = "input") -> list[Record]:
    """Records from RIS text in memory (used by tests and connectors)."""
    return list(iter_ris(enumerate(text.splitlines(), start=1), name))

