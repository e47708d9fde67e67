"""Alembic environment: always run with a connection handed in by scopewise.store."""

from __future__ import annotations

from alembic import context

from scopewise.store.schema import metadata

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - scopewise never runs alembic without one
    raise RuntimeError("scopewise runs migrations with an open connection only")

context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
