"""The shared vocabulary: a bibliographic record and its identifiers.

A :class:`Record` is what every reader produces and every later stage consumes. It
holds normalised fields plus ``raw``, the original fields of the source file exactly
as read, so that nothing a database exported is ever lost.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import unquote

__all__ = [
    "MAX_ID",
    "RECORD_FIELDS",
    "Author",
    "Record",
    "normalise_doi",
    "normalise_pmid",
    "number_of",
]

#: The largest number a record, search, note or excerpt can have: the database's
#: ``Integer`` column (PostgreSQL's int4). Numbers typed by a user are checked
#: against it before any query, which a larger one would make fail.
MAX_ID = 2**31 - 1


def number_of(text: object) -> int | None:
    """``text`` as a record (search, note ...) number, or ``None``: plain ASCII digits
    from 0 to :data:`MAX_ID`. ``str.isdigit`` alone also takes "²", which ``int``
    refuses, and ``int`` takes "-1", " 7" and "1_0"."""
    value = str(text)
    if not value or len(value) > 10 or not (value.isascii() and value.isdigit()):
        return None
    number = int(value)
    return number if number <= MAX_ID else None


@dataclass(frozen=True, slots=True)
class Author:
    """One author: family name and given names (either may be empty).

    ``literal`` keeps a corporate or unparseable name as written.
    """

    family: str
    given: str = ""
    literal: str = ""

    def display(self) -> str:
        """The name as a reviewer reads it: ``Family, Given``."""
        if self.literal:
            return self.literal
        return f"{self.family}, {self.given}" if self.given else self.family

    @classmethod
    def parse(cls, text: str) -> Author:
        """Parse ``Family, Given`` or ``Given Family`` into an :class:`Author`."""
        text = " ".join(text.split())
        if not text:
            return cls(family="")
        if "," in text:
            family, _, given = text.partition(",")
            return cls(family=family.strip(), given=given.strip())
        parts = text.split(" ")
        if len(parts) == 1:
            return cls(family=parts[0])
        # "Smith JA" (MEDLINE style), "Adler D.G." (Scopus, Embase): initials come last
        letters = parts[-1].replace(".", "").replace("-", "")
        if letters.isalpha() and letters.isupper() and len(letters) <= 3:
            return cls(family=" ".join(parts[:-1]), given=parts[-1])
        # "R. De La Garza": dotted initials first, the rest (particles too) is the family
        lead = 0
        while lead < len(parts) - 1 and _dotted_initials(parts[lead]):
            lead += 1
        if lead:
            return cls(family=" ".join(parts[lead:]), given=" ".join(parts[:lead]))
        return cls(family=parts[-1], given=" ".join(parts[:-1]))


def _dotted_initials(word: str) -> bool:
    """``R.``, ``J.-P.``, ``A.B.``: capitals each followed by a period."""
    letters = word.replace(".", "").replace("-", "")
    return (word.endswith(".") and letters.isalpha() and letters.isupper()
            and word.count(".") == len(letters))


@dataclass(frozen=True, slots=True)
class Record:
    """A bibliographic record, normalised, with its raw original fields.

    All text fields are plain text (markup and mojibake cleaned by the reader); empty
    string or ``None`` means unknown. ``raw`` maps each original tag/column to its
    value(s) as read, for export and audit.
    """

    title: str = ""
    abstract: str = ""
    authors: tuple[Author, ...] = ()
    year: int | None = None
    journal: str = ""
    volume: str = ""
    issue: str = ""
    pages: str = ""
    doi: str = ""
    pmid: str = ""
    pmcid: str = ""
    issn: str = ""
    isbn: str = ""
    url: str = ""
    keywords: tuple[str, ...] = ()
    language: str = ""
    publication_type: str = ""
    source_record_id: str = ""
    raw: Mapping[str, Any] = field(default_factory=dict)

    def with_changes(self, **changes: Any) -> Record:
        """A copy with some fields replaced."""
        return replace(self, **changes)

    @property
    def first_author(self) -> str:
        """Family name of the first author, or ``""``."""
        return self.authors[0].family if self.authors else ""

    def to_dict(self) -> dict[str, Any]:
        """Plain-JSON form (authors as ``{family, given, literal}`` dicts)."""
        out: dict[str, Any] = {}
        for name in RECORD_FIELDS:
            value = getattr(self, name)
            if name == "authors":
                value = [
                    {"family": a.family, "given": a.given, "literal": a.literal} for a in value
                ]
            elif name == "keywords":
                value = list(value)
            elif name == "raw":
                value = dict(value)
            out[name] = value
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Record:
        """Inverse of :meth:`to_dict`; unknown keys are ignored."""
        kwargs: dict[str, Any] = {}
        for name in RECORD_FIELDS:
            if name not in data or (data[name] is None and name != "year"):
                continue
            value = data[name]
            if name == "authors":
                value = tuple(
                    Author(
                        family=a.get("family", ""),
                        given=a.get("given", ""),
                        literal=a.get("literal", ""),
                    )
                    if isinstance(a, Mapping)
                    else Author.parse(str(a))
                    for a in value
                )
            elif name == "keywords":
                value = tuple(value)
            elif name == "raw":
                value = dict(value)
            kwargs[name] = value
        return cls(**kwargs)


RECORD_FIELDS: tuple[str, ...] = (
    "title",
    "abstract",
    "authors",
    "year",
    "journal",
    "volume",
    "issue",
    "pages",
    "doi",
    "pmid",
    "pmcid",
    "issn",
    "isbn",
    "url",
    "keywords",
    "language",
    "publication_type",
    "source_record_id",
    "raw",
)

_DOI_RE = re.compile(r"10\.\d{4,9}(?:/|%2F)\S+", re.IGNORECASE)
_QUERY_RE = re.compile(r"&(?=[A-Za-z_.]+=)")
_PAGES = frozenset({"abstract", "full", "fulltext", "pdf", "epdf", "pdfdirect", "html",
                    "summary", "meta"})


def normalise_doi(text: str | None) -> str:
    """Return the bare, lower-case DOI found in ``text`` or ``""``.

    Accepts ``https://doi.org/...``, ``doi:...``, DOIs with trailing punctuation and
    DOIs written percent-encoded in a link (``10.1016%2Fj.x``) and DOIs inside a link
    resolver's query (``...?id=doi:10.1002%2Fcncr.20369&atitle=...``, as Embase writes
    them): the DOI ends where the next parameter begins. In a publisher's link the
    query and a page name after the DOI (``.../doi/10.1002/x.1/abstract``,
    ``...?via%3Dihub``) are dropped.

    >>> normalise_doi("https://doi.org/10.1000/ABC.123.")
    '10.1000/abc.123'
    >>> normalise_doi("https://doi.org/10.1016%2FS0140-6736%2820%2930183-5")
    '10.1016/s0140-6736(20)30183-5'
    """
    if not text:
        return ""
    text = unicodedata.normalize("NFKC", str(text)).strip()
    match = _DOI_RE.search(text)
    if not match:
        return ""
    doi = match.group(0)
    if "&" in doi:
        doi = _QUERY_RE.split(doi, 1)[0]  # a link resolver's next parameter
    if "%" in doi:
        doi = unquote(doi).split(" ", 1)[0]
    if "://" in text or text.lower().startswith("www."):
        # a publisher's link: its query and the page it names are not part of the DOI
        for mark in "?#":
            if mark in doi:
                doi = doi.split(mark, 1)[0]
        head, _, last = doi.rstrip("/").rpartition("/")
        while last.lower() in _PAGES and "/" in head:
            doi = head
            head, _, last = doi.rpartition("/")
    return doi.rstrip(".,;)]}>\"'").lower()


def normalise_pmid(text: str | None) -> str:
    """Return the digits of a PubMed ID (``"PMID: 123"`` -> ``"123"``) or ``""``."""
    if not text:
        return ""
    match = re.search(r"\d{1,9}", str(text))
    return match.group(0).lstrip("0") if match else ""
