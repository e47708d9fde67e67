"""OpenAlex works search with cursor paging and the ``mailto`` polite pool.

https://docs.openalex.org/how-to-use-the-api/get-lists-of-entities/paging
"""

from __future__ import annotations

from typing import Any

from scopewise.records import Author, Record
from scopewise.sources.normalise import build_record, parse_pages
from scopewise.sources.online.base import Connector, OnlineResult

__all__ = ["OpenAlex", "abstract_from_inverted_index", "work_to_record"]


def abstract_from_inverted_index(index: dict[str, list[int]] | None) -> str:
    """The abstract text from OpenAlex's ``abstract_inverted_index`` (word -> positions)."""
    if not index:
        return ""
    positions: dict[int, str] = {}
    for word, places in index.items():
        for place in places:
            positions[place] = word
    return " ".join(positions[i] for i in sorted(positions))


def _tail(value: Any) -> str:
    return str(value).rstrip("/").rsplit("/", 1)[-1] if value else ""


def work_to_record(work: dict[str, Any]) -> Record:
    """The record for one OpenAlex work."""
    authors = tuple(
        Author.parse(a.get("raw_author_name") or (a.get("author") or {}).get("display_name", ""))
        for a in work.get("authorships", [])
    )
    location = work.get("primary_location") or {}
    source = location.get("source") or {}
    biblio = work.get("biblio") or {}
    ids = work.get("ids") or {}
    raw = {k: v for k, v in work.items() if k != "abstract_inverted_index"}
    return build_record(
        {
            "title": work.get("title") or work.get("display_name") or "",
            "abstract": abstract_from_inverted_index(work.get("abstract_inverted_index")),
            "authors": tuple(a for a in authors if a.family),
            "year": work.get("publication_year"),
            "journal": source.get("display_name", ""),
            "volume": biblio.get("volume") or "",
            "issue": biblio.get("issue") or "",
            "pages": parse_pages(biblio.get("first_page") or "", biblio.get("last_page") or ""),
            "doi": work.get("doi") or "",
            "pmid": _tail(ids.get("pmid")),
            "pmcid": _tail(ids.get("pmcid")),
            "issn": "; ".join(source.get("issn") or ()),
            "url": location.get("landing_page_url") or "",
            "keywords": tuple(k.get("display_name", "") for k in work.get("keywords", [])
                              if k.get("display_name")),
            "language": work.get("language") or "",
            "publication_type": work.get("type") or "",
            "source_record_id": _tail(work.get("id")),
        },
        raw,
    )


class OpenAlex(Connector):
    """OpenAlex (``/works?search=``, ``cursor``, ``per-page`` 200)."""

    name = "openalex"
    label = "OpenAlex"
    platform = "OpenAlex API"
    base_url = "https://api.openalex.org/works"
    page_size = 200
    requests_per_second = 9.0

    def _search(
        self, query: str, *, max_records: int | None = None, date_from: str = "",
        date_to: str = "",
    ) -> OnlineResult:
        """Run ``query`` (full-text search); page with ``cursor``."""
        filters = []
        if date_from:
            filters.append(f"from_publication_date:{date_from}")
        if date_to:
            filters.append(f"to_publication_date:{date_to}")
        params: dict[str, Any] = {"search": query}
        if filters:
            params["filter"] = ",".join(filters)

        def page(data: Any) -> tuple[list[Record], int, str | None]:
            meta = data.get("meta") or {}
            results = data.get("results") or []
            return ([work_to_record(w) for w in results], int(meta.get("count") or 0),
                    meta.get("next_cursor") or None)

        return self.cursor_search(query, params, "per-page", max_records, page)
