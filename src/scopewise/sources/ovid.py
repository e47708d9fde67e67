"""Ovid tagged text: what Ovid (MEDLINE, Embase, PsycINFO, Global Health ...) writes
when records are exported in its tagged layout rather than as RIS.

Each record begins with a numbered line (``<12. >`` or ``<12>``), then two-to-four
letter tags padded to ``TAG  - value`` (``VN  - Ovid Technologies``, ``DB  - Embase``,
``TI``, ``AU``, ``SO`` ...); continuation lines are indented. The citation is often
only in ``SO`` ("Journal of Mental Health. 31(4) (pp 512-520), 2022." in Embase,
"Psychiatric Services. 73(2):150-157, 2022 Feb." in MEDLINE, "Journal. Vol.12(4),
2019, pp. 321-332." in PsycINFO), so journal, volume, issue and pages are read from it
where their own tags (``JN``, ``VO``, ``IP``, ``PG``) are missing. ``UI`` is the
PubMed ID only in a MEDLINE database; otherwise it is the database's own accession
number. Lines above the first record (the search history Ovid can write there) are
skipped. Every tag is kept in ``raw``.

Written here because no maintained Python library reads this layout; it shares the
tag syntax of PubMed's MEDLINE format (:mod:`scopewise.sources.medline`) but not its
record boundaries or its tags.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from scopewise.errors import ImportFormatError
from scopewise.records import Record
from scopewise.sources.normalise import (
    build_record,
    first_tagged,
    parse_authors,
    parse_keywords,
    split_identifiers,
)
from scopewise.sources.registry import Reader
from scopewise.sources.textfile import Head, SourceFile

__all__ = ["READER", "ovid_to_record"]

_HEADER = re.compile(r"^<\s*\d+\.?\s*>\s*$")
_TAG = re.compile(r"^([A-Z][A-Z0-9]{1,3}) *- ?(.*)$")
_SNIFF = re.compile(r"^VN  - Ovid\b|^<\s*\d+\.?\s*>[ \t]*\r?\n[A-Z][A-Z0-9]{1,3}  - ",
                    re.MULTILINE)
# Tags whose indented lines are further values, not the same value continued.
_LIST_TAGS = frozenset({"IN", "AD"})

# The citation in SO, from the most specific layout to the least.
_SOURCE_LAYOUTS = (
    # PsycINFO: "Journal of Abnormal Psychology. Vol.128(4), 2019, pp. 321-332."
    re.compile(r"^(?P<journal>.+?)\.\s+Vol\.?\s*(?P<volume>[\w-]+)(?:\((?P<issue>[^)]*)\))?"
               r",\s*(?:[A-Za-z]{3,9}\s+)?(?P<year>\d{4})(?:,\s*pp\.?\s*(?P<pages>[\w-]+))?"),
    # MEDLINE: "Psychiatric Services. 73(2):150-157, 2022 Feb."
    re.compile(r"^(?P<journal>.+?)\.\s+(?P<volume>\d[\w-]*)(?:\((?P<issue>[^)]*)\))?"
               r":(?P<pages>[^,]+),\s*(?P<year>\d{4})"),
    # Embase: "Journal of Mental Health. 31(4) (pp 512-520), 2022. Date of Publication: ..."
    re.compile(r"^(?P<journal>.+?)\.\s+(?P<volume>\d[\w-]*)\s*(?:\((?P<issue>[^)]*)\))?\s*"
               r"(?:\((?:pp\s*(?P<pages>[^)]*)|no pagination)\))?\s*,\s*(?P<year>\d{4})"),
)


def _sniff(head: Head) -> bool:
    return head.text is not None and bool(_SNIFF.search(head.text[:20000]))


def _citation(source: str) -> dict[str, str]:
    """Journal, volume, issue, pages and year read from an ``SO`` value ({} if none fits)."""
    for layout in _SOURCE_LAYOUTS:
        match = layout.match(source)
        if match:
            return {k: (v or "").strip() for k, v in match.groupdict().items()}
    return {}


def _is_medline(raw: dict[str, list[str]]) -> bool:
    return any("MEDLINE" in db.upper() or "PUBMED" in db.upper() for db in raw.get("DB", []))


def ovid_to_record(raw: dict[str, list[str]]) -> Record:
    """The normalised record for one Ovid record's tags."""
    cited = _citation(first_tagged(raw, "SO"))
    issn, isbn = split_identifiers(raw.get("IS", []) + raw.get("IB", []))
    types = raw.get("PT", [])
    accession = first_tagged(raw, "UI", "AN")
    headings = [h.lstrip("*").strip() for h in raw.get("MH", []) + raw.get("SH", [])]
    return build_record(
        {
            "title": first_tagged(raw, "TI", "OT"),
            "abstract": first_tagged(raw, "AB"),
            "authors": parse_authors(raw.get("FA") or raw.get("AU") or []),
            "year": first_tagged(raw, "YR", "DP", "EP") or cited.get("year", ""),
            "journal": first_tagged(raw, "JN", "JT", "JA") or cited.get("journal", ""),
            "volume": first_tagged(raw, "VO", "VI") or cited.get("volume", ""),
            "issue": first_tagged(raw, "IP") or cited.get("issue", ""),
            "pages": first_tagged(raw, "PG") or cited.get("pages", ""),
            "doi": first_tagged(raw, "DO"),
            "pmid": accession if _is_medline(raw) else "",
            "issn": issn,
            "isbn": isbn,
            "keywords": parse_keywords(raw.get("KW", []) + headings),
            "language": first_tagged(raw, "LG"),
            "publication_type": types[0].lower() if types else "",
            "source_record_id": accession,
        },
        raw,
    )


def iter_ovid(lines: Iterable[tuple[int, str]], name: str) -> Iterator[Record]:
    """Stream records from numbered lines of an Ovid tagged export."""
    raw: dict[str, list[str]] | None = None
    last = ""
    count = 0
    for number, line in lines:
        if not line.strip():
            continue
        numbered = _HEADER.match(line)
        if raw is None and not numbered and not _TAG.match(line):
            continue  # the search history Ovid may write above the first record
        if numbered:
            if raw:
                count += 1
                yield ovid_to_record(raw)
            raw, last = {}, ""
            continue
        if line[0] in " \t":
            if raw is None or not last:
                raise ImportFormatError(
                    "an indented line before any tag; this is not a complete Ovid export",
                    path=name, line=number,
                )
            values = raw[last]
            if last in _LIST_TAGS:
                values.append(line.strip())
            else:
                values[-1] = f"{values[-1]} {line.strip()}".strip()
            continue
        match = _TAG.match(line)
        if not match:
            raise ImportFormatError(
                "this line is neither an Ovid tag ('TI  - value'), a record number ('<1. >') "
                "nor an indented continuation; export the records from Ovid again (its RIS "
                "export imports too)", path=name, line=number, record=count + 1,
            )
        tag, value = match.group(1), match.group(2).rstrip()
        if raw is None or (tag == "VN" and "VN" in raw):
            # no numbered line before the first record, or between two records
            if raw:
                count += 1
                yield ovid_to_record(raw)
            raw = {}
        raw.setdefault(tag, []).append(value)
        last = tag
    if raw:
        count += 1
        yield ovid_to_record(raw)
    if count == 0:
        raise ImportFormatError("no Ovid records found (no tagged lines)", path=name)


def _read(source: SourceFile) -> Iterator[Record]:
    return iter_ovid(source.lines("Ovid"), source.name)


READER = Reader(
    name="ovid", label="Ovid tagged", extensions=(".txt", ".ovd", ".cgi"), sniff=_sniff,
    read=_read, priority=62,
)
