"""Damage, checks, backups and restores of a project database (issue 16, item 6)."""

from __future__ import annotations

import os
import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from cli_runner import run
from scopewise.review import Review
from scopewise.store import make_engine
from scopewise.store import schema as t
from small_protocol import TITLES, project_with_titles, small_protocol

PROTOCOL = small_protocol("Backups", "reviewers_per_record = 1")


def plain(value: Any) -> str:
    if isinstance(value, datetime):  # SQLite hands back naive UTC times
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).isoformat()
    return str(value)


def tables(url: str) -> dict[str, list[tuple[Any, ...]]]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return {
                table.name: sorted(
                    (tuple(plain(v) for v in row) for row in conn.execute(sa.select(table))),
                )
                for table in t.metadata.sorted_tables
            }
    finally:
        engine.dispose()


@pytest.fixture
def folder(tmp_path: Path, db_url: str) -> Path:
    folder = project_with_titles(tmp_path / "review", PROTOCOL, TITLES, db_url=db_url)
    with Review.open(folder) as review:
        review.decide(1, "include", "Ann", note="<script>x()</script>")
        review.decide(2, "exclude", "Ann")
    return folder


def test_backup_then_restore_gives_the_same_database(
    folder: Path, db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = tables(db_url)
    backup = tmp_path / "backups" / "review.db"
    backup.parent.mkdir()
    code, out, err = run(["backup", str(folder), "-o", str(backup)], capsys)
    assert code == 0, err
    assert "8 records, 2 decisions" in out and backup.is_file()
    with Review.open(folder) as review:  # work goes on after the backup
        review.decide(3, "include", "Ann")
    assert tables(db_url) != before
    code, _, err = run(["restore", str(backup), str(folder)], capsys)
    assert code == 2 and "--force" in err and err.count("\n") == 1
    code, out, err = run(["restore", str(backup), str(folder), "--force"], capsys)
    assert code == 0, err
    assert tables(db_url) == before
    with Review.open(folder) as review:  # ids go on from the restored ones
        assert review.decide(3, "exclude", "Ann").id == 3
    code, out, err = run(["check", str(folder)], capsys)
    assert code == 0 and "No problems found." in out


def test_restore_into_a_new_folder(
    folder: Path, db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    backup = tmp_path / "b.db"
    assert run(["backup", str(folder), "-o", str(backup)], capsys)[0] == 0
    fresh = tmp_path / "restored"
    code, _, err = run(["restore", str(backup), str(fresh)], capsys)
    assert code == 0, err
    with Review.open(fresh) as review:
        assert review.store.backend == "sqlite"
        assert review.status()["identified"] == 8
        assert review.protocol.review.title == "Backups"
    assert tables(f"sqlite:///{fresh / 'project.db'}") == tables(db_url)


def test_a_backup_is_consistent_while_another_writer_is_mid_transaction(
    folder: Path, db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = tables(db_url)
    engine = make_engine(db_url)
    try:
        with engine.begin() as conn:  # a writer that has not committed yet
            conn.execute(t.audit_events.insert().values(
                at=sa.func.now(), actor="x", action="half", detail="{}"))
            code, _, err = run(["backup", str(folder), "-o", str(tmp_path / "b.db")], capsys)
            assert code == 0, err
    finally:
        engine.dispose()
    assert tables(f"sqlite:///{tmp_path / 'b.db'}") == before


@pytest.mark.parametrize("damage", ["truncate", "overwrite"])
def test_a_damaged_database_is_one_line_and_check_names_it(
    tmp_path: Path, damage: str, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = project_with_titles(tmp_path / "review", PROTOCOL, TITLES)
    backup = tmp_path / "b.db"
    assert run(["backup", str(folder), "-o", str(backup)], capsys)[0] == 0
    db = folder / "project.db"
    for side in ("project.db-wal", "project.db-shm"):
        (folder / side).unlink(missing_ok=True)
    if damage == "truncate":
        with db.open("r+b") as handle:
            handle.truncate(os.path.getsize(db) // 2)
    else:
        db.write_bytes(b"not a database at all " * 500)
    for command in (["status", str(folder)], ["screen", str(folder), "--conflicts",
                                              "--reviewer", "Lead"]):
        code, out, err = run(command, capsys)
        assert code == 2 and out == ""
        assert err.count("\n") == 1 and "Traceback" not in err
        assert str(db) in err and "damaged" in err and "scopewise check" in err
    code, out, err = run(["check", str(folder)], capsys)
    assert code == 2 and "SQLite" in err and str(db) in err
    assert "scopewise restore BACKUP" in err
    code, _, err = run(["restore", str(backup), str(folder), "--force"], capsys)
    assert code == 0, err
    assert run(["check", str(folder)], capsys)[0] == 0
    assert (folder / "project.db.damaged-1").exists()


def _break_foreign_key(db_url: str, sql: str, statement: Any) -> None:
    """Change the database past its foreign keys: ``sql`` on SQLite (which does not
    enforce them by default), ``statement`` on PostgreSQL with its triggers off."""
    if db_url.startswith("sqlite"):
        with sqlite3.connect(db_url.removeprefix("sqlite:///")) as raw:
            raw.execute(sql)
        raw.close()
        return
    engine = make_engine(db_url)
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql("SET session_replication_role = replica")
            conn.execute(statement)
    finally:
        engine.dispose()


def test_check_finds_broken_invariants(
    folder: Path, db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    _break_foreign_key(db_url, "DELETE FROM records WHERE id = 2",
                       t.records.delete().where(t.records.c.id == 2))
    code, _out, err = run(["check", str(folder)], capsys)
    assert code == 2
    assert "a screening decision points to a record that does not exist: 2" in err
    assert "search 1 says it brought 8 records but holds 7" in err


def test_check_writes_one_record_in_the_singular(
    folder: Path, db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    _break_foreign_key(db_url, "UPDATE records SET search_id = 99 WHERE id = 3",
                       t.records.update().where(t.records.c.id == 3).values(search_id=99))
    code, _out, err = run(["check", str(folder)], capsys)
    assert code == 2
    assert "1 record belongs to no search" in err
    assert "search 1 says it brought 8 records but holds 7" in err
    assert "(s)" not in err


def test_restore_refuses_a_file_that_is_no_backup(
    folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bogus = tmp_path / "bogus.db"
    bogus.write_text("hello", encoding="utf-8")
    code, _out, err = run(["restore", str(bogus), str(tmp_path / "x"), "--force"], capsys)
    assert code == 2 and err.count("\n") == 1 and "not a scopewise backup" in err


def _damaged_copy(backup: Path, old: bytes, new: bytes) -> Path:
    """The backup with the first ``old`` bytes replaced by ``new`` (same length)."""
    assert len(old) == len(new)
    data = backup.read_bytes()
    assert old in data
    damaged = backup.with_name("damaged.db")
    damaged.write_bytes(data.replace(old, new, 1))
    return damaged


@pytest.mark.parametrize(("old", "new", "says"), [
    (b"Statins after", b"Stat\xe9ns after", "Could not decode to UTF-8"),
    (b"target_recall", b"targex_recall", "has no column target_recall"),
    (b"target_recall", b"targ\xe9t_recall", "the backup itself is damaged"),
])
def test_a_backup_damaged_inside_its_values_is_refused_and_the_project_kept(
    folder: Path, db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str],
    old: bytes, new: bytes, says: str,
) -> None:
    """SQLite's quick check passes a backup whose bytes changed inside a value or its
    schema text; the restore read it, replaced the project and then failed (or left
    one that failed later). Found by a mutation run over backups."""
    backup = tmp_path / "b.db"
    assert run(["backup", str(folder), "-o", str(backup)], capsys)[0] == 0
    before = tables(db_url)
    damaged = _damaged_copy(backup, old, new)
    code, _out, err = run(["restore", str(damaged), str(folder), "--force"], capsys)
    assert code == 2 and err.count("\n") == 1, err
    assert "the backup itself is damaged" in err and says in err
    assert tables(db_url) == before
    assert not list(folder.glob("*.damaged-*"))


def _flip_inside(db: Path, old: bytes, new: bytes) -> None:
    data = db.read_bytes()
    assert old in data and len(old) == len(new)
    db.write_bytes(data.replace(old, new, 1))


def test_a_value_damaged_inside_the_live_database_is_named_by_check_and_status(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Bytes changed inside a text value pass SQLite's integrity check (when no index
    covers the column): check now reads every row, and a command that meets such a
    value says the database is damaged in one line instead of a traceback."""
    folder = project_with_titles(tmp_path / "review", PROTOCOL, TITLES)
    with Review.open(folder) as review:  # everything in the file, nothing in the WAL
        review.store.engine.dispose()
    db = folder / "project.db"
    _flip_inside(db, b"Abstract of Statins", b"Abstract of St\xe9tins")
    code, _out, err = run(["check", str(folder)], capsys)
    assert code == 2 and "table records cannot be read in full" in err
    assert "Could not decode to UTF-8 column 'abstract'" in err
    _flip_inside(db, b"PubMed", b"P\xe9bMed")  # the search's source, read by status
    code, out, err = run(["status", str(folder)], capsys)
    assert code == 2 and out == "" and err.count("\n") == 1 and "Traceback" not in err
    assert "the project database is damaged" in err and "scopewise check" in err
