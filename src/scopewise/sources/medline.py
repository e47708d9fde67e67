"""PubMed MEDLINE (``.nbib``, ``.txt``): the "PubMed" format of PubMed's Send to > File.

Records start with ``PMID-`` and are separated by blank lines; tags are up to four
characters padded to ``TAG - value``; continuation lines are indented by six
spaces. Every tag is kept in ``raw`` (tag -> list of values).
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

__all__ = ["READER", "medline_to_record"]

_TAG = re.compile(r"^([A-Z0-9]{1,4}) *- (.*)$")
_SNIFF = re.compile(r"^PMID- *\d+", re.MULTILINE)


def _sniff(head: Head) -> bool:
    return head.text is not None and bool(_SNIFF.search(head.text[:20000]))


def _tagged(values: list[str], label: str) -> str:
    for value in values:
        if value.rstrip().endswith(f"[{label}]"):
            return value.rsplit("[", 1)[0].strip()
    return ""


def medline_to_record(raw: dict[str, list[str]]) -> Record:
    """The normalised record for one MEDLINE record's tags."""
    ids = raw.get("AID", []) + raw.get("LID", [])
    issn, isbn = split_identifiers(raw.get("IS", []) + raw.get("ISBN", []))
    types = raw.get("PT", [])
    return build_record(
        {
            "title": first_tagged(raw, "TI", "BTI"),
            "abstract": first_tagged(raw, "AB"),
            "authors": parse_authors(raw.get("FAU") or raw.get("AU") or []),
            "year": first_tagged(raw, "DP", "DEP", "EDAT"),
            "journal": first_tagged(raw, "JT", "TA"),
            "volume": first_tagged(raw, "VI"),
            "issue": first_tagged(raw, "IP"),
            "pages": first_tagged(raw, "PG"),
            "doi": _tagged(ids, "doi"),
            "pmid": first_tagged(raw, "PMID"),
            "pmcid": first_tagged(raw, "PMC"),
            "issn": issn,
            "isbn": isbn,
            "keywords": parse_keywords(raw.get("OT", []) + raw.get("MH", []), separators=";"),
            "language": first_tagged(raw, "LA"),
            "publication_type": types[0].lower() if types else "",
            "source_record_id": first_tagged(raw, "PMID"),
        },
        raw,
    )


def iter_medline(lines: Iterable[tuple[int, str]], name: str) -> Iterator[Record]:
    """Stream records from numbered MEDLINE lines."""
    raw: dict[str, list[str]] | None = None
    last = ""
    count = 0
    for number, line in lines:
        if not line.strip():
            continue
        match = _TAG.match(line)
        if match and not line.startswith(" "):
            tag, value = match.group(1), match.group(2).rstrip()
            if tag == "PMID":
                if raw is not None:
                    count += 1
                    yield medline_to_record(raw)
                raw = {}
            elif raw is None:
                raise ImportFormatError(
                    f"tag {tag!r} before the first 'PMID-' line; this is not a complete "
                    "MEDLINE file", path=name, line=number,
                )
            raw.setdefault(tag, []).append(value)
            last = tag
        elif raw is not None and line.startswith(" "):
            values = raw[last]
            values[-1] = f"{values[-1]} {line.strip()}".strip()
        else:
            raise ImportFormatError(
                "this line is neither a MEDLINE tag ('TAG - value') nor a continuation; "
                "export the file again from PubMed (format: PubMed)", path=name, line=number,
                record=count + 1,
            )
    if raw is not None:
        count += 1
        yield medline_to_record(raw)
    if count == 0:
        raise ImportFormatError("no MEDLINE records found (no 'PMID-' line)", path=name)


def _read(source: SourceFile) -> Iterator[Record]:
    return iter_medline(source.lines("MEDLINE"), source.name)


READER = Reader(
    name="medline", label="PubMed MEDLINE", extensions=(".nbib", ".txt", ".medline"),
    sniff=_sniff, read=_read, priority=60,
)
