"""PubMed through NCBI E-utilities: esearch with the history server, then efetch XML.

https://www.ncbi.nlm.nih.gov/books/NBK25499/ ; 3 requests a second without an API
key, 10 with one.
"""

from __future__ import annotations

from typing import Any

from scopewise.errors import ConnectorError
from scopewise.records import Record
from scopewise.sources.online.base import Connector, OnlineResult
from scopewise.sources.pubmed_xml import parse_pubmed_xml

__all__ = ["PubMed"]


def _pdat(value: str) -> str:
    return value.replace("-", "/")


class PubMed(Connector):
    """PubMed (esearch ``usehistory=y`` + efetch ``retmode=xml``)."""

    name = "pubmed"
    label = "PubMed"
    platform = "NCBI E-utilities"
    base_url = "https://eutils.ncbi.nlm.nih.gov/entrez/eutils/"
    page_size = 200

    @property
    def requests_per_second(self) -> float:  # type: ignore[override]
        return 9.0 if self.api_key else 2.8

    def _params(self, **params: Any) -> dict[str, Any]:
        params = {"db": "pubmed", "tool": "scopewise", **params}
        if self.api_key:
            params["api_key"] = self.api_key
        if self.mailto:
            params["email"] = self.mailto
        return params

    def _search(
        self, query: str, *, max_records: int | None = None, date_from: str = "",
        date_to: str = "",
    ) -> OnlineResult:
        """Run ``query`` on PubMed; fetch up to ``max_records`` records as PubMed XML."""
        params = self._params(term=query, usehistory="y", retmax=0, retmode="json")
        if date_from or date_to:
            params.update(datetype="pdat", mindate=_pdat(date_from or "1800"),
                          maxdate=_pdat(date_to or "3000"))
        data = self.get_json(self.base_url + "esearch.fcgi", params)
        result = data.get("esearchresult") if isinstance(data, dict) else None
        if not result or "ERROR" in result:
            message = (result or {}).get("ERROR", "no esearchresult in the answer")
            raise ConnectorError(f"PubMed: the search failed ({message}); check the query")
        total = int(result.get("count", 0))
        web_env, query_key = result.get("webenv"), result.get("querykey")
        wanted = min(total, self.limit(max_records))
        records: list[Record] = []
        while len(records) < wanted:
            response = self.get(self.base_url + "efetch.fcgi", self._params(
                query_key=query_key, WebEnv=web_env, retstart=len(records),
                retmax=min(self.page_size, wanted - len(records)), retmode="xml",
            ))
            try:
                page = parse_pubmed_xml(response.content)
            except Exception:
                raise ConnectorError(
                    "PubMed: efetch returned something that is not PubMed XML; try again later"
                ) from None
            if not page:
                break
            records.extend(page[: wanted - len(records)])
        return OnlineResult(records, total, self.base_url + "esearch.fcgi", query,
                            {"webenv": web_env})
