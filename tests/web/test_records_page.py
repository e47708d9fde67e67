"""The lead's records page: find any record, see where it stands and every decision."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from scopewise.errors import ScreeningError
from scopewise.review import Review
from small_protocol import TITLES, project_with_titles
from web_helpers import PASSWORD, sign_in, team_protocol, web_client


def _listed(page: str) -> list[int]:
    return [int(n) for n in re.findall(r'<td class="num">(\d+)</td>', page)]


def _decide(project: tuple[Path, str]) -> None:
    with Review.open(*project) as review:
        review.decide(1, "include", "Ann", note="ANN-NOTE")
        review.decide(1, "exclude", "Bob", reasons=["NOTPEER"])  # a conflict
        review.decide(2, "exclude", "Ann", reasons=["NOTPEER"])
        review.decide(2, "exclude", "Bob", reasons=["NOTPEER"])  # excluded
        review.decide(3, "include", "Ann")  # awaiting the second reviewer


def test_the_lead_finds_records_by_words_and_by_where_they_stand(
    app_client: TestClient, project: tuple[Path, str]
) -> None:
    _decide(project)
    sign_in(app_client, "lead@example.org")
    page = app_client.get("/records").text
    assert f"Records ({len(TITLES)})" in page and _listed(page) == list(range(1, len(TITLES) + 1))
    assert _listed(app_client.get("/records?where=title_abstract:conflict").text) == [1]
    assert _listed(app_client.get("/records?where=title_abstract:excluded").text) == [2]
    waiting = app_client.get("/records?where=title_abstract:awaiting_second_reviewer").text
    assert _listed(waiting) == [3]
    assert _listed(app_client.get("/records?q=STATINS").text) == [2]
    assert _listed(app_client.get("/records?q=forensic&where=title_abstract:undecided").text) == []
    assert app_client.get("/records?where=somewhere").status_code == 400
    detail = app_client.get("/records/1").text
    assert "ANN-NOTE" in detail and "Ann" in detail and "Bob" in detail and "NOTPEER" in detail
    assert "title/abstract: conflict" in detail
    assert app_client.get("/records/999").status_code == 404


def test_records_left_by_an_accepted_stop_are_found_as_not_screened(project: tuple[Path, str]) -> None:
    _decide(project)
    with Review.open(*project) as review:
        review.decide(4, "exclude", "Ann", reasons=["NOTPEER"])
        review.decide(4, "exclude", "Bob", reasons=["NOTPEER"])
        from scopewise.store.screening_stop import insert_stop

        with review.store.transaction() as conn:
            insert_stop(conn, stopped_by="Lead", rule="point-process", target_recall=0.95,
                        estimated_recall=0.97, record_ids=[5, 6, 7, 8], detail={})
        review.decide(5, "include", "Ann")  # screened after the stop
        rows, total = review.record_rows("Lead", where="not_screened")
        assert [r.record_id for r in rows] == [6, 7, 8] and total == 3
        undecided, _n = review.record_rows("Lead", where="title_abstract:undecided")
        assert not {6, 7, 8} & {r.record_id for r in undecided}  # not screened, not "undecided"
        assert all(r.not_screened for r in rows)
        page_one, count = review.record_rows("Lead", per_page=3)
        page_three, _ = review.record_rows("Lead", page=3, per_page=3)
        assert count == len(TITLES) and [r.record_id for r in page_one] == [1, 2, 3]
        assert [r.record_id for r in page_three] == [7, 8]
        row, record, decisions = review.record_history("Lead", 1)
        assert row.title_abstract == "conflict" and [d.reviewer for d in decisions] == ["Ann", "Bob"]
        assert record.title == TITLES[0] == row.title
        with pytest.raises(ScreeningError):
            review.record_rows("Ann")  # a reviewer: it names every reviewer's decisions
        with pytest.raises(ScreeningError):
            review.record_history("Ann", 1)


def test_only_a_lead_sees_the_records_pages(app_client: TestClient, project: tuple[Path, str]) -> None:
    _decide(project)
    for email in ("ann@example.org", "vic@example.org"):
        app_client.cookies.clear()
        sign_in(app_client, email)
        for path in ("/records", "/records/1"):
            answer = app_client.get(path)
            assert answer.status_code == 403 and "ANN-NOTE" not in answer.text


def test_hostile_titles_are_listed_as_text(tmp_path: Path, db_url: str) -> None:
    titles = ['<script>alert("t")</script> peer support', "plain"]
    folder = project_with_titles(tmp_path / "hostile", team_protocol(), titles, db_url)
    with Review.open(folder, db_url=db_url) as review:
        review.add_account("lead@example.org", "Lead", "lead", PASSWORD)
        review.decide(1, "include", "Ann", note="<img src=x onerror=alert(1)>")
    with web_client(folder, db_url) as client:
        sign_in(client, "lead@example.org")
        for path in ("/records?q=script", "/records/1"):
            page = client.get(path).text
            assert "<script>alert" not in page and "<img src=x" not in page
            assert "&lt;script&gt;alert(&#34;t&#34;)" in page


def test_removed_and_merged_records_say_so_and_have_their_own_filters(
    app_client: TestClient, project: tuple[Path, str]
) -> None:
    from scopewise.store.dedup import insert_group

    with Review.open(*project) as review:
        review.remove_records([4], "Published before 1980", "Lead")
        with review.store.transaction() as conn:
            insert_group(conn, [1, 6], 1, {"why": "test"}, 1.0, "Lead")
    sign_in(app_client, "lead@example.org")
    page = app_client.get("/records").text
    assert 4 not in _listed(page) and 6 not in _listed(page)
    removed = app_client.get("/records?where=removed").text
    assert _listed(removed) == [4] and "removed: Published before 1980" in removed
    merged = app_client.get("/records?where=duplicate").text
    assert _listed(merged) == [6] and 'duplicate of <a href="/records/1">record 1</a>' in merged
    four = app_client.get("/records/4").text
    assert "Removed before screening: Published before 1980" in four
    assert "No decisions: it is not screened" in four
    six = app_client.get("/records/6").text
    assert 'Merged as a duplicate into <a href="/records/1">record 1</a>' in six
    assert 'merged into it: <a href="/records/6">record 6</a>' in app_client.get("/records/1").text


def test_record_searches_take_numbers_whole_and_ignore_accents(
    app_client: TestClient, project: tuple[Path, str]
) -> None:
    sign_in(app_client, "lead@example.org")
    assert _listed(app_client.get("/records?q=4").text) == [4]  # not 14, 24 ... nor a title's 4
    assert _listed(app_client.get("/records?q=PSYCHIÁTRIC+wards").text) == [7]  # accents folded
    assert _listed(app_client.get("/records?q=peer+5").text) == [5]
    from scopewise.review.decision_log import query_words, words_match

    assert words_match(query_words("Estres 2019"), "Estrés postraumático en 2019", "Núñez", 11)
    assert not words_match(query_words("201"), "Estrés postraumático en 2019", "Núñez", 11)
    assert words_match(query_words("nunez"), "Estrés", "Núñez", 11)
    # a keyboard's straight quote and hyphen find Word's curly quote and en dash
    title = "Peer workers\u2019 view \u2013 a \u201cmixed\u201d study"
    assert words_match(query_words("workers' view - a \"mixed\""), title, "", 3)
    assert not words_match(query_words("workers\" view"), title, "", 3)  # a quote of its own kind


def test_the_lead_undoes_a_merge_from_a_records_page(
    app_client: TestClient, project: tuple[Path, str]
) -> None:
    from scopewise.store.dedup import insert_group
    from web_helpers import csrf

    with Review.open(*project) as review, review.store.transaction() as conn:
        group = insert_group(conn, [1, 6], 1, {"why": "test"}, 1.0, "Lead")
    sign_in(app_client, "ann@example.org")
    token = csrf(app_client, "/screen")
    refused = app_client.post("/duplicates/undo", data={"csrf_token": token, "group_id": str(group),
                                                       "record_id": "6"})
    assert refused.status_code == 403
    sign_in(app_client, "lead@example.org")
    page = app_client.get("/records/6").text
    assert f'name="group_id" value="{group}"' in page and "Undo the merge" in page
    token = csrf(app_client, "/records/6")
    answer = app_client.post("/duplicates/undo", data={"csrf_token": token, "group_id": str(group),
                                                      "record_id": "6"})
    assert answer.status_code == 303 and answer.headers["location"].startswith("/records/6?")
    after = app_client.get(answer.headers["location"]).text
    assert "Merge undone: records 1, 6 are screened apart" in after and "Undo the merge" not in after
    assert 6 in _listed(app_client.get("/records").text)
    again = app_client.post("/duplicates/undo", data={"csrf_token": token, "group_id": str(group),
                                                     "record_id": "6"})
    assert again.status_code == 400  # already undone
    with Review.open(*project) as review:
        assert [e.actor for e in review.audit() if e.action == "dedup.undo"] == ["Lead"]
