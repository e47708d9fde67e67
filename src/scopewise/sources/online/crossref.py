"""Crossref REST API ``/works`` with deep paging through ``cursor``.

https://api.crossref.org/swagger-ui/index.html ; ``mailto`` joins the polite pool.
"""

from __future__ import annotations

from typing import Any

from scopewise.records import Author, Record
from scopewise.sources.normalise import build_record, parse_keywords
from scopewise.sources.online.base import Connector, OnlineResult

__all__ = ["Crossref", "item_to_record"]


def _first(value: Any) -> str:
    if isinstance(value, list):
        return str(value[0]) if value else ""
    return "" if value is None else str(value)


def item_to_record(item: dict[str, Any]) -> Record:
    """The record for one Crossref work item."""
    authors = tuple(
        Author(family=a.get("family", ""), given=a.get("given", ""))
        if a.get("family") else Author(family="", literal=a.get("name", ""))
        for a in item.get("author", [])
    )
    parts = (item.get("issued") or item.get("published") or {}).get("date-parts") or [[None]]
    isbn = item.get("ISBN") or []
    return build_record(
        {
            "title": _first(item.get("title")),
            "abstract": item.get("abstract", ""),  # JATS markup: cleaned by build_record
            "authors": tuple(a for a in authors if a.family or a.literal),
            "year": parts[0][0] if parts and parts[0] else None,
            "journal": _first(item.get("container-title")),
            "volume": item.get("volume", ""),
            "issue": item.get("issue", ""),
            "pages": item.get("page", ""),
            "doi": item.get("DOI", ""),
            "issn": "; ".join(item.get("ISSN") or ()),
            "isbn": "; ".join(isbn),
            "url": item.get("URL", ""),
            "keywords": parse_keywords(item.get("subject") or []),
            "language": item.get("language", ""),
            "publication_type": item.get("type", ""),
            "source_record_id": item.get("DOI", ""),
        },
        item,
    )


class Crossref(Connector):
    """Crossref (``/works?query=``, ``rows``, ``cursor``)."""

    name = "crossref"
    label = "Crossref"
    platform = "Crossref REST API"
    base_url = "https://api.crossref.org/works"
    page_size = 100
    requests_per_second = 5.0

    def _search(
        self, query: str, *, max_records: int | None = None, date_from: str = "",
        date_to: str = "",
    ) -> OnlineResult:
        """Run ``query``; page with ``cursor`` until ``max_records`` or an empty page."""
        filters = []
        if date_from:
            filters.append(f"from-pub-date:{date_from}")
        if date_to:
            filters.append(f"until-pub-date:{date_to}")
        params: dict[str, Any] = {"query": query}
        if filters:
            params["filter"] = ",".join(filters)

        def page(data: Any) -> tuple[list[Record], int, str | None]:
            message = data.get("message") or {}
            items = message.get("items") or []
            return ([item_to_record(i) for i in items], int(message.get("total-results") or 0),
                    message.get("next-cursor") or None)

        return self.cursor_search(query, params, "rows", max_records, page)
