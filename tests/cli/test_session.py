"""``scopewise screen DIR --session``: decisions typed record after record."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from scopewise.cli import cli
from scopewise.cli.session import parse_answer
from scopewise.errors import ScopewiseError
from scopewise.review import Review
from small_protocol import project_with_titles, small_protocol

TITLES = [
    "Peer support workers in community mental health teams",
    "Statins after <script>alert(1)</script> myocardial infarction",
    "Training peer specialists for forensic mental health services",
    "Hip fracture surgery outcomes in older adults",
]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return project_with_titles(tmp_path / "review", small_protocol("Session review"), TITLES)


def session(project: Path, typed: str, *args: str) -> Result:
    result = CliRunner().invoke(
        cli, ["screen", str(project), "--session", "--reviewer", "Ann", *args], input=typed
    )
    assert result.exit_code == 0, (result.output, result.exception)
    return result


def decisions(project: Path) -> list[tuple[int, str, str, tuple[str, ...], str]]:
    with Review.open(project) as review, review.store.reading() as conn:
        from scopewise.store import screening as db

        return [(d.record_id, d.stage, d.decision, d.reasons, d.note)
                for d in db.decision_rows(conn)]


def test_answers_are_read() -> None:
    answer = parse_answer("  E NOTPEER, POP : no peer workers: at all ")
    assert (answer.decision, answer.reasons, answer.note) == (
        "exclude", ("NOTPEER", "POP"), "no peer workers: at all")
    assert parse_answer("include").decision == "include"
    assert parse_answer("m:").note == ""
    for bad in ("", "  ", "x", "yes please"):
        with pytest.raises(ValueError, match="decision"):
            parse_answer(bad)


def test_each_answer_is_recorded_and_q_ends_the_session(project: Path) -> None:
    out = session(project, "i: clearly in\nwhat\ne\nq\n").output
    assert "'what' is not a decision" in out
    assert out.count("Recorded include") == 1 and out.count("Recorded exclude") == 1
    assert "Recorded 2 decisions this session." in out
    assert "Decide with:" not in out  # no one-shot command hint inside a session
    stored = decisions(project)
    assert [(stage, verdict, note) for _, stage, verdict, _, note in stored] == [
        ("title_abstract", "include", "clearly in"), ("title_abstract", "exclude", "")]
    assert len({rid for rid, *_ in stored}) == 2
    assert not [th for th in threading.enumerate() if th.name == "scopewise-ranking"]


def test_the_session_runs_until_nothing_is_left_or_input_ends(project: Path) -> None:
    out = session(project, "e\ne\n").output  # input ends after two answers
    assert "Recorded 2 decisions this session." in out
    out = session(project, "e\ne\ne\n").output
    assert "Nothing left to screen for Ann." in out
    assert "Recorded 2 decisions this session." in out
    assert len(decisions(project)) == 4


def test_record_text_is_printed_plain(project: Path) -> None:
    out = session(project, "e\ne\ne\ne\n").output
    assert "Statins after <script>alert(1)</script> myocardial infarction" in out


def test_a_refused_decision_is_asked_again_and_nothing_is_lost(project: Path) -> None:
    # Record 1 passed title/abstract earlier; after the other three it is served at full text.
    with Review.open(project) as review:
        review.decide(1, "include", "Ann")
    typed = "e\ne\ne\n" + "e BOGUS\ne NOTPEER: not peer work\n"
    out = session(project, typed).output
    assert "Not recorded:" in out and "BOGUS" in out
    assert "Recorded exclude (NOTPEER) for record 1." in out
    full_text = [d for d in decisions(project) if d[1] == "full_text"]
    assert full_text == [(1, "full_text", "exclude", ("NOTPEER",), "not peer work")]


def test_session_needs_a_reviewer(project: Path) -> None:
    result = CliRunner().invoke(cli, ["screen", str(project), "--session"])
    assert isinstance(result.exception, ScopewiseError)
    assert result.exception.exit_code == 2 and "--reviewer" in str(result.exception)


def test_the_session_lists_the_codes_and_takes_a_note_on_its_own_line(project: Path) -> None:
    with Review.open(project) as review:
        review.decide(1, "include", "Ann")
    typed = "n\nnot about peer workers\ne\ne\nnote: a second note\ni\n" + "n: why\ne NOTPEER\n"
    out = session(project, typed).output
    assert "Exclusion reason codes at title/abstract:" in out
    assert "Exclusion reason codes at full text (an exclusion needs one or more):" in out
    assert "  NOTPEER: Peer support is not the focus." in out
    assert "  POP: Concerns peer support workers in mental health services." in out
    assert out.count("Note kept") == 3
    stored = [(stage, verdict, note) for _, stage, verdict, _, note in decisions(project)]
    assert stored[1:] == [  # the ranker chooses the order of the records, not of the notes
        ("title_abstract", "exclude", "not about peer workers"),
        ("title_abstract", "exclude", ""),
        ("title_abstract", "include", "a second note"),
        ("full_text", "exclude", "why"),
    ]
