"""Online searches: PubMed, Europe PMC, OpenAlex and Crossref.

>>> from scopewise.sources.online import get_connector
>>> result = get_connector("openalex").search("peer support", max_records=50)  # doctest: +SKIP

Each connector takes an injectable ``httpx.Client`` (tests use
``httpx.MockTransport``), keeps to the service's rate limit, retries 429/5xx answers
with exponential backoff and raises :class:`~scopewise.errors.ConnectorError` with
one clear line when the service cannot be reached.
"""

from __future__ import annotations

from typing import Any

from scopewise.errors import UsageError
from scopewise.sources.online.base import Connector, OnlineResult
from scopewise.sources.online.crossref import Crossref
from scopewise.sources.online.europepmc import EuropePMC
from scopewise.sources.online.openalex import OpenAlex
from scopewise.sources.online.pubmed import PubMed

__all__ = [
    "CONNECTORS",
    "Connector",
    "Crossref",
    "EuropePMC",
    "OnlineResult",
    "OpenAlex",
    "PubMed",
    "get_connector",
]

CONNECTORS: dict[str, type[Connector]] = {
    "pubmed": PubMed,
    "europepmc": EuropePMC,
    "openalex": OpenAlex,
    "crossref": Crossref,
}


def get_connector(name: str, client: Any = None, **options: Any) -> Connector:
    """The connector called ``name`` (pubmed, europepmc, openalex, crossref)."""
    key = name.lower().replace(" ", "").replace("_", "")
    if key not in CONNECTORS:
        raise UsageError(f"unknown online source {name!r}; use one of: {', '.join(CONNECTORS)}")
    return CONNECTORS[key](client, **options)
