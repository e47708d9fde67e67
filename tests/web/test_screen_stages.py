"""The screening page's stages over HTTP (both backends): tabs with the records left
for the reviewer at each stage, full text reachable by its tab and served first once
the lead accepted the stop, the next record and the redirect staying at the chosen
stage, reasons in labelled groups with the same key at every stage, and the
stopping line in the words the command line uses."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from starlette.testclient import TestClient

from scopewise.review import Review
from scopewise.screening.stopping_rule import StopReport
from scopewise.store import schema as t
from small_protocol import TITLES, project_with_titles
from web_helpers import ACCOUNTS, PASSWORD, csrf, sign_in, team_protocol, web_client

# a full-text-only criterion between the two: keys must not shift between stages
DESIGN = ('[[criteria.inclusion]]\ncode = "DESIGN"\ntext = "Reports primary data."\n'
          'stages = ["full_text"]\n[[criteria.exclusion]]')


@pytest.fixture
def stages_project(tmp_path: Path, db_url: str) -> tuple[Path, str]:
    text = team_protocol().replace("[[criteria.exclusion]]", DESIGN, 1)
    folder = project_with_titles(tmp_path / "stages", text, TITLES, db_url=db_url)
    with Review.open(folder, db_url=db_url) as review:
        for email, (name, role) in ACCOUNTS.items():
            review.add_account(email, name, role, PASSWORD)
        for rid in (1, 3):  # both reviewers include 1 and 3: they reach full text
            for who in ("Ann", "Bob"):
                review.decide(rid, "include", who)
        for who in ("Ann", "Bob"):
            review.decide(2, "exclude", who, reasons=["NOTPEER"])
    return folder, db_url


@pytest.fixture
def client(stages_project: tuple[Path, str]) -> Iterator[TestClient]:
    folder, db_url = stages_project
    with web_client(folder, db_url) as c:
        yield c


def _record_on(page: str) -> int:
    found = re.search(r'name="record_id" value="(\d+)"', page)
    assert found, page
    return int(found.group(1))


def _stage_on(page: str) -> str:
    found = re.search(r'name="stage" value="(\w+)"', page)
    assert found, page
    return found.group(1)


def _tab(page: str, label: str) -> str:
    found = re.search(rf'<a href="/screen\?stage=\w+"( aria-current="page")?>{label} · ([\d,]+) left</a>',
                      page)
    assert found, page
    return ("current " if found.group(1) else "") + found.group(2)


def _decide(client: TestClient, page: str, decision: str, reasons: tuple[str, ...] = (),
            chosen: str | None = None) -> str:
    data = {"csrf_token": csrf(client, "/screen/mine"), "record_id": str(_record_on(page)),
            "stage": _stage_on(page), "decision": decision, "reasons": list(reasons)}
    if chosen:
        data["next_stage"] = chosen
    answer = client.post("/screen/decide", data=data)
    assert answer.status_code == 303, answer.text
    return str(answer.headers["location"])


def _leases(project: tuple[Path, str], name: str) -> set[tuple[int, str]]:
    with Review.open(*project) as review, review.store.reading() as conn:
        rows = conn.execute(sa.select(t.record_leases.c.record_id, t.record_leases.c.stage).join(
            t.users, t.users.c.id == t.record_leases.c.reviewer_id).where(t.users.c.name == name))
        return {(int(rid), str(stage)) for rid, stage in rows}


def test_tabs_count_what_is_left_and_full_text_is_reached_and_kept(
    client: TestClient, stages_project: tuple[Path, str]
) -> None:
    sign_in(client, "ann@example.org")
    page = client.get("/screen").text
    # before any stop the first stage with work left is served; full text is one tab away
    assert _tab(page, "Title/abstract") == "current 5" and _tab(page, "Full text") == "2"
    assert _stage_on(page) == "title_abstract"
    full = client.get("/screen?stage=full_text").text
    assert _tab(full, "Full text") == "current 2" and _tab(full, "Title/abstract") == "5"
    assert _stage_on(full) == "full_text" and _record_on(full) == 1
    assert 'name="next_stage" value="full_text"' in full and 'value="maybe"' not in full
    # deciding keeps the reviewer at full text: the next record handed out is there too
    location = _decide(client, full, "exclude", ("DESIGN",), chosen="full_text")
    assert location == "/screen?last=1&stage=full_text"
    assert _leases(stages_project, "Ann") == {(3, "full_text")}
    after = client.get(location).text
    assert _stage_on(after) == "full_text" and _record_on(after) == 3
    assert _tab(after, "Full text") == "current 1"
    assert 'href="/screen?record=1&amp;stage=full_text"' in after  # undo stays at the stage
    location = _decide(client, after, "include", chosen="full_text")
    done = client.get(location).text
    assert "Nothing left to screen at full text" in done
    assert '<a href="/screen?stage=title_abstract">Title/abstract: 5 left for you</a>' in done
    assert _tab(done, "Full text") == "current 0"
    with Review.open(*stages_project) as review:
        assert review.decision_counts()[("Ann", "full_text")] == 2
    assert client.get("/screen?stage=nonsense").status_code == 400


def test_full_text_blinds_a_colleagues_decision(
    client: TestClient, stages_project: tuple[Path, str]
) -> None:
    with Review.open(*stages_project) as review:
        review.decide(1, "exclude", "Bob", reasons=["POP"], note="BOB-SECRET-NOTE")
    sign_in(client, "ann@example.org")
    page = client.get("/screen?stage=full_text").text
    assert _record_on(page) == 1
    assert "BOB-SECRET-NOTE" not in page and "Bob" not in page and " checked" not in page


def test_reasons_are_grouped_keep_their_keys_and_refuse_an_inclusion(
    client: TestClient, stages_project: tuple[Path, str]
) -> None:
    sign_in(client, "ann@example.org")
    ta = client.get("/screen").text
    ft = client.get("/screen?stage=full_text").text
    for page in (ta, ft):
        assert "<legend>Inclusion criterion not met</legend>" in page
        assert "<legend>Exclusion criterion applies</legend>" in page
        assert page.index("Inclusion criterion not met") < page.index('value="POP"') < page.index(
            "Exclusion criterion applies") < page.index('value="NOTPEER"')
        assert 'value="POP" data-key="1"' in page and 'value="NOTPEER" data-key="3"' in page
    assert 'value="DESIGN"' not in ta and 'value="DESIGN" data-key="2"' in ft
    assert "Reasons to exclude (optional; they go with Exclude or Maybe)" in ta
    assert "Reasons to exclude (one or more, needed to exclude)" in ft
    token = csrf(client, "/screen")
    refused = client.post("/screen/decide", data={
        "csrf_token": token, "record_id": str(_record_on(ft)), "stage": "full_text",
        "decision": "include", "reasons": "NOTPEER", "next_stage": "full_text"})
    assert refused.status_code == 400 and "include takes no reasons (you gave NOTPEER)" in refused.text
    with Review.open(*stages_project) as review:
        assert ("Ann", "full_text") not in review.decision_counts()
    # shown on the same record, with what the reviewer had ticked and typed
    shown = client.get("/screen?stage=full_text").text
    again = client.post("/screen/decide", data={
        "csrf_token": token, "record_id": str(_record_on(shown)), "stage": "full_text",
        "decision": "include", "reasons": "NOTPEER", "note": "<b>see p. 4</b>",
        "next_stage": "full_text"})
    assert again.status_code == 400 and _record_on(again.text) == _record_on(shown)
    assert 'value="NOTPEER" data-key="3" checked' in again.text
    assert ">&lt;b&gt;see p. 4&lt;/b&gt;</textarea>" in again.text


def _rule_says(stop: bool) -> object:
    def estimate(self: Review, actor: str = "scopewise", record: bool = True) -> StopReport:
        return StopReport("point-process", stop, 3, 5, 2, 0.97, 0.92)
    return estimate


def test_after_an_accepted_stop_full_text_comes_first(
    client: TestClient, stages_project: tuple[Path, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(Review, "stopping_estimate", _rule_says(True))
    with Review.open(*stages_project) as review:
        review.stop_screening("Lead")
    sign_in(client, "ann@example.org")
    page = client.get("/screen").text
    assert _tab(page, "Full text") == "current 2" and _stage_on(page) == "full_text"
    assert "Lead stopped title/abstract screening on" in page and "full text comes first" in page
    # deciding without choosing a tab stays at full text, and so does the next lease
    location = _decide(client, page, "include")
    assert location == f"/screen?last={_record_on(page)}"
    assert _leases(stages_project, "Ann") == {(3, "full_text")}
    assert _stage_on(client.get(location).text) == "full_text"
    # title/abstract stays reachable, with the notice that such decisions still count
    ta = client.get("/screen?stage=title_abstract").text
    assert _stage_on(ta) == "title_abstract" and _tab(ta, "Title/abstract") == "current 5"
    assert "each one you decide counts as screened" in ta
    line = re.search(r'<span class="stopping">([^<]*)</span>', ta)
    assert line and line.group(1).startswith("Lead stopped title/abstract screening on")
    assert "keep screening" not in ta.lower()


def test_the_stopping_line_says_what_the_command_line_says(
    client: TestClient, stages_project: tuple[Path, str]
) -> None:
    from scopewise.screening.stop_advice import stopping_sentence

    sign_in(client, "ann@example.org")
    page = client.get("/screen").text
    line = re.search(r'<span class="stopping">([^<]*)</span>', page)
    with Review.open(*stages_project) as review:
        report = review.stopping_estimate(record=False)
        target = review.protocol.screening.target_recall
    assert report is not None and not report.stop and line
    expected = stopping_sentence(report, target)
    assert line.group(1) == expected.replace("'", "&#39;")
    # the reason it gives, as the CLI does, and no claim of 95% confidence for this rule
    assert line.group(1).startswith("Keep screening: relevant records may still be left (only ")
    assert "(needs " in line.group(1) and "with 95% confidence" not in page


def test_one_stage_has_no_tabs_and_refuses_another(tmp_path: Path, db_url: str) -> None:
    text = team_protocol('stages = ["title_abstract"]\nreviewers_per_record = 1')
    folder = project_with_titles(tmp_path / "one", text, TITLES, db_url=db_url)
    with Review.open(folder, db_url=db_url) as review:
        review.add_account("ann@example.org", "Ann", "reviewer", PASSWORD)
    with web_client(folder, db_url) as one:
        sign_in(one, "ann@example.org")
        page = one.get("/screen").text
        assert _stage_on(page) == "title_abstract" and 'class="stage-tabs"' not in page
        refused = one.get("/screen?stage=full_text")
        assert refused.status_code == 400 and "this protocol screens at: title_abstract" in refused.text
        token = csrf(one, "/screen")
        bad = one.post("/screen/decide", data={
            "csrf_token": token, "record_id": str(_record_on(page)), "stage": "title_abstract",
            "decision": "include", "next_stage": "full_text"})
        assert bad.status_code == 400
        with Review.open(folder, db_url=db_url) as review:
            assert review.decision_counts() == {}


def test_after_an_accepted_stop_the_command_line_serves_full_text_first(
    stages_project: tuple[Path, str], monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from cli_runner import run

    folder, db_url = stages_project
    monkeypatch.setattr(Review, "stopping_estimate", _rule_says(True))
    args = ["screen", str(folder), *(["--db", db_url] if db_url else []), "--next",
            "--reviewer", "Ann"]
    code, before, err = run(args, capsys)
    assert code == 0, err
    with Review.open(*stages_project) as review:
        review.stop_screening("Lead")
    code, after, err = run(args, capsys)
    assert code == 0, err
    assert before != after and "full text" in after.lower() and "full text" not in before.lower()


def test_the_tab_counts_are_the_records_the_queue_would_list(stages_project: tuple[Path, str]) -> None:
    """The stage tabs count without listing; the count must be the list's length."""
    import random

    folder, db_url = stages_project
    rng = random.Random(7)
    with Review.open(folder, db_url=db_url) as review:
        for step in range(12):
            for who in ("Ann", "Bob"):
                with review.store.reading() as conn:
                    state, pilot = review._left_inputs(conn)
                    reviewer_id = review._screener(conn, who)
                    held = {s: review._full_in(conn, reviewer_id, s, None)
                            for s in review.protocol.screening.stages}
                counted = review._left_counts(who, state, pilot, held)
                listed = {s: len(review._candidates(state, pilot, who, s, held[s])[0])
                          for s in review.protocol.screening.stages}
                assert counted == listed, (step, who)
            found = review.next_record(rng.choice(("Ann", "Bob")))
            if found is None:
                break
            decision = rng.choice(("include", "exclude"))
            review.decide(found.record_id, decision, rng.choice(("Ann", "Bob")), found.stage,
                          reasons=["NOTPEER"] if decision == "exclude" else [])
