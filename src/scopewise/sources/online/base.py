"""What every online connector shares: polite HTTP with retries and a rate limit.

The ``httpx.Client`` is injected: tests pass one built on ``httpx.MockTransport``
that replays answers written for the tests, so no test touches the network.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from scopewise import __version__
from scopewise.errors import ConnectorError
from scopewise.records import Record

__all__ = ["Connector", "OnlineResult"]

RETRY_STATUS = frozenset({429, 500, 502, 503, 504})


@dataclass(frozen=True)
class OnlineResult:
    """The records of one online search and what the database reported."""

    records: list[Record]
    total: int
    url: str
    query: str
    details: dict[str, Any] = field(default_factory=dict)


class Connector:
    """Base class: a database searched over HTTP.

    Parameters
    ----------
    client:
        The HTTP client (a seam: tests inject a ``MockTransport``); one with a timeout
        and a descriptive User-Agent is made when omitted.
    mailto:
        Contact address sent to OpenAlex and Crossref (their "polite pool");
        default ``$SCOPEWISE_MAILTO``.
    api_key:
        NCBI API key for PubMed (10 instead of 3 requests a second); default
        ``$NCBI_API_KEY``.
    max_retries:
        Retries on 429 and 5xx answers and on network errors, with exponential backoff.
    sleep:
        Pause function (default ``time.sleep``; tests pass a no-op).
    """

    name = ""
    label = ""
    platform = ""
    base_url = ""
    requests_per_second = 5.0
    page_size = 100
    default_max = 10_000

    def __init__(
        self,
        client: httpx.Client | None = None,
        *,
        mailto: str | None = None,
        api_key: str | None = None,
        max_retries: int = 4,
        backoff: float = 1.0,
        sleep: Callable[[float], None] | None = None,
    ) -> None:
        self.mailto = mailto if mailto is not None else os.environ.get("SCOPEWISE_MAILTO", "")
        self.api_key = api_key if api_key is not None else os.environ.get("NCBI_API_KEY", "")
        agent = f"scopewise/{__version__}" + (f" (mailto:{self.mailto})" if self.mailto else "")
        self.client = client or httpx.Client(timeout=30.0, headers={"User-Agent": agent},
                                             follow_redirects=True)
        self.max_retries = max_retries
        self.backoff = backoff
        self.sleep = sleep or time.sleep
        self._last_request = 0.0

    def search(
        self, query: str, *, max_records: int | None = None, date_from: str = "",
        date_to: str = "",
    ) -> OnlineResult:
        """Run ``query`` and return at most ``max_records`` records.

        Raises
        ------
        ConnectorError
            Offline, refused, rate limited past the retries, or an answer that is not
            in the shape the service documents (a service that changed its format, a
            proxy's error page): nothing is returned then, so nothing half-stored.
        """
        try:
            return self._search(query, max_records=max_records, date_from=date_from,
                                date_to=date_to)
        except (AttributeError, IndexError, KeyError, TypeError, ValueError) as error:
            raise ConnectorError(
                f"{self.label}: the answer is not in the shape scopewise reads "
                f"({type(error).__name__}: {str(error)[:80]}); the service may have changed "
                "its format: try again later, or export the records from its website and "
                "import the file"
            ) from None

    # -- to implement ------------------------------------------------------------

    def _search(
        self, query: str, *, max_records: int | None = None, date_from: str = "",
        date_to: str = "",
    ) -> OnlineResult:
        """Run ``query`` and return at most ``max_records`` records (:meth:`search`
        turns an answer of the wrong shape into a :class:`ConnectorError`)."""
        raise NotImplementedError

    # -- HTTP ------------------------------------------------------------------------

    def _throttle(self) -> None:
        interval = 1.0 / self.requests_per_second
        wait = self._last_request + interval - time.monotonic()
        if wait > 0:
            self.sleep(wait)
        self._last_request = time.monotonic()

    def get(self, url: str, params: dict[str, Any]) -> httpx.Response:
        """GET with the rate limit, retries and backoff; a clear error when it fails."""
        attempt = 0
        while True:
            self._throttle()
            try:
                response = self.client.get(url, params=params)
            except httpx.TransportError as error:
                if attempt >= self.max_retries:
                    raise ConnectorError(
                        f"{self.label}: cannot reach {httpx.URL(url).host} ({type(error).__name__}); "
                        "are you online? Try again later, or import an exported file instead"
                    ) from None
            else:
                if response.status_code < 400:
                    return response
                if response.status_code not in RETRY_STATUS or attempt >= self.max_retries:
                    raise ConnectorError(
                        f"{self.label}: the server answered HTTP {response.status_code} for "
                        f"{response.request.url}; "
                        + ("check the query syntax" if response.status_code == 400 else
                           "too many requests, try again later" if response.status_code == 429
                           else "try again later")
                    )
                retry_after = response.headers.get("Retry-After", "")
                if retry_after.isdigit():
                    self.sleep(min(float(retry_after), 60.0))
            self.sleep(self.backoff * (2**attempt))
            attempt += 1

    def get_json(self, url: str, params: dict[str, Any]) -> Any:
        """GET and decode JSON, or a :class:`ConnectorError` naming the bad answer."""
        response = self.get(url, params)
        try:
            return response.json()
        except ValueError:
            raise ConnectorError(
                f"{self.label}: the answer from {response.request.url} is not JSON; try again later"
            ) from None

    def limit(self, max_records: int | None) -> int:
        """The number of records to fetch at most."""
        return self.default_max if max_records is None else max(0, int(max_records))

    def cursor_search(
        self,
        query: str,
        params: dict[str, Any],
        size_param: str,
        max_records: int | None,
        page: Callable[[Any], tuple[list[Record], int, str | None]],
    ) -> OnlineResult:
        """Search an API that pages with ``cursor`` (OpenAlex, Crossref).

        ``params`` are sent with every request (plus ``mailto`` when set),
        ``size_param`` names the page size, and ``page`` reads one decoded answer as
        (its records, the total the database reports, the next cursor or ``None``).
        Stops at ``max_records``, an empty page or the last cursor."""
        wanted = self.limit(max_records)
        cursor: str | None = "*"
        records: list[Record] = []
        total = 0
        while cursor and len(records) < wanted:
            sent = {**params, size_param: min(self.page_size, wanted - len(records)),
                    "cursor": cursor}
            if self.mailto:
                sent["mailto"] = self.mailto
            found, total, cursor = page(self.get_json(self.base_url, sent))
            records.extend(found[: wanted - len(records)])
            if not found:
                break
        return OnlineResult(records, total, self.base_url, query)
