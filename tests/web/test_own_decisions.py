"""A reviewer's own decisions at /screen/mine: only their own, latest first, filtered."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from scopewise.errors import ScreeningError
from scopewise.review import Review
from small_protocol import project_with_titles
from web_helpers import PASSWORD, sign_in, team_protocol, web_client


def _listed(page: str) -> list[int]:
    """Record numbers in the table, in the order shown."""
    return [int(n) for n in re.findall(r'<td class="num" data-label="Record">(\d+)</td>', page)]


def _decide_some(project: tuple[Path, str]) -> None:
    with Review.open(*project) as review:
        review.decide(1, "include", "Ann")
        review.decide(2, "exclude", "Ann", reasons=["NOTPEER"], note="about statins")
        review.decide(3, "maybe", "Ann")
        review.decide(1, "exclude", "Ann", reasons=["NOTPEER"])  # a change: the latest counts
        review.decide(4, "include", "Bob", note="BOB-SECRET-NOTE")


def test_a_reviewer_sees_only_their_own_latest_decisions(
    app_client: TestClient, project: tuple[Path, str]
) -> None:
    _decide_some(project)
    sign_in(app_client, "ann@example.org")
    page = app_client.get("/screen/mine")
    assert page.status_code == 200
    assert "Your decisions (3)" in page.text
    assert _listed(page.text) == [1, 3, 2]  # newest first: the change of 1 is the newest
    assert "BOB-SECRET-NOTE" not in page.text and "Bob" not in page.text.split("</header>")[1]
    row_1 = page.text.split('<td class="num" data-label="Record">1</td>')[1].split("</tr>")[0]
    assert 'class="decision exclude">exclude</span> (NOTPEER)' in row_1
    assert "about statins" in page.text


def test_filters_by_decision_and_words_and_links_to_change(
    app_client: TestClient, project: tuple[Path, str]
) -> None:
    _decide_some(project)
    sign_in(app_client, "ann@example.org")
    maybes = app_client.get("/screen/mine?decision=maybe").text
    assert _listed(maybes) == [3] and "Your decisions (1)" in maybes
    statins = app_client.get("/screen/mine?q=STATINS").text
    assert _listed(statins) == [2]
    assert _listed(app_client.get("/screen/mine?q=forensic+peer").text) == [3]
    assert _listed(app_client.get("/screen/mine?q=3").text) == [3]  # the record number
    none = app_client.get("/screen/mine?q=nothing+like+this").text
    assert _listed(none) == [] and "None of your decisions matches." in none
    link = re.search(r'href="(/screen\?record=3&amp;stage=title_abstract)"', maybes)
    assert link, maybes
    reopened = app_client.get(link.group(1).replace("&amp;", "&")).text
    assert "Your decision was <strong>maybe</strong>" in reopened
    assert app_client.get("/screen/mine?decision=perhaps").status_code == 400
    assert app_client.get("/screen/mine?stage=abstract_only").status_code == 400


def test_a_viewer_and_a_visitor_cannot_list_decisions(
    app_client: TestClient, project: tuple[Path, str]
) -> None:
    _decide_some(project)
    answer = app_client.get("/screen/mine")
    assert answer.status_code == 303 and answer.headers["location"] == "/login"
    sign_in(app_client, "vic@example.org")
    refused = app_client.get("/screen/mine")
    assert refused.status_code == 403 and "about statins" not in refused.text


def test_pages_and_the_facade_refuse_a_non_screener(project: tuple[Path, str]) -> None:
    _decide_some(project)
    with Review.open(*project) as review:
        first, total = review.own_decisions("Ann", per_page=2)
        second, again = review.own_decisions("Ann", page=2, per_page=2)
        assert total == again == 3
        assert [r.record_id for r in first + second] == [1, 3, 2]
        assert first[0].title and first[0].decision == "exclude" and first[0].reasons == ("NOTPEER",)
        assert review.own_decisions("Lead") == ([], 0)
        with pytest.raises(ScreeningError):
            review.own_decisions("Vic")


def test_hostile_titles_are_listed_as_text(tmp_path: Path, db_url: str) -> None:
    titles = ['<script>alert("t")</script> peer support', '<img src=x onerror=alert(1)>']
    folder = project_with_titles(tmp_path / "hostile", team_protocol("reviewers_per_record = 1"),
                                 titles, db_url)
    with Review.open(folder, db_url=db_url) as review:
        review.add_account("ann@example.org", "Ann", "reviewer", PASSWORD)
        review.decide(1, "include", "Ann", note="<b>bold</b>")
        review.decide(2, "exclude", "Ann")
    with web_client(folder, db_url) as client:
        sign_in(client, "ann@example.org")
        page = client.get("/screen/mine?q=%3Cscript%3E").text
        assert "<script>alert" not in page and "<img src=x" not in page and "<b>bold" not in page
        assert "&lt;script&gt;alert(&#34;t&#34;)" in page and _listed(page) == [1]
        assert 'value="&lt;script&gt;"' in page  # the query is shown back escaped too


def test_a_long_list_comes_a_page_at_a_time(
    app_client: TestClient, project: tuple[Path, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from scopewise.web import routes_screen

    monkeypatch.setattr(routes_screen, "OWN_PAGE", 2)
    _decide_some(project)
    sign_in(app_client, "ann@example.org")
    first = app_client.get("/screen/mine").text
    assert _listed(first) == [1, 3] and "page 1 of 2" in first
    older = re.search(r'href="([^"]+)" rel="next">Older', first)
    assert older and "rel=\"prev\"" not in first
    second = app_client.get(older.group(1).replace("&amp;", "&")).text
    assert _listed(second) == [2] and "page 2 of 2" in second and 'rel="prev">Newer' in second
