"""EndNote tagged text (``.enw``, the Refer/BibIX style): ``%0 Journal Article``.

Publishers' "download citation → EndNote" links, Google Scholar and EndNote's own
"EndNote Export" style write one field a line: a ``%`` and one character naming the
field, a space, the value (``%A`` an author, ``%T`` the title, ``%J`` the journal,
``%D`` the year, ``%R`` the DOI, ``%X`` the abstract...). A record starts at ``%0``
(its type) and ends at a blank line; a line that does not start with a tag continues
the value above it (an abstract broken over lines), or adds a keyword under ``%K``.
Every tag is kept in ``raw``.

Written here because no maintained Python package reads this format; the tags are
EndNote's documented Refer/BibIX set.
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

__all__ = ["READER", "tagged_to_record"]

# "%A Smith, J", "%@ 1234-5678", "%0 Journal Article": a tag is % and one character
_TAG = re.compile(r"^%([0-9A-Za-z@!#$&()*+,\-./:;<=>?\[\]^_`{|}~])(?: (.*))?$")
# tags whose continuation lines are new values: authors, editors, keywords, addresses
_LIST_TAGS = frozenset({"A", "E", "Y", "?", "K", "+", "U"})
_YEAR = re.compile(r"\b(1[5-9]\d\d|20\d\d)\b")


def _sniff(head: Head) -> bool:
    if head.text is None:
        return False
    lines = [line for line in head.text.lstrip("\ufeff").splitlines()[:40] if line.strip()]
    if not lines or not lines[0].startswith("%0 "):
        return False
    return sum(1 for line in lines if _TAG.match(line)) >= 2


def _year(raw: dict[str, list[str]]) -> str:
    for tag in ("D", "8"):
        found = _YEAR.search(first_tagged(raw, tag))
        if found:
            return found.group(1)
    return ""


def tagged_to_record(raw: dict[str, list[str]]) -> Record:
    """The normalised record for one EndNote tagged record (``raw``: tag -> values)."""
    kind = first_tagged(raw, "0").lower()
    # %J is a journal article's journal; %B is the book of a section or the meeting of
    # a conference paper, and stands in where there is no %J
    journal = first_tagged(raw, "J") or first_tagged(raw, "B")
    issn, isbn = split_identifiers(raw.get("@", []))
    doi = next((v for v in raw.get("R", []) if "10." in v), "")
    return build_record(
        {
            "title": first_tagged(raw, "T"),
            "abstract": first_tagged(raw, "X"),
            "authors": parse_authors(raw.get("A", []) or raw.get("E", [])),
            "year": _year(raw),
            "journal": journal,
            "volume": first_tagged(raw, "V"),
            "issue": first_tagged(raw, "N"),
            "pages": first_tagged(raw, "P"),
            "doi": doi,
            "issn": issn,
            "isbn": isbn,
            "url": first_tagged(raw, "U"),
            "keywords": parse_keywords(raw.get("K", [])),
            "language": first_tagged(raw, "G"),
            "publication_type": kind,
            "source_record_id": first_tagged(raw, "M"),
        },
        {f"%{tag}": values for tag, values in raw.items()},
    )


def iter_tagged(lines: Iterable[tuple[int, str]], name: str) -> Iterator[Record]:
    """Stream records from numbered EndNote tagged lines."""
    raw: dict[str, list[str]] | None = None
    last = ""
    count = 0
    for number, line in lines:
        text = line.rstrip("\r")
        if not text.strip():
            if raw is not None:
                count += 1
                yield tagged_to_record(raw)
                raw, last = None, ""
            continue
        match = _TAG.match(text)
        if match is None:
            if raw is None or not last:
                raise ImportFormatError(
                    "this line is neither an EndNote tag (%A, %T, ...) nor the continuation "
                    "of one; records start with a '%0' line", path=name, line=number)
            values = raw[last]
            if last in _LIST_TAGS:
                values.append(text.strip())
            else:
                values[-1] = f"{values[-1]} {text.strip()}".strip()
            continue
        tag, value = match.group(1), (match.group(2) or "").strip()
        if raw is None:
            if tag != "0" and count == 0:
                raise ImportFormatError(
                    f"tag '%{tag}' before the first record; records start with a '%0' line "
                    "(the reference type)", path=name, line=number)
            raw = {}
        elif tag == "0" and "0" in raw:
            # records without a blank line between them
            count += 1
            yield tagged_to_record(raw)
            raw = {}
        raw.setdefault(tag, []).append(value)
        last = tag
    if raw is not None:
        count += 1
        yield tagged_to_record(raw)
    if count == 0:
        raise ImportFormatError("no EndNote records found (no '%0' line)", path=name)


def _read(source: SourceFile) -> Iterator[Record]:
    return iter_tagged(source.lines("EndNote tagged text"), source.name)


READER = Reader(
    name="endnote-tagged", label="EndNote tagged (.enw)", extensions=(".enw", ".txt"),
    sniff=_sniff, read=_read, priority=55,
)
