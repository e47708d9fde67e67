"""Web of Science tagged text (``.ciw``, "Plain text" ``.txt``), also Zoological Record.

``FN``/``VR`` header, records from ``PT`` to ``ER``, ``EF`` at the end; two-letter
tags followed by a space; continuation lines indented by three spaces. For tags that
list one item a line (authors, addresses, cited references) each continuation is a
new value; for the others it continues the text. Every tag is kept in ``raw``.
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
    parse_pages,
    split_identifiers,
)
from scopewise.sources.registry import Reader
from scopewise.sources.textfile import Head, SourceFile

__all__ = ["READER", "wos_to_record"]

_TAG = re.compile(r"^([A-Z][A-Z0-9])(?: (.*))?$")
_LIST_TAGS = frozenset({"AU", "AF", "BA", "BF", "CA", "GP", "BE", "C1", "C3", "CR", "RP", "EM",
                        "RI", "OI", "FU", "SE"})
_TYPES = {"J": "journal article", "B": "book", "S": "book in series", "P": "patent",
          "C": "conference paper"}


def _sniff(head: Head) -> bool:
    if head.text is None:
        return False
    text = head.text.lstrip("\ufeff")[:5000]
    return text.startswith("FN ") or bool(re.match(r"(?:VR [^\n]*\n)?PT [A-Z]\s*\n", text))


def wos_to_record(raw: dict[str, list[str]]) -> Record:
    """The normalised record for one Web of Science record's tags."""
    issn, isbn = split_identifiers(raw.get("SN", []) + raw.get("EI", []) + raw.get("BN", []))
    pages = parse_pages(first_tagged(raw, "BP"), first_tagged(raw, "EP")) or first_tagged(raw, "AR")
    names = [re.sub(r"\s*\([^)]*@[^)]*\)\s*", " ", a) for a in raw.get("AF") or raw.get("AU", [])]
    return build_record(
        {
            "title": first_tagged(raw, "TI"),
            "abstract": first_tagged(raw, "AB"),
            "authors": parse_authors(names),
            "year": first_tagged(raw, "PY", "PD", "EA"),
            "journal": first_tagged(raw, "SO", "SE"),
            "volume": first_tagged(raw, "VL"),
            "issue": first_tagged(raw, "IS"),
            "pages": pages,
            "doi": first_tagged(raw, "DI", "D2"),
            "pmid": first_tagged(raw, "PM"),
            "issn": issn,
            "isbn": isbn,
            "keywords": parse_keywords(raw.get("DE", []) + raw.get("ID", []) + raw.get("MQ", [])),
            "language": first_tagged(raw, "LA"),
            "publication_type": first_tagged(raw, "DT") or _TYPES.get(first_tagged(raw, "PT"), ""),
            "source_record_id": first_tagged(raw, "UT", "AN"),
        },
        raw,
    )


def iter_wos(lines: Iterable[tuple[int, str]], name: str) -> Iterator[Record]:
    """Stream records from numbered Web of Science lines."""
    raw: dict[str, list[str]] | None = None
    start = 0
    last = ""
    count = 0
    for number, line in lines:
        if not line.strip():
            continue
        if line.startswith("  ") or line.startswith("\t"):
            if raw is not None and last:
                values = raw[last]
                if last in _LIST_TAGS:
                    values.append(line.strip())
                else:
                    values[-1] = f"{values[-1]} {line.strip()}".strip()
            continue
        match = _TAG.match(line)
        if not match:
            raise ImportFormatError(
                "this line is neither a Web of Science tag nor a continuation; export the "
                "file again (Plain text or Tab-delimited)", path=name, line=number,
            )
        tag, value = match.group(1), (match.group(2) or "").rstrip()
        if tag in ("FN", "VR", "EF") and raw is None:
            continue
        if tag == "PT":
            if raw is not None:
                raise ImportFormatError(
                    f"a new record starts here but record {count + 1} (line {start}) has no "
                    "'ER' line; repair the file or export it again",
                    path=name, line=number, record=count + 1,
                )
            raw, start = {}, number
        elif tag == "ER":
            if raw is None:
                raise ImportFormatError("'ER' without a record before it", path=name, line=number)
            count += 1
            yield wos_to_record(raw)
            raw = None
            continue
        elif raw is None:
            raise ImportFormatError(
                f"tag {tag!r} outside a record (records start with 'PT')", path=name, line=number
            )
        raw.setdefault(tag, []).append(value)
        last = tag
    if raw is not None:
        raise ImportFormatError(
            f"the file ends inside record {count + 1} (started at line {start}, no 'ER' line); "
            "the file looks cut off: export it again", path=name, line=start, record=count + 1,
        )
    if count == 0:
        raise ImportFormatError("no Web of Science records found (no 'PT' line)", path=name)


def _read(source: SourceFile) -> Iterator[Record]:
    return iter_wos(source.lines("Web of Science"), source.name)


READER = Reader(
    name="wos", label="Web of Science tagged", extensions=(".ciw", ".txt"), sniff=_sniff,
    read=_read, priority=60,
)
