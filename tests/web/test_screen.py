"""Screening over HTTP: deciding, escaping, blinding, and records handed out under leases."""

from __future__ import annotations

import re
from pathlib import Path

from starlette.testclient import TestClient

from scopewise.review import Review
from small_protocol import TITLES, project_with_titles
from web_helpers import ACCOUNTS, PASSWORD, csrf, sign_in, team_protocol, web_client


def _record_on(page: str) -> int:
    found = re.search(r'name="record_id" value="(\d+)"', page)
    assert found, page
    return int(found.group(1))


def test_decide_over_http_then_undo_reopens_it(app_client: TestClient, project: tuple[Path, str]) -> None:
    sign_in(app_client, "ann@example.org")
    page = app_client.get("/screen").text
    record = _record_on(page)
    token = csrf(app_client, "/screen")
    answer = app_client.post("/screen/decide", data={
        "csrf_token": token, "record_id": str(record), "stage": "title_abstract",
        "decision": "exclude", "reasons": "NOTPEER", "note": "not about peers"})
    assert answer.status_code == 303 and answer.headers["location"] == f"/screen?last={record}"
    after = app_client.get(answer.headers["location"]).text
    assert _record_on(after) != record and f'href="/screen?record={record}"' in after
    again = app_client.get(f"/screen?record={record}").text
    assert "Your decision was <strong>exclude</strong>" in again
    with Review.open(*project) as review:
        assert review.decision_counts() == {("Ann", "title_abstract"): 1}


def test_a_bad_decision_is_one_line_and_writes_nothing(app_client: TestClient, project: tuple[Path, str]) -> None:
    sign_in(app_client, "ann@example.org")
    token = csrf(app_client, "/screen")
    answer = app_client.post("/screen/decide", data={
        "csrf_token": token, "record_id": "1", "stage": "title_abstract", "decision": "perhaps"})
    assert answer.status_code == 400 and "perhaps" in answer.text
    with Review.open(*project) as review:
        assert review.decision_counts() == {}


def test_hostile_record_text_is_shown_as_text(tmp_path: Path, db_url: str) -> None:
    titles = ['<script>alert("t")</script> peer support', '<img src=x onerror=alert(1)>']
    folder = project_with_titles(tmp_path / "hostile", team_protocol("reviewers_per_record = 1"), titles, db_url)
    with Review.open(folder, db_url=db_url) as review:
        review.add_account("ann@example.org", "Ann", "reviewer", PASSWORD)
        review.set_highlight_terms(["peer", "<b>"], ["x onerror"], "Lead")
    with web_client(folder, db_url) as client:
        sign_in(client, "ann@example.org")
        for _ in titles:
            page = client.get("/screen").text
            assert "<script>alert" not in page and "<img src=x" not in page
            assert "&lt;script&gt;alert(&#34;t&#34;)" in page or "&lt;img src=" in page
            token = csrf(client, "/screen")
            client.post("/screen/decide", data={"csrf_token": token, "record_id": str(_record_on(page)),
                                                "decision": "include", "stage": "title_abstract"})


def test_blinding_no_page_shows_a_colleagues_decision(app_client: TestClient, project: tuple[Path, str]) -> None:
    with Review.open(*project) as review:
        for rid in range(1, len(TITLES) + 1):
            review.decide(rid, "exclude", "Ann", reasons=["NOTPEER"], note="ANN-SECRET-NOTE")
    sign_in(app_client, "bob@example.org")
    seen = set()
    for _ in range(3):
        page = app_client.get("/screen").text
        assert "ANN-SECRET-NOTE" not in page and "Ann" not in page and "NOTPEER</strong>" not in page.split("Reasons")[0]
        record = _record_on(page)
        seen.add(record)
        assert app_client.get(f"/screen?record={record}").status_code == 404  # not decided by Bob
        token = csrf(app_client, "/screen")
        app_client.post("/screen/decide", data={"csrf_token": token, "record_id": str(record),
                                                "decision": "include", "stage": "title_abstract"})
    for path in ("/dashboard", "/downloads"):
        assert "ANN-SECRET-NOTE" not in app_client.get(path).text
    assert len(seen) == 3


def test_a_record_needing_one_more_decision_goes_to_one_reviewer(project: tuple[Path, str]) -> None:
    with Review.open(*project) as review:
        for rid in range(1, len(TITLES) + 1):
            review.decide(rid, "include", "Ann")
        bob = review.hand_out("Bob")
        lead = review.hand_out("Lead")
        assert bob is not None and lead is not None
        assert bob.record_id != lead.record_id
        assert review.hand_out("Bob").record_id == bob.record_id  # asked again: the same one
        review.decide_handed_out(bob.record_id, "include", "Bob")
        nxt = review.hand_out("Bob")
        assert nxt is not None and nxt.record_id not in (bob.record_id, lead.record_id)


def test_single_screening_hands_each_reviewer_a_different_record(tmp_path: Path, db_url: str) -> None:
    folder = project_with_titles(tmp_path / "single", team_protocol("reviewers_per_record = 1"), TITLES, db_url)
    with Review.open(folder, db_url=db_url) as review:
        given = [review.hand_out(name) for name in ("Ann", "Bob", "Lead")]
        ids = [g.record_id for g in given if g is not None]
        assert len(ids) == 3 and len(set(ids)) == 3
    assert set(ACCOUNTS)  # the shared accounts are not needed here
