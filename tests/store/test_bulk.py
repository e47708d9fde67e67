"""Bulk inserts (store/bulk.py): every value survives COPY, and on PostgreSQL a large
batch's foreign keys are checked once, still refuse a dangling row, and come back."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from scopewise.store.bulk import BULK_CHECK_ROWS, insert_rows

AT = datetime(2026, 12, 6, 5, 0, tzinfo=UTC)
TEXTS = ["plain", "tab\there", "new\nline", "back\\slash", "carriage\rreturn", "\\N", "", "ünï 🙂"]


def _tables(engine: sa.Engine) -> tuple[sa.Table, sa.Table]:
    meta = sa.MetaData()
    parent = sa.Table("bulk_parent", meta, sa.Column("id", sa.Integer, primary_key=True))
    child = sa.Table(
        "bulk_child",
        meta,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("parent_id", sa.Integer, sa.ForeignKey("bulk_parent.id"), nullable=False),
        sa.Column("label", sa.Text, nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=True),
    )
    meta.create_all(engine)
    with engine.begin() as conn:
        conn.execute(parent.insert(), [{"id": i} for i in range(1, 11)])
    return parent, child


def _rows(n: int, parent: int = 1) -> list[tuple[object, ...]]:
    return [
        (i, parent if i % 7 else 1 + i % 10, TEXTS[i % len(TEXTS)] if i % 11 else None, AT)
        for i in range(1, n + 1)
    ]


def _foreign_keys(conn: sa.Connection) -> list[str]:
    return [
        str(r[0])
        for r in conn.exec_driver_sql(
            "SELECT conname FROM pg_constraint "
            "WHERE conrelid = to_regclass('bulk_child') AND contype = 'f'"
        )
    ]


@pytest.mark.parametrize("size", [50, BULK_CHECK_ROWS + 5])
def test_every_value_survives_a_bulk_insert(db_url: str, size: int) -> None:
    engine = sa.create_engine(db_url)
    _, child = _tables(engine)
    rows = _rows(size)
    with engine.begin() as conn:
        insert_rows(conn, "bulk_child", ("id", "parent_id", "label", "at"), rows)
    with engine.connect() as conn:
        back = conn.execute(sa.select(child).order_by(child.c.id)).all()
        assert [(r[0], r[1], r[2]) for r in back] == [(i, p, label) for i, p, label, _ in rows]
        # SQLite keeps the time without its zone
        assert {r[3].replace(tzinfo=r[3].tzinfo or UTC) for r in back} == {AT}
        if engine.dialect.name == "postgresql":
            assert _foreign_keys(conn) == ["bulk_child_parent_id_fkey"]
    engine.dispose()


def test_a_large_batch_pointing_nowhere_is_refused_whole(pg_url: str) -> None:
    engine = sa.create_engine(pg_url)
    _, child = _tables(engine)
    rows = _rows(BULK_CHECK_ROWS + 5)
    rows[-1] = (rows[-1][0], 999, "dangling", AT)  # no parent 999
    import psycopg

    with (
        pytest.raises(psycopg.errors.ForeignKeyViolation, match="bulk_child_parent_id_fkey"),
        engine.begin() as conn,
    ):
        insert_rows(conn, "bulk_child", ("id", "parent_id", "label", "at"), rows)
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(child)).scalar() == 0
        assert _foreign_keys(conn) == ["bulk_child_parent_id_fkey"]
    engine.dispose()


def test_a_table_busy_with_a_reader_is_loaded_with_row_checks(pg_url: str) -> None:
    engine = sa.create_engine(pg_url)
    _, child = _tables(engine)
    rows = _rows(BULK_CHECK_ROWS + 5)
    with engine.connect() as reader:
        # an open transaction that has read the table holds a lock the key drop needs
        reader.execute(sa.select(sa.func.count()).select_from(child)).scalar()
        with engine.begin() as conn:
            insert_rows(conn, "bulk_child", ("id", "parent_id", "label", "at"), rows)
            timeout = conn.exec_driver_sql("SHOW lock_timeout").scalar()
        reader.rollback()
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(child)).scalar() == len(rows)
        assert _foreign_keys(conn) == ["bulk_child_parent_id_fkey"]
    # the session's own lock timeout is what it was
    assert timeout == "0"
    engine.dispose()
