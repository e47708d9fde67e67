"""The store on both backends: projects, protocol versions, users, audit, transactions."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from scopewise.errors import DatabaseUnreachable, ProjectExists
from scopewise.protocol import SKELETON
from scopewise.store import Store
from scopewise.store import schema as t
from scopewise.store.engine import current_revisions, head_revisions


@pytest.fixture
def store(db_url: str) -> Store:
    s = Store(db_url)
    with s.transaction() as conn:
        s.create_project(conn, "A review", {"k": "v"})
    yield s
    s.close()


def test_opening_migrates_to_head(store: Store) -> None:
    assert current_revisions(store.engine) == head_revisions()
    assert store.has_project()
    info = store.project_info()
    assert info["name"] == "A review" and info["settings"] == {"k": "v"}
    assert info["created_at"].tzinfo is not None


def test_one_project_per_database(store: Store) -> None:
    with pytest.raises(ProjectExists), store.transaction() as conn:
        store.create_project(conn, "Another", {})


def test_protocol_versions_keep_diffs(store: Store) -> None:
    with store.transaction() as conn:
        assert (
            store.add_protocol_version(conn, SKELETON, "lead", "registered", registered=True) == 1
        )
        assert store.add_protocol_version(conn, SKELETON, "lead", "same text") is None
        changed = SKELETON.replace("TODO: who", "peer support workers")
        assert store.add_protocol_version(conn, changed, "lead", "population narrowed") == 2
    versions = store.protocol_versions()
    assert [v.version for v in versions] == [1, 2]
    assert versions[0].registered and not versions[1].registered
    assert '-population = "TODO: who"' in versions[1].diff
    assert '+population = "peer support workers"' in versions[1].diff
    assert store.current_protocol_text() == changed


def test_users_are_created_once(store: Store) -> None:
    with store.transaction() as conn:
        a = store.ensure_user(conn, "Ana", "lead")
        b = store.ensure_user(conn, "Ana", "reviewer")
        c = store.ensure_user(conn, "Ben")
    assert a == b != c
    assert [(u.name, u.role) for u in store.users()] == [("Ana", "lead"), ("Ben", "reviewer")]


def test_a_failed_transaction_leaves_nothing(store: Store) -> None:
    with pytest.raises(RuntimeError), store.transaction() as conn:
        store.audit(conn, "me", "something", {"n": 1})
        store.ensure_user(conn, "Cleo")
        raise RuntimeError("boom")
    assert store.audit_events() == []
    assert store.users() == []


def test_audit_events_in_order_with_json_detail(store: Store) -> None:
    with store.transaction() as conn:
        store.audit(conn, "ana", "first", {"ü": [1, 2]})
        store.audit(conn, "ben", "second", {})
    events = store.audit_events()
    assert [e.action for e in events] == ["first", "second"]
    assert events[0].detail == {"ü": [1, 2]}
    assert [e.action for e in store.audit_events(limit=1)] == ["second"]


def test_foreign_keys_are_enforced(store: Store) -> None:
    with pytest.raises(sa.exc.IntegrityError), store.transaction() as conn:
        conn.execute(t.duplicate_members.insert().values(group_id=999, record_id=999))


@pytest.mark.parametrize(
    "url",
    [
        "nonsense",
        "mysql://root@127.0.0.1/test",
        "postgresql+psycopg://postgres@127.0.0.1:1/test",
    ],
)
def test_bad_urls_are_one_line_errors(url: str) -> None:
    with pytest.raises(DatabaseUnreachable) as caught:
        Store(url)
    assert "\n" not in str(caught.value)


def test_new_sqlite_databases_use_8_kib_pages_and_old_ones_keep_theirs(tmp_path: Path) -> None:
    import sqlite3

    new = tmp_path / "new.db"
    store = Store(f"sqlite:///{new}")
    store.close()
    with sqlite3.connect(new) as conn:
        assert conn.execute("PRAGMA page_size").fetchone()[0] == 8192
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"

    old = tmp_path / "old.db"
    with sqlite3.connect(old) as conn:  # a database made before the change
        conn.execute("PRAGMA page_size=4096")
        conn.execute("CREATE TABLE kept (x INTEGER)")
        conn.execute("INSERT INTO kept VALUES (1)")
    store = Store(f"sqlite:///{old}")
    with store.transaction() as conn:
        store.create_project(conn, "Old file", {})
    assert store.has_project()
    store.close()
    with sqlite3.connect(old) as conn:
        assert conn.execute("PRAGMA page_size").fetchone()[0] == 4096
        assert conn.execute("SELECT x FROM kept").fetchall() == [(1,)]
