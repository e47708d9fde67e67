"""Handing out records over HTTP: showing the screening page writes nothing; deciding
leases the next record in the same request; a decision on a record nobody leased to
the reviewer is refused when colleagues filled it meanwhile (both backends)."""

from __future__ import annotations

import re
from pathlib import Path

import sqlalchemy as sa
from starlette.testclient import TestClient

from scopewise.review import Review
from scopewise.store import schema as t
from scopewise.web import create_app
from small_protocol import TITLES, project_with_titles
from web_helpers import PASSWORD, csrf, sign_in, team_protocol


def _record_on(page: str) -> int:
    found = re.search(r'name="record_id" value="(\d+)"', page)
    assert found, page
    return int(found.group(1))


def _row_counts(project: tuple[Path, str]) -> dict[str, int]:
    """Rows in every table of the project's database."""
    with Review.open(*project) as review, review.store.reading() as conn:
        return {
            table.name: int(conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one())
            for table in t.metadata.sorted_tables
        }


def _leases(project: tuple[Path, str]) -> set[tuple[int, str]]:
    with Review.open(*project) as review, review.store.reading() as conn:
        rows = conn.execute(sa.select(t.record_leases.c.record_id, t.users.c.name).join(
            t.users, t.users.c.id == t.record_leases.c.reviewer_id))
        return {(int(rid), str(name)) for rid, name in rows}


def test_showing_the_screening_page_writes_nothing(
    app_client: TestClient, project: tuple[Path, str]
) -> None:
    with Review.open(*project) as review:
        review.decide(1, "include", "Bob")  # so the stopping rule has a history
        review.decide(1, "include", "Lead")
    sign_in(app_client, "ann@example.org")
    before = _row_counts(project)
    first = app_client.get("/screen")
    again = app_client.get("/screen")
    assert first.status_code == again.status_code == 200
    assert _record_on(first.text) == _record_on(again.text)
    assert _row_counts(project) == before
    assert before["record_leases"] == 0


def test_deciding_leases_the_record_the_next_page_shows(
    app_client: TestClient, project: tuple[Path, str]
) -> None:
    sign_in(app_client, "ann@example.org")
    page = app_client.get("/screen").text
    first = _record_on(page)
    token = csrf(app_client, "/screen")
    answer = app_client.post("/screen/decide", data={
        "csrf_token": token, "record_id": str(first), "stage": "title_abstract",
        "decision": "exclude", "reasons": "NOTPEER"})
    assert answer.status_code == 303
    leased = _leases(project)
    assert len(leased) == 1
    (rid, who), = leased
    assert who == "Ann" and rid != first
    before = _row_counts(project)
    assert _record_on(app_client.get(answer.headers["location"]).text) == rid
    assert _row_counts(project) == before
    with Review.open(*project) as review:
        audited = [e for e in review.audit() if e.action == "screening.stopping"]
    assert audited, "the stopping estimate is audited by the decision, not by the page"


def test_a_decision_on_a_record_a_colleague_filled_meanwhile_is_refused(
    tmp_path: Path, db_url: str
) -> None:
    folder = project_with_titles(
        tmp_path / "single", team_protocol("reviewers_per_record = 1"), TITLES, db_url)
    with Review.open(folder, db_url=db_url) as review:
        review.add_account("ann@example.org", "Ann", "reviewer", PASSWORD)
        review.add_account("bob@example.org", "Bob", "reviewer", PASSWORD)
    app = create_app(folder, db_url=db_url, ranking=False)
    with TestClient(app, base_url="http://127.0.0.1", follow_redirects=False) as ann, \
            TestClient(app, base_url="http://127.0.0.1", follow_redirects=False) as bob:
        sign_in(ann, "ann@example.org")
        sign_in(bob, "bob@example.org")
        shown = _record_on(ann.get("/screen").text)
        assert _record_on(bob.get("/screen").text) == shown  # neither page leased it
        answers = []
        for client, verdict in ((ann, "include"), (bob, "exclude")):
            token = csrf(client, "/screen")
            answers.append(client.post("/screen/decide", data={
                "csrf_token": token, "record_id": str(shown), "stage": "title_abstract",
                "decision": verdict}))
        assert answers[0].headers["location"] == f"/screen?last={shown}"
        # Bob's came second, on a record single screening needs no more decisions on
        assert answers[1].status_code == 303 and "message=" in answers[1].headers["location"]
        page = bob.get(answers[1].headers["location"]).text
        assert "a colleague took that record" in page and _record_on(page) != shown
    with Review.open(folder, db_url=db_url) as review:
        assert review.decision_counts() == {("Ann", "title_abstract"): 1}
        assert [d.decision for d in review.decisions_for(shown, "Ann")] == ["include"]


def test_a_hand_out_takes_the_next_free_record_when_colleagues_took_the_first(
    tmp_path: Path, db_url: str
) -> None:
    """Reviewers asking at the same moment are given the same ranked queue: the one
    who finds its first record taken is leased the next free one, without ranking
    the queue again."""
    folder = project_with_titles(
        tmp_path / "race", team_protocol("reviewers_per_record = 1"), TITLES, db_url)
    with Review.open(folder, db_url=db_url) as review:
        first = review.next_record("Ann")
        assert first is not None and len(first.head) >= 2
        assert first.head[0] == first.record_id
        taken = review.hand_out("Bob")  # Bob asks first and is given the same record
        assert taken is not None and taken.record_id == first.record_id
        # Ann's request read the leases before Bob's landed: nothing excluded yet
        calls: list[int] = []
        ranked = review._next_record

        def counted(*args: object, **kwargs: object) -> object:
            calls.append(1)
            return ranked(*args, **kwargs)  # type: ignore[arg-type]

        review.__dict__["_exclusions"] = lambda reviewer_id, stage: set()
        review.__dict__["_next_record"] = counted
        given = review.hand_out("Ann")
        assert given is not None
        assert given.record_id == first.head[1] != taken.record_id
        assert len(calls) == 1, "the queue was ranked once"
        with review.store.reading() as conn:
            rows = conn.execute(sa.select(t.record_leases.c.record_id, t.users.c.name).join(
                t.users, t.users.c.id == t.record_leases.c.reviewer_id))
            leases = {(int(rid), str(name)) for rid, name in rows}
    assert leases == {(taken.record_id, "Bob"), (given.record_id, "Ann")}
