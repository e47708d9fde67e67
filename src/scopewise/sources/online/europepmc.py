"""Europe PMC REST search with ``cursorMark`` paging.

https://europepmc.org/RestfulWebService
"""

from __future__ import annotations

from typing import Any

from scopewise.records import Author, Record
from scopewise.sources.normalise import build_record, parse_keywords
from scopewise.sources.online.base import Connector, OnlineResult

__all__ = ["EuropePMC", "result_to_record"]


def result_to_record(item: dict[str, Any]) -> Record:
    """The record for one ``resultType=core`` result."""
    authors = []
    for author in (item.get("authorList") or {}).get("author", []):
        if author.get("lastName"):
            authors.append(Author(family=author["lastName"],
                                  given=author.get("firstName") or author.get("initials", "")))
        elif author.get("collectiveName") or author.get("fullName"):
            authors.append(Author(family="",
                                  literal=author.get("collectiveName") or author["fullName"]))
    journal_info = item.get("journalInfo") or {}
    journal = journal_info.get("journal") or {}
    keywords = (item.get("keywordList") or {}).get("keyword", [])
    types = (item.get("pubTypeList") or {}).get("pubType", [])
    languages = (item.get("languageList") or {}).get("language", [])
    return build_record(
        {
            "title": item.get("title", ""),
            "abstract": item.get("abstractText", ""),
            "authors": tuple(authors),
            "year": item.get("pubYear") or journal_info.get("yearOfPublication"),
            "journal": journal.get("title", "") or item.get("journalTitle", ""),
            "volume": journal_info.get("volume", ""),
            "issue": journal_info.get("issue", ""),
            "pages": item.get("pageInfo", ""),
            "doi": item.get("doi", ""),
            "pmid": item.get("pmid", ""),
            "pmcid": item.get("pmcid", ""),
            "issn": "; ".join(v for v in (journal.get("issn"), journal.get("essn")) if v),
            "keywords": parse_keywords(keywords),
            "language": languages[0] if languages else item.get("language", ""),
            "publication_type": types[0] if types else "",
            "source_record_id": f"{item.get('source', '')}:{item.get('id', '')}",
        },
        item,
    )


class EuropePMC(Connector):
    """Europe PMC (``/search``, ``resultType=core``, ``cursorMark``)."""

    name = "europepmc"
    label = "Europe PMC"
    platform = "Europe PMC REST API"
    base_url = "https://www.ebi.ac.uk/europepmc/webservices/rest/search"
    page_size = 1000
    requests_per_second = 5.0

    def _search(
        self, query: str, *, max_records: int | None = None, date_from: str = "",
        date_to: str = "",
    ) -> OnlineResult:
        """Run ``query``; page with ``cursorMark`` until ``max_records`` or the end."""
        text = query
        if date_from or date_to:
            text = f"({query}) AND (FIRST_PDATE:[{date_from or '1800-01-01'} TO " \
                   f"{date_to or '3000-12-31'}])"
        wanted = self.limit(max_records)
        cursor = "*"
        records: list[Record] = []
        total = 0
        while len(records) < wanted:
            data = self.get_json(self.base_url, {
                "query": text, "format": "json", "resultType": "core", "cursorMark": cursor,
                "pageSize": min(self.page_size, wanted - len(records)),
            })
            total = int(data.get("hitCount", 0))
            results = (data.get("resultList") or {}).get("result", [])
            records.extend(result_to_record(r) for r in results[: wanted - len(records)])
            next_cursor = data.get("nextCursorMark")
            if not results or not next_cursor or next_cursor == cursor:
                break
            cursor = next_cursor
        return OnlineResult(records, total, self.base_url, text)
