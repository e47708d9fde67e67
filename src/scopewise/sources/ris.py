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

from scopewise.errors import ImportFormatError
from scopewise.records import Record
from scopewise.sources.normalise import (
    build_record,
    first,
    parse_authors,
    parse_keywords,
    parse_pages,
    split_identifiers,
)
from scopewise.sources.registry import ExportItem, Reader, Writer
from scopewise.sources.textfile import Head, SourceFile

__all__ = ["READER", "WRITER", "ris_to_record", "write_ris"]

_TAG = re.compile(r"^([A-Z][A-Z0-9]) {1,2}-(?: (.*)|\s*)$")
_UPPER = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
_TAG_CHARS = _UPPER | frozenset("0123456789")
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
    return head.text is not None and bool(_SNIFF.search(head.text[:20000]))


def _values(raw: dict[str, list[str]], *tags: str) -> list[str]:
    out: list[str] = []
    for tag in tags:
        out.extend(raw.get(tag, ()))
    return out


def _pick(raw: dict[str, list[str]], *tags: str) -> str:
    for tag in tags:
        value = first(raw.get(tag))
        if value.strip():
            return value
    return ""


def ris_to_record(raw: dict[str, list[str]]) -> Record:
    """The normalised record for one RIS record's tags (``raw``: tag -> values)."""
    kind = first(raw.get("TY")).strip()
    authors = _values(raw, "AU", "A1")
    if not authors and kind in ("BOOK", "EDBOOK"):
        authors = _values(raw, "A2")  # an edited book: the editors stand for the authors
    start = _pick(raw, "SP")
    pmid = ""
    accession = _pick(raw, "AN")
    if accession.strip().isdigit() and _PUBMED_DB.search(" ".join(_values(raw, "DP", "DB"))):
        pmid = accession
    for url in _values(raw, "UR", "L2"):
        match = re.search(r"pubmed\.ncbi\.nlm\.nih\.gov/(\d+)|ncbi\.nlm\.nih\.gov/pubmed/(\d+)", url)
        if match and not pmid:
            pmid = match.group(1) or match.group(2)
    doi = _pick(raw, "DO", "DI")
    if not doi:
        doi = next((v for v in _values(raw, "L3", "UR", "L2", "M3") if "10." in v), "")
    issn, isbn = split_identifiers(_values(raw, "SN"))
    return build_record(
        {
            "title": _pick(raw, "TI", "T1", "CT", "BT"),
            "abstract": _pick(raw, "AB", "N2"),
            "authors": parse_authors(authors),
            "year": _pick(raw, "PY", "Y1", "DA", "Y2"),
            "journal": _pick(raw, "JF", "T2", "JO", "JA", "J2", "T3")
            if kind not in ("BOOK", "EDBOOK") else _pick(raw, "T3", "T2"),
            "volume": _pick(raw, "VL"),
            "issue": _pick(raw, "IS", "CP"),
            "pages": parse_pages(start, _pick(raw, "EP")),
            "doi": doi.splitlines()[0] if doi else "",
            "pmid": pmid,
            "pmcid": " ".join(_values(raw, "C2", "N1", "M2")),
            "issn": issn,
            "isbn": isbn,
            "url": _pick(raw, "UR", "L2", "LK").split("\n")[0],
            "keywords": parse_keywords(_values(raw, "KW")),
            "language": _pick(raw, "LA"),
            "publication_type": TYPES.get(kind, kind.lower()),
            "source_record_id": _pick(raw, "ID", "AN").split("\n")[0],
        },
        raw,
    )


def iter_ris(lines: Iterable[tuple[int, str]], name: str) -> Iterator[Record]:
    """Stream records from numbered lines; raise on a record cut off or never closed."""
    raw: dict[str, list[str]] | None = None
    start_line = 0
    last_tag = ""
    count = 0
    for number, line in lines:
        # Fast path for the common "XX  - value" shape; the regex handles the rest.
        if line[2:6] == "  - " and line[:1] in _UPPER and line[1:2] in _TAG_CHARS:
            tag, value = line[:2], line[6:].rstrip()
        elif match := _TAG.match(line):
            tag, value = match.group(1), (match.group(2) or "").rstrip()
        else:
            tag = ""
        if tag:
            if tag == "TY":
                if raw is not None:
                    raise ImportFormatError(
                        f"a new record starts here but record {count + 1} (line {start_line}) "
                        "has no 'ER  -' line; repair the file or export it again",
                        path=name, line=number, record=count + 1,
                    )
                raw, start_line = {"TY": [value]}, number
            elif tag == "ER":
                if raw is None:
                    raise ImportFormatError(
                        "'ER  -' without a record before it (no 'TY  -' line); "
                        "repair the file or export it again", path=name, line=number,
                    )
                count += 1
                yield ris_to_record(raw)
                raw = None
            elif raw is not None:
                raw.setdefault(tag, []).append(value)
            last_tag = tag
        elif raw is not None and line.strip():
            # A line without a tag continues the previous tag's value.
            values = raw.get(last_tag)
            if values is not None:
                values[-1] = f"{values[-1]}\n{line.rstrip()}" if values[-1] else line.rstrip()
    if raw is not None:
        raise ImportFormatError(
            f"the file ends inside record {count + 1} (started at line {start_line}, "
            "no 'ER  -' line); the file looks cut off: export it again",
            path=name, line=start_line, record=count + 1,
        )
    if count == 0:
        raise ImportFormatError("no RIS records found (no 'TY  -' line)", path=name)


def _read(source: SourceFile) -> Iterator[Record]:
    return iter_ris(source.lines("RIS"), source.name)


READER = Reader(
    name="ris", label="RIS", extensions=(".ris", ".txt", ".enw"), sniff=_sniff, read=_read,
    priority=50,
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

