"""Full text in the browser's form, the duplicate queue, throttling per address, and
reviewers deciding at the same moment."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from starlette.testclient import TestClient

from scopewise.review import Review
from small_protocol import TITLES, project_with_titles
from web_helpers import ACCOUNTS, PASSWORD, csrf, sign_in, team_protocol, web_client

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def test_full_text_upload_view_and_reasons(tmp_path: Path, db_url: str) -> None:
    folder = project_with_titles(tmp_path / "ft", team_protocol("reviewers_per_record = 1"), TITLES, db_url)
    with Review.open(folder, db_url=db_url) as review:
        review.add_account("ann@example.org", "Ann", "reviewer", PASSWORD)
        for rid in range(1, len(TITLES) + 1):
            review.decide(rid, "include" if rid == 1 else "exclude", "Ann")
    with web_client(folder, db_url) as client:
        sign_in(client, "ann@example.org")
        page = client.get("/screen").text
        assert "full text" in page and "No PDF attached yet" in page and "Maybe" not in page
        token = csrf(client, "/screen")
        bad = client.post("/screen/fulltext", data={"csrf_token": token, "record_id": "1"},
                          files={"pdf": ("paper.pdf", b"<html>not a pdf</html>", "application/pdf")})
        assert bad.status_code == 400 and "paper.pdf" in bad.text
        assert "scopewise-upload-" not in bad.text  # the server's temporary folder stays private
        answer = client.post("/screen/fulltext", data={"csrf_token": token, "record_id": "1"},
                             files={"pdf": ("paper.pdf", PDF, "application/pdf")})
        assert answer.status_code == 303
        none_chosen = client.post("/screen/fulltext", data={"csrf_token": token, "record_id": "1"})
        assert none_chosen.status_code == 400 and "choose a PDF" in none_chosen.text
        with Review.open(folder, db_url=db_url) as review:
            entry = review.full_text(1)
            assert entry is not None and entry.file_name == "paper.pdf"  # the uploader's name
        assert '<iframe src="/files/1"' in client.get("/screen").text
        pdf = client.get("/files/1")
        assert pdf.status_code == 200 and pdf.content == PDF
        assert pdf.headers["content-type"] == "application/pdf"
        assert pdf.headers["x-frame-options"] == "SAMEORIGIN"
        no_reason = client.post("/screen/decide", data={"csrf_token": token, "record_id": "1",
                                                        "stage": "full_text", "decision": "exclude"})
        assert no_reason.status_code == 400
        with_reason = client.post("/screen/decide", data={"csrf_token": token, "record_id": "1", "stage": "full_text",
                                                          "decision": "exclude", "reasons": "NOTPEER"})
        assert with_reason.status_code == 303
        assert "Nothing left to screen" in client.get("/screen").text


def test_duplicate_queue_side_by_side(app_client: TestClient, project: tuple[Path, str]) -> None:
    from scopewise.store import now
    from scopewise.store import schema as t

    with Review.open(*project) as review, review.store.transaction() as conn:
        conn.execute(t.duplicate_candidates.insert().values(
            record_a=1, record_b=3, score=0.8, status="queued", created_at=now(),
            reason={"rule": "similar titles, same first author", "outcome": "possible",
                    "matched": ["first_author"], "differs": ["title", "first_page"],
                    "title_similarity": 0.812}))
    sign_in(app_client, "lead@example.org")
    page = app_client.get("/duplicates").text
    assert "Possible duplicates (1)" in page
    assert ("Similar titles, same first author; the same: first author; different: title, "
            "first page; title similarity 0.81.") in page
    assert '<tr class="differs"><th scope="row">title <span class="meta">(differs)</span>' in page
    assert TITLES[0] in page and TITLES[2] in page
    token = csrf(app_client, "/duplicates")
    answer = app_client.post("/duplicates/decide", data={"csrf_token": token, "candidate_id": "1",
                                                         "decision": "different"})
    assert answer.status_code == 303
    assert "Possible duplicates (0)" in app_client.get("/duplicates").text


def test_throttled_per_address_across_accounts(app_client: TestClient) -> None:
    token = csrf(app_client, "/login")
    codes = [app_client.post("/login", data={"email": f"guess{i}@example.org", "password": "wrong password!",
                                             "csrf_token": token}).status_code for i in range(21)]
    assert codes[:20] == [400] * 20 and codes[20] == 429
    blocked = app_client.post("/login", data={"email": "ann@example.org", "password": PASSWORD, "csrf_token": token})
    assert blocked.status_code == 429 and "scopewise_session" not in app_client.cookies


def test_reviewers_deciding_at_once_lose_nothing(project: tuple[Path, str]) -> None:
    folder, db_url = project
    errors: list[BaseException] = []

    reviews = {n: Review.open(folder, db_url=db_url) for n in ("Ann", "Bob", "Lead")}
    # the first hand-out of each, one after the other: lazy imports (numpy, the ranker)
    # happen here, not in three threads at once
    first = {n: r.hand_out(n) for n, r in reviews.items()}

    # A reviewer with nothing to do now may get work once a colleague decides (a record
    # reaches full text): each waits until no one has anything left after the latest
    # decision. Stopping at the first empty hand-out left a record decided once when
    # the colleague who moved it on had already stopped.
    lock = threading.Lock()
    decided = [0]  # decisions made by all threads so far
    idle: dict[str, int] = {}  # reviewer -> decisions made when their hand-out was empty

    def screen(name: str) -> None:
        review, found = reviews[name], first[name]
        try:
            while True:
                if found is not None:
                    review.decide_handed_out(found.record_id, "include", name)
                    with lock:
                        decided[0] += 1
                        idle.pop(name, None)
                with lock:
                    seen = decided[0]
                found = review.hand_out(name)
                if found is None:
                    with lock:
                        idle[name] = seen
                        if len(idle) == len(reviews) and set(idle.values()) == {decided[0]}:
                            return
                    time.sleep(0.005)
        except BaseException as exc:  # handed to the test thread
            errors.append(exc)

    threads = [threading.Thread(target=screen, args=(n,)) for n in reviews]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    for review in reviews.values():
        review.close()
    assert not errors
    with Review.open(folder, db_url=db_url) as review:
        counts = review.decision_counts()
        snapshot = review.screening_snapshot()
    for stage in ("title_abstract", "full_text"):  # every record decided twice, never three times
        assert sum(n for (_who, s), n in counts.items() if s == stage) == 2 * len(TITLES)
    assert all(len(o.title_abstract.decisions) == 2 for o in snapshot.records.values())
    assert all(len(o.full_text.decisions) == 2 for o in snapshot.records.values())
    assert set(ACCOUNTS)
