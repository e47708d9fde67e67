"""``scopewise report`` from the command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cli_runner import run


def test_report_command_writes_the_chosen_formats(
    sqlite_project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    code, stdout, _ = run(
        ["report", str(sqlite_project), "-o", str(out), "--format", "json,svg"], capsys
    )
    assert code == 0
    names = sorted(p.name for p in out.iterdir())
    assert names == ["checklist.csv", "prisma.json", "prisma.svg", "report.json"]
    assert json.loads((out / "prisma.json").read_text())["identified"] == 9
    assert "9 identified" in stdout
    assert "in progress" in stdout  # one record still to decide at each stage


def test_unknown_format_is_one_line_and_writes_nothing(
    sqlite_project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    code, _, err = run(["report", str(sqlite_project), "-o", str(out), "--format", "odt"], capsys)
    assert code == 2
    assert err.count("\n") == 1
    assert "unknown report format odt" in err
    assert not out.exists()


def test_report_on_a_missing_project_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(["report", str(tmp_path / "nope"), "-o", str(tmp_path / "o")], capsys)
    assert code == 2
    assert "no such folder" in err


def test_broken_invariant_is_one_line_naming_it(
    sqlite_project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import sqlalchemy as sa

    from scopewise.review import Review
    from scopewise.store import now
    from scopewise.store import schema as t

    with Review.open(sqlite_project) as review, review.store.transaction() as conn:
        # The duplicate of record 1 also becomes a duplicate in a second group.
        dup = conn.execute(
            sa.select(t.duplicate_members.c.record_id).where(
                t.duplicate_members.c.record_id
                != sa.select(t.duplicate_groups.c.primary_record_id).scalar_subquery()
            )
        ).scalar_one()
        group = conn.execute(
            t.duplicate_groups.insert().values(primary_record_id=4, created_at=now(), reason={})
        ).inserted_primary_key
        assert group is not None
        for record in (4, dup):
            conn.execute(t.duplicate_members.insert().values(group_id=group[0], record_id=record))
    code, _, err = run(["report", str(sqlite_project), "-o", str(tmp_path / "out")], capsys)
    assert code == 2
    assert err.count("\n") == 1
    assert "identified = duplicates removed + screened" in err
    assert not (tmp_path / "out").exists()
