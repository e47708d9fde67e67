"""Decisions that never change silently: re-decisions named, full-text reason
conflicts, the decision export round trip, and conflicts under blinding."""

from __future__ import annotations

import csv
import json
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from cli_runner import run
from scopewise.review import Review
from small_protocol import TITLES, project_with_titles, small_protocol

CRITERIA = """
[[criteria.exclusion]]
code = "DESIGN"
text = "Not primary research."
"""
TWO = 'reviewers_per_record = 2\nblinding = {blinding}\n{extra}'


def make(tmp_path: Path, db_url: str, name: str = "review", blinding: bool = True,
         extra: str = "") -> Path:
    text = small_protocol("Trust", TWO.format(blinding=str(blinding).lower(), extra=extra),
                          reviewers=("Ann", "Bob", "Cat"))
    return project_with_titles(tmp_path / name, text + CRITERIA, TITLES, db_url=db_url)


def to_full_text(review: Review, record: int) -> None:
    review.decide(record, "include", "Ann", "title_abstract")
    review.decide(record, "include", "Bob", "title_abstract")


def test_a_re_decision_says_what_it_changed(
    tmp_path: Path, db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = make(tmp_path, db_url)
    with Review.open(folder) as review:
        first = review.decide(1, "include", "Ann")
        assert first.changed_from is None and first.change is None
        again = review.decide(1, "include", "Ann")
        assert again.change is None
    code, out, err = run(["screen", str(folder), "--decide", "1", "exclude",
                          "--reviewer", "Ann", "--reason", "NOTPEER"], capsys)
    assert code == 0, err
    assert "changed from include to exclude (NOTPEER)" in out
    with Review.open(folder) as review:
        changed = review.decide(1, "maybe", "Ann")
        assert changed.changed_from == "exclude (NOTPEER)"
        assert changed.change == "changed from exclude (NOTPEER) to maybe"
        events = [e for e in review.audit() if e.action == "screening.decided"]
    assert events[-1].detail["changed_from"] == "exclude (NOTPEER)"


def test_full_text_exclusions_for_different_reasons_conflict(
    tmp_path: Path, db_url: str
) -> None:
    folder = make(tmp_path, db_url)
    with Review.open(folder) as review:
        to_full_text(review, 1)
        review.decide(1, "exclude", "Ann", "full_text", ["NOTPEER"])
        review.decide(1, "exclude", "Bob", "full_text", ["DESIGN"])
        (conflict,) = review.conflicts("full_text")
        assert conflict.record_id == 1 and conflict.status == "conflict"
        resolved = review.resolve(1, "exclude", "Lead", "full_text", ["DESIGN"])
        assert resolved.kind == "resolution"
        outcome = review.record_outcome(1).full_text
        assert outcome is not None
        assert (outcome.status, outcome.reasons) == ("excluded", ("DESIGN",))
        assert review.conflicts() == []


def test_reason_conflicts_can_be_turned_off(tmp_path: Path, db_url: str) -> None:
    folder = make(tmp_path, db_url, extra="full_text_reason_conflicts = false")
    with Review.open(folder) as review:
        to_full_text(review, 1)
        review.decide(1, "exclude", "Ann", "full_text", ["NOTPEER"])
        review.decide(1, "exclude", "Bob", "full_text", ["DESIGN"])
        assert review.conflicts() == []
        outcome = review.record_outcome(1).full_text
        assert outcome is not None and outcome.status == "excluded"
        assert set(outcome.reasons) == {"NOTPEER", "DESIGN"}


def busy_review(review: Review) -> None:
    """Decisions of every kind: agreed, changed, conflicts resolved and open."""
    to_full_text(review, 1)
    review.decide(1, "exclude", "Ann", "full_text", ["NOTPEER"])
    review.decide(1, "exclude", "Bob", "full_text", ["DESIGN"])
    review.resolve(1, "exclude", "Lead", "full_text", ["DESIGN"])
    review.decide(2, "include", "Ann", "title_abstract", note="sure, \"quoted\"; and, commas")
    review.decide(2, "exclude", "Bob", "title_abstract", ["NOTPEER"])
    review.resolve(2, "include", "Cat", "title_abstract")
    review.decide(3, "exclude", "Ann", "title_abstract")
    review.decide(3, "include", "Ann", "title_abstract")  # a change of mind
    review.decide(3, "include", "Bob", "title_abstract")
    review.decide(4, "include", "Ann", "title_abstract")
    review.decide(4, "maybe", "Bob", "title_abstract")  # left in conflict
    review.decide(5, "exclude", "Lead", "title_abstract")
    review.decide(5, "include", "Ann", "title_abstract")
    review.resolve(5, "exclude", "Lead", "title_abstract")  # a lead who screened it


def outcomes(folder: Path) -> dict[int, tuple[object, ...]]:
    with Review.open(folder) as review:
        snapshot = review.screening_snapshot()
    out: dict[int, tuple[object, ...]] = {}
    for rid, o in snapshot.records.items():
        stages = [s for s in (o.title_abstract, o.full_text) if s is not None]
        out[rid] = tuple((s.stage, s.status, s.decision, s.reasons) for s in stages)
    return out


@pytest.fixture
def copy_url(db_url: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    """A second database on the same backend, for a second project with the same records."""
    if db_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'copy.db'}"
        return
    import psycopg

    server: str = request.getfixturevalue("pg_server")
    plain = server.replace("postgresql+psycopg", "postgresql")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    sep = "&" if "?" in server else "?"
    yield f"{server}{sep}options=-csearch_path%3D{schema}"
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.mark.parametrize("history", [False, True])
def test_decision_export_round_trip(
    tmp_path: Path, db_url: str, copy_url: str, capsys: pytest.CaptureFixture[str],
    history: bool,
) -> None:
    original = make(tmp_path, db_url)
    with Review.open(original) as review:
        busy_review(review)
    file = tmp_path / "decisions.csv"
    args = ["screen", str(original), "--export-decisions", str(file)]
    code, out, err = run(args + (["--history"] if history else []), capsys)
    assert code == 0, err
    with file.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        rows = list(reader)
    assert reader.fieldnames == ["record_id", "stage", "reviewer", "decision", "reasons",
                                 "note", "decided_at"]
    assert len(rows) == (16 if history else 15)  # record 3: Ann's first decision
    assert f"Wrote {len(rows)} decisions" in out
    assert any(r["note"] == 'sure, "quoted"; and, commas' for r in rows)
    copy = make(tmp_path, copy_url, name="copy")  # a second project, the same records
    code, out, err = run(["screen", str(copy), "--import-decisions", str(file),
                          "--reviewer", "Lead"], capsys)
    assert code == 0, err
    assert outcomes(copy) == outcomes(original)
    with Review.open(copy) as review:
        review.export_decisions(tmp_path / "again.csv", history=history)
    with (tmp_path / "again.csv").open(encoding="utf-8", newline="") as handle:
        again = list(csv.DictReader(handle))
    assert again == rows


def test_conflicts_json_and_blinding(
    tmp_path: Path, db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = make(tmp_path, db_url)
    with Review.open(folder) as review:
        review.decide(4, "include", "Ann", "title_abstract")
        review.decide(4, "exclude", "Bob", "title_abstract", ["NOTPEER"])
    code, out, err = run(["screen", str(folder), "--conflicts", "--json"], capsys)
    assert code == 2 and out == "" and "--reviewer" in err and err.count("\n") == 1
    code, out, err = run(["screen", str(folder), "--conflicts", "--json",
                          "--reviewer", "Lead"], capsys)
    assert code == 0, err
    (conflict,) = json.loads(out)
    assert (conflict["record_id"], conflict["stage"]) == (4, "title_abstract")
    assert conflict["decisions"] == [
        {"reviewer": "Ann", "decision": "include", "reasons": []},
        {"reviewer": "Bob", "decision": "exclude", "reasons": ["NOTPEER"]},
    ]
    code, out, err = run(["screen", str(folder), "--conflicts", "--json",
                          "--reviewer", "Cat"], capsys)
    assert code == 0, err
    (hidden,) = json.loads(out)
    assert [d["reviewer"] for d in hidden["decisions"]] == [None, None]
    assert [d["decision"] for d in hidden["decisions"]] == ["include", "exclude"]
    code, out, _ = run(["screen", str(folder), "--conflicts", "--reviewer", "Ann"], capsys)
    assert code == 0 and "Ann" not in out and "Bob" not in out and "a reviewer include" in out


def test_conflicts_without_blinding_need_no_reviewer(
    tmp_path: Path, db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = make(tmp_path, db_url, blinding=False)
    with Review.open(folder) as review:
        review.decide(4, "include", "Ann", "title_abstract")
        review.decide(4, "exclude", "Bob", "title_abstract", ["NOTPEER"])
    code, out, err = run(["screen", str(folder), "--conflicts", "--json"], capsys)
    assert code == 0, err
    assert [d["reviewer"] for d in json.loads(out)[0]["decisions"]] == ["Ann", "Bob"]
