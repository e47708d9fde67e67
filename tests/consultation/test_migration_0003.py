"""Migration 0003 keeps consultation rows stored before it, on both backends (SQLite
with its foreign keys on, as scopewise opens it)."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa

from scopewise.store import make_engine
from scopewise.store.engine import downgrade, migrate

NOW = datetime(2024, 1, 2, tzinfo=UTC)


def test_rows_survive_upgrade_and_downgrade(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        migrate(engine, "0002")
        with engine.begin() as conn:
            conn.execute(sa.text(
                "INSERT INTO participants (id, pseudonym, role, created_at) "
                "VALUES (1, 'P01', 'manager', :at)"), {"at": NOW})
            conn.execute(sa.text(
                "INSERT INTO interviews (id, participant_id, held_on, notes, created_at) "
                "VALUES (1, 1, '2023-09-01', 'old notes', :at)"), {"at": NOW})
            conn.execute(sa.text(
                "INSERT INTO coded_excerpts (id, interview_id, theme, summary, created_at) "
                "VALUES (1, 1, 'Training', 'a summary', :at)"), {"at": NOW})
        migrate(engine, "0003")
        with engine.begin() as conn:
            assert conn.execute(sa.text(
                "SELECT pseudonym, stakeholder_group FROM participants")).all() == [
                ("P01", "manager")]
            assert conn.execute(sa.text(
                "SELECT notes, words, purged_at FROM interviews")).all() == [("old notes", 0, None)]
            assert conn.execute(sa.text(
                "SELECT theme, span_start, span_end FROM coded_excerpts")).all() == [
                ("Training", 0, 0)]
            conn.execute(sa.text("UPDATE interviews SET notes = '', purged_at = :at"),
                         {"at": NOW})
            conn.execute(sa.text(
                "INSERT INTO theme_stances (theme, stance, summary, reviewer, created_at) "
                "VALUES ('Training', 'supported', 's', 'Lead', :at)"), {"at": NOW})
        downgrade(engine, "0002")
        with engine.begin() as conn:
            assert conn.execute(sa.text("SELECT pseudonym, role FROM participants")).all() == [
                ("P01", "manager")]
            assert conn.execute(sa.text("SELECT notes FROM interviews")).all() == [("",)]
            tables = sa.inspect(conn).get_table_names()
            assert "theme_stances" not in tables
    finally:
        engine.dispose()
