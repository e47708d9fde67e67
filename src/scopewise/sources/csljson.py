"""CSL-JSON: the citation format of Zotero, Pandoc and citeproc (a JSON array of items).

CSL-JSON files are one JSON document, read whole (they are rarely large); ``raw``
keeps each item as it was.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from scopewise.errors import ImportFormatError
from scopewise.records import Author, Record
from scopewise.sources.normalise import build_record, parse_keywords, split_identifiers
from scopewise.sources.registry import ExportItem, Reader, Writer
from scopewise.sources.textfile import Head, SourceFile

__all__ = ["READER", "WRITER", "item_to_record", "record_to_item"]

_TYPES = {"article-journal": "journal article", "book": "book", "chapter": "book chapter",
          "paper-conference": "conference paper", "thesis": "thesis", "report": "report",
          "webpage": "web page", "dataset": "dataset", "article": "preprint"}
_CSL_TYPES = {v: k for k, v in _TYPES.items()}


def _sniff(head: Head) -> bool:
    if head.text is None:
        return False
    text = head.text.lstrip("\ufeff \t\r\n")
    return (text.startswith("[") and ('"type"' in text[:5000] or '"title"' in text[:5000])) or (
        text.startswith("{") and '"items"' in text[:2000])


def _year(issued: Any) -> Any:
    if isinstance(issued, dict):
        parts = issued.get("date-parts")
        if parts and parts[0]:
            return parts[0][0]
        return issued.get("raw") or issued.get("literal")
    return issued


def _text(value: Any) -> str:
    if isinstance(value, list):
        return str(value[0]) if value else ""
    return "" if value is None else str(value)


def item_to_record(item: dict[str, Any]) -> Record:
    """The record for one CSL-JSON item."""
    authors = tuple(
        Author(family=str(a.get("family", "")), given=str(a.get("given", "")),
               literal=str(a.get("literal", "")))
        for a in item.get("author", []) if isinstance(a, dict)
    )
    keywords = item.get("keyword", "")
    if isinstance(keywords, list):
        keywords = ";".join(str(k) for k in keywords)
    issn, isbn = split_identifiers([_text(item.get("ISSN")), _text(item.get("ISBN"))])
    kind = str(item.get("type", ""))
    return build_record(
        {
            "title": _text(item.get("title")),
            "abstract": _text(item.get("abstract")),
            "authors": authors,
            "year": _year(item.get("issued")),
            "journal": _text(item.get("container-title")),
            "volume": _text(item.get("volume")),
            "issue": _text(item.get("issue")),
            "pages": _text(item.get("page")).replace("–", "-"),
            "doi": _text(item.get("DOI")),
            "pmid": _text(item.get("PMID")),
            "pmcid": _text(item.get("PMCID")),
            "issn": issn,
            "isbn": isbn,
            "url": _text(item.get("URL")),
            "keywords": parse_keywords(keywords, separators=";" if ";" in keywords else ","),
            "language": _text(item.get("language")),
            "publication_type": _TYPES.get(kind, kind),
            "source_record_id": _text(item.get("id")),
        },
        item,
    )


def _read(source: SourceFile) -> Iterator[Record]:
    with source.open_text("CSL-JSON") as handle:
        try:
            data = json.load(handle)
        except json.JSONDecodeError as error:
            raise ImportFormatError(f"invalid JSON ({error.msg})", path=source.name,
                                    line=error.lineno) from None
    if isinstance(data, dict):
        data = data.get("items", [])
    if not isinstance(data, list) or not data:
        raise ImportFormatError("no CSL-JSON items found (expected a JSON array of items)",
                                path=source.name)
    for number, item in enumerate(data, start=1):
        if not isinstance(item, dict):
            raise ImportFormatError("this item is not a JSON object", path=source.name,
                                    record=number)
        yield item_to_record(item)


READER = Reader(name="csl-json", label="CSL-JSON", extensions=(".json",), sniff=_sniff,
                read=_read, priority=20)


def record_to_item(record: Record) -> dict[str, Any]:
    """A CSL-JSON item; records read from CSL-JSON are written back as they were."""
    raw = record.raw
    if isinstance(raw, dict) and "type" in raw and ("id" in raw or "title" in raw):
        return dict(raw)
    item: dict[str, Any] = {
        "id": record.source_record_id or None,
        "type": _CSL_TYPES.get(record.publication_type, "article-journal"),
        "title": record.title,
        "author": [
            {"literal": a.literal} if a.literal else {"family": a.family, "given": a.given}
            for a in record.authors
        ],
        "issued": {"date-parts": [[record.year]]} if record.year else None,
        "container-title": record.journal, "volume": record.volume, "issue": record.issue,
        "page": record.pages, "DOI": record.doi, "PMID": record.pmid, "PMCID": record.pmcid,
        "ISSN": record.issn, "ISBN": record.isbn, "URL": record.url,
        "abstract": record.abstract, "keyword": ", ".join(record.keywords),
        "language": record.language,
    }
    return {k: v for k, v in item.items() if v not in (None, "", [])}


def write_csljson(path: Path, items: Iterable[ExportItem]) -> int:
    """Write records as a CSL-JSON array (streamed item by item)."""
    count = 0
    with path.open("w", encoding="utf-8") as out:
        out.write("[")
        for n, item in enumerate(items):
            record = item[0] if isinstance(item, tuple) else item
            csl = record_to_item(record)
            csl.setdefault("id", f"record-{n + 1}")
            out.write(("\n" if n == 0 else ",\n") + json.dumps(csl, ensure_ascii=False))
            count += 1
        out.write("\n]\n")
    return count


WRITER = Writer(name="csl-json", label="CSL-JSON", extensions=(".json",), write=write_csljson)
