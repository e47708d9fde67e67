"""Migration 0009: a removed excerpt's number is not given to the next one, on both
backends, and the excerpts stored before it keep their numbers and spans."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa

from scopewise.store import make_engine
from scopewise.store.engine import downgrade, migrate

NOW = datetime(2024, 1, 2, tzinfo=UTC)


def _add_excerpt(conn: sa.Connection, theme: str) -> int:
    return int(conn.execute(sa.text(
        "INSERT INTO coded_excerpts (interview_id, theme, span_start, span_end, coded_by, "
        "created_at) VALUES (1, :theme, 0, 4, 'Lead', :at) RETURNING id"),
        {"theme": theme, "at": NOW}).scalar_one())


def test_numbers_are_not_reused_after_the_migration(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        migrate(engine, "0008")
        with engine.begin() as conn:
            conn.execute(sa.text(
                "INSERT INTO participants (id, pseudonym, stakeholder_group, created_at) "
                "VALUES (1, 'P01', 'manager', :at)"), {"at": NOW})
            conn.execute(sa.text(
                "INSERT INTO interviews (id, participant_id, held_on, notes, created_at) "
                "VALUES (1, 1, '2023-09-01', 'Training was short.', :at)"), {"at": NOW})
            first, second = _add_excerpt(conn, "Training"), _add_excerpt(conn, "Pay")
        migrate(engine)
        with engine.begin() as conn:
            assert conn.execute(sa.text(
                "SELECT id, theme, span_end FROM coded_excerpts ORDER BY id")).all() == [
                (first, "Training", 4), (second, "Pay", 4)]
            newest = _add_excerpt(conn, "Supervision")
            conn.execute(sa.text("DELETE FROM coded_excerpts WHERE id = :id"), {"id": newest})
            after = _add_excerpt(conn, "Supervision")
            assert after > newest > second
            indexes = {i["name"] for i in sa.inspect(conn).get_indexes("coded_excerpts")}
            assert "ix_coded_excerpts_interview" in indexes
        downgrade(engine, "0008")
        with engine.begin() as conn:
            assert [row[0] for row in conn.execute(sa.text(
                "SELECT theme FROM coded_excerpts ORDER BY id"))] == [
                "Training", "Pay", "Supervision"]
    finally:
        engine.dispose()
