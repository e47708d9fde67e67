"""Migrations: from the first to head on both backends, and the result matches schema.py."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from scopewise.store import make_engine
from scopewise.store.engine import (
    current_revisions,
    downgrade,
    head_revisions,
    migrate,
    script_heads,
)
from scopewise.store.schema import metadata


def _schema_differences(engine: object) -> list[object]:
    with engine.connect() as conn:  # type: ignore[attr-defined]
        context = MigrationContext.configure(conn, opts={"compare_type": False})
        diffs = compare_metadata(context, metadata)
    # alembic's own version table is not part of our metadata
    return [d for d in diffs if "alembic_version" not in repr(d)]


def test_upgrade_from_first_migration_to_head(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        migrate(engine, "0001")
        assert current_revisions(engine) == {"0001"}
        migrate(engine)
        assert current_revisions(engine) == head_revisions()
        assert _schema_differences(engine) == []
    finally:
        engine.dispose()


def test_downgrade_to_base_and_up_again(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        migrate(engine)
        downgrade(engine, "base")
        assert current_revisions(engine) == set()
        migrate(engine)
        assert current_revisions(engine) == head_revisions()
    finally:
        engine.dispose()


def test_the_heads_read_without_alembic_are_alembics(db_url: str) -> None:
    assert script_heads() == head_revisions() != set()
    engine = make_engine(db_url)
    try:
        assert current_revisions(engine) == set()  # a fresh database: no version table
        migrate(engine)
        with engine.connect() as conn:
            assert current_revisions(engine) == set(MigrationContext.configure(conn).get_current_heads())
    finally:
        engine.dispose()
