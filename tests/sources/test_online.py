"""Online connectors against answers written for the tests (httpx.MockTransport).

Each fake answer follows the documented response shape of the service; no test
touches the network.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import httpx
import pytest

from scopewise.errors import ConnectorError, UsageError
from scopewise.sources.online import get_connector
from scopewise.sources.online.openalex import abstract_from_inverted_index

Handler = Callable[[httpx.Request], httpx.Response]


def client(handler: Handler) -> httpx.Client:
    return httpx.Client(transport=httpx.MockTransport(handler))


def connector(name: str, handler: Handler, **options: object):  # type: ignore[no-untyped-def]
    return get_connector(name, client=client(handler), sleep=lambda _s: None, **options)


def efetch_xml(pmids: list[str]) -> str:
    articles = "".join(
        f"<PubmedArticle><MedlineCitation><PMID>{p}</PMID><Article><Journal><JournalIssue>"
        f"<PubDate><Year>2020</Year></PubDate></JournalIssue><Title>J</Title></Journal>"
        f"<ArticleTitle>Title {p}</ArticleTitle><AuthorList><Author><LastName>Lee</LastName>"
        f"<ForeName>A</ForeName></Author></AuthorList></Article></MedlineCitation>"
        f"<PubmedData><ArticleIdList><ArticleId IdType=\"doi\">10.1000/{p}</ArticleId>"
        f"</ArticleIdList></PubmedData></PubmedArticle>"
        for p in pmids
    )
    return f'<?xml version="1.0"?><PubmedArticleSet>{articles}</PubmedArticleSet>'


def test_pubmed_uses_the_history_server_and_pages() -> None:
    seen: list[httpx.Request] = []
    ids = [str(100 + i) for i in range(5)]

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.path.endswith("esearch.fcgi"):
            return httpx.Response(200, json={"header": {"type": "esearch"}, "esearchresult": {
                "count": "5", "retmax": "0", "retstart": "0", "querykey": "1",
                "webenv": "MCID_abc", "idlist": []}})
        start = int(request.url.params["retstart"])
        size = int(request.url.params["retmax"])
        return httpx.Response(200, text=efetch_xml(ids[start : start + size]))

    pubmed = connector("pubmed", handler, api_key="KEY")
    pubmed.page_size = 2
    result = pubmed.search("peer support[tiab]", max_records=4, date_from="2010",
                           date_to="2020-12-31")
    assert result.total == 5
    assert [r.pmid for r in result.records] == ids[:4]
    assert result.records[0].doi == "10.1000/100"
    search = seen[0].url.params
    assert search["usehistory"] == "y" and search["term"] == "peer support[tiab]"
    assert search["api_key"] == "KEY" and search["mindate"] == "2010"
    assert search["maxdate"] == "2020/12/31"
    fetches = [r.url.params for r in seen[1:]]
    assert [(f["retstart"], f["retmax"]) for f in fetches] == [("0", "2"), ("2", "2")]
    assert all(f["WebEnv"] == "MCID_abc" and f["query_key"] == "1" for f in fetches)


def test_pubmed_reports_a_bad_query() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"esearchresult": {"ERROR": "Invalid query"}})

    with pytest.raises(ConnectorError, match="check the query"):
        connector("pubmed", handler).search("((")


def test_europepmc_follows_cursor_mark() -> None:
    pages = {
        "*": ("AoE1", [{"id": "1", "source": "MED", "pmid": "1", "doi": "10.1000/e1",
                        "title": "First", "pubYear": "2019",
                        "authorList": {"author": [{"fullName": "Kim J", "firstName": "Jo",
                                                   "lastName": "Kim"}]},
                        "journalInfo": {"volume": "2", "journal": {"title": "EJ",
                                                                   "issn": "1111-2222"}},
                        "abstractText": "<h4>Background</h4>Text &amp; more",
                        "pubTypeList": {"pubType": ["review"]}}]),
        "AoE1": ("AoE2", [{"id": "PMC2", "source": "PMC", "pmcid": "PMC2", "title": "Second"}]),
        "AoE2": ("AoE2", []),
    }

    def handler(request: httpx.Request) -> httpx.Response:
        mark = request.url.params["cursorMark"]
        assert request.url.params["resultType"] == "core"
        nxt, results = pages[mark]
        return httpx.Response(200, json={"version": "6.9", "hitCount": 2,
                                         "nextCursorMark": nxt,
                                         "resultList": {"result": results}})

    result = connector("europepmc", handler).search("peer support")
    assert result.total == 2
    first, second = result.records
    assert (first.title, first.pmid, first.journal, first.year) == ("First", "1", "EJ", 2019)
    assert first.abstract == "Background Text & more"
    assert second.pmcid == "PMC2" and second.source_record_id == "PMC:PMC2"


def test_openalex_cursor_paging_mailto_and_abstract() -> None:
    calls: list[httpx.URL] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request.url)
        cursor = request.url.params["cursor"]
        work = {"id": f"https://openalex.org/W{len(calls)}", "doi": "https://doi.org/10.1000/OA",
                "title": f"Work {len(calls)}", "publication_year": 2021,
                "authorships": [{"author": {"display_name": "Ana Silva"}}],
                "primary_location": {"source": {"display_name": "OJ", "issn": ["1234-5678"]}},
                "biblio": {"volume": "1", "issue": "2", "first_page": "3", "last_page": "9"},
                "ids": {"pmid": "https://pubmed.ncbi.nlm.nih.gov/555"},
                "abstract_inverted_index": {"Peer": [0], "support": [1, 3], "helps": [2]}}
        nxt = "c2" if cursor == "*" else None
        return httpx.Response(200, json={"meta": {"count": 2, "next_cursor": nxt},
                                         "results": [work] if cursor in ("*", "c2") else []})

    result = connector("openalex", handler, mailto="me@example.org").search(
        "peer support", date_from="2015-01-01")
    assert [r.title for r in result.records] == ["Work 1", "Work 2"]
    record = result.records[0]
    assert record.abstract == "Peer support helps support"
    assert (record.doi, record.pmid, record.pages) == ("10.1000/oa", "555", "3-9")
    assert record.authors[0].family == "Silva" and record.source_record_id == "W1"
    assert "abstract_inverted_index" not in record.raw
    assert calls[0].params["mailto"] == "me@example.org"
    assert calls[0].params["filter"] == "from_publication_date:2015-01-01"
    assert calls[1].params["cursor"] == "c2"


def test_crossref_cursor_and_max() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        rows = int(request.url.params["rows"])
        items = [{"DOI": f"10.1000/c{i}", "title": [f"C {i}"], "type": "journal-article",
                  "author": [{"given": "Al", "family": "Ray"}], "container-title": ["CJ"],
                  "issued": {"date-parts": [[2018, 5]]},
                  "abstract": "<jats:p>JATS <jats:italic>text</jats:italic></jats:p>"}
                 for i in range(rows)]
        return httpx.Response(200, json={"status": "ok", "message-type": "work-list",
                                         "message": {"total-results": 1000, "items": items,
                                                     "next-cursor": "next"}})

    result = connector("crossref", handler).search("peer", max_records=150)
    assert len(result.records) == 150 and result.total == 1000
    assert result.records[0].abstract == "JATS text"
    assert result.records[0].year == 2018 and result.records[0].journal == "CJ"


def test_retries_on_429_and_5xx_then_succeeds() -> None:
    answers = [httpx.Response(429, headers={"Retry-After": "1"}), httpx.Response(503)]
    sleeps: list[float] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if answers:
            return answers.pop(0)
        return httpx.Response(200, json={"meta": {"count": 0}, "results": []})

    openalex = get_connector("openalex", client=client(handler), sleep=sleeps.append)
    assert openalex.search("x").total == 0
    assert 1.0 in sleeps  # Retry-After honoured
    assert sum(1 for s in sleeps if s >= 1.0) >= 3  # backoff after each failure


def test_gives_up_after_the_retries() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(500)

    with pytest.raises(ConnectorError, match="HTTP 500"):
        get_connector("crossref", client=client(handler), sleep=lambda _s: None,
                      max_retries=2).search("x")


def test_offline_gives_one_clear_line() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("Name or service not known", request=request)

    with pytest.raises(ConnectorError) as error:
        connector("europepmc", handler).search("x")
    message = str(error.value)
    assert "are you online" in message and "www.ebi.ac.uk" in message and "\n" not in message


def test_bad_json_is_a_connector_error() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, text="<html>maintenance</html>")

    with pytest.raises(ConnectorError, match="not JSON"):
        connector("openalex", handler).search("x")


def test_unknown_connector() -> None:
    with pytest.raises(UsageError):
        get_connector("scholar")


def test_inverted_index_order() -> None:
    assert abstract_from_inverted_index({"b": [1], "a": [0, 2]}) == "a b a"
    assert abstract_from_inverted_index(None) == ""
    assert json.dumps(abstract_from_inverted_index({})) == '""'


@pytest.mark.parametrize(("name", "answer"), [
    ("europepmc", {"hitCount": 1, "resultList": [{"id": "1"}]}),
    ("europepmc", {"hitCount": 1, "resultList": {"result": [{"authorList": {"author": [7]}}]}}),
    ("openalex", {"meta": {"count": 1}, "results": ["W1"]}),
    ("openalex", {"meta": {"count": "<script>"}, "results": [{"title": "T"}]}),
    ("crossref", {"message": {"total-results": 1, "items": [{"issued": {"date-parts": [7]}}]}}),
    ("crossref", {"message": 2.5}),
    ("pubmed", {"esearchresult": 1.5}),
])
def test_an_answer_in_the_wrong_shape_is_one_clear_error(name: str, answer: object) -> None:
    """A service that changed its format, or a proxy's page that happens to be JSON:
    one line saying so, no traceback, nothing returned (a mutation run over the
    answers above found 50 places that raised TypeError, KeyError or AttributeError)."""
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=answer)

    with pytest.raises(ConnectorError) as caught:
        connector(name, handler).search("peer support", max_records=5)
    message = str(caught.value)
    assert "not in the shape scopewise reads" in message and "\n" not in message
    assert "import the file" in message
