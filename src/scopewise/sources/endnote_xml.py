"""EndNote XML (``<xml><records><record>``), as written by EndNote, Zotero and Mendeley.

Text may be wrapped in ``<style>`` elements (EndNote); all text inside an element
counts. ``raw`` keeps each child path (``titles/title``, ``contributors/authors/
author``...) with its values in order.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from scopewise.records import Record
from scopewise.sources.normalise import (
    build_record,
    first,
    parse_authors,
    parse_keywords,
    split_identifiers,
)
from scopewise.sources.registry import Reader
from scopewise.sources.textfile import Head, SourceFile
from scopewise.sources.xmlutil import iter_elements, text_of

__all__ = ["READER", "record_element_to_record"]

_LEAVES = {
    "contributors/authors/author", "contributors/secondary-authors/author",
    "keywords/keyword", "urls/related-urls/url", "urls/pdf-urls/url", "dates/pub-dates/date",
}


def _sniff(head: Head) -> bool:
    if head.text is None:
        return False
    text = head.text[:5000]
    return "<records>" in text and "<record>" in text and "<PubmedArticleSet" not in text


def _flatten(element: Any, prefix: str, out: dict[str, list[str]]) -> None:
    for child in element:
        if not isinstance(child.tag, str):
            continue
        path = f"{prefix}{child.tag}"
        if child.tag == "style" or path in _LEAVES or len(child) == 0 or all(
            c.tag == "style" for c in child
        ):
            if child.tag == "style":
                continue
            value = text_of(child).strip()
            if value:
                out.setdefault(path, []).append(value)
        else:
            _flatten(child, f"{path}/", out)


def record_element_to_record(element: Any) -> Record:
    """The normalised record for one ``<record>`` element."""
    raw: dict[str, list[str]] = {}
    _flatten(element, "", raw)
    ref_type = element.find("ref-type")
    kind = ref_type.get("name", "") if ref_type is not None else ""

    def get(*paths: str) -> str:
        for path in paths:
            value = first(raw.get(path))
            if value:
                return value
        return ""

    numbers = raw.get("isbn", [])
    issn, isbn = split_identifiers(numbers)
    notes = " ".join(raw.get("notes", []) + raw.get("custom2", []))
    accession = get("accession-num")
    pmid = accession if accession.isdigit() and "pubmed" in get("remote-database-provider",
                                                                   "remote-database-name",
                                                                   "database").lower() else ""
    return build_record(
        {
            "title": get("titles/title"),
            "abstract": get("abstract"),
            "authors": parse_authors(raw.get("contributors/authors/author", [])),
            "year": get("dates/year", "dates/pub-dates/date"),
            "journal": get("periodical/full-title", "titles/secondary-title",
                           "periodical/abbr-1", "titles/alt-title"),
            "volume": get("volume"),
            "issue": get("number", "issue"),
            "pages": get("pages"),
            "doi": get("electronic-resource-num") or next(
                (u for u in raw.get("urls/related-urls/url", []) if "doi.org/10." in u), ""),
            "pmid": pmid,
            "pmcid": notes,
            "issn": issn,
            "isbn": isbn,
            "url": get("urls/related-urls/url", "urls/web-urls/url"),
            "keywords": parse_keywords(raw.get("keywords/keyword", [])),
            "language": get("language"),
            "publication_type": kind.lower(),
            "source_record_id": get("rec-number", "accession-num", "label"),
        },
        raw,
    )


def _read(source: SourceFile) -> Iterator[Record]:
    for element in iter_elements(source, "record", "EndNote XML"):
        yield record_element_to_record(element)


READER = Reader(name="endnote-xml", label="EndNote XML", extensions=(".xml",), sniff=_sniff,
                read=_read, priority=65)
