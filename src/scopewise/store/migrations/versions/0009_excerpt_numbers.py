"""Consultation: an excerpt's number is never given again (SQLite).

SQLite gives a new row the largest id plus one, so removing the newest coded excerpt
let the next one take its number, and the audit trail could name one number for two
excerpts. ``AUTOINCREMENT`` keeps every number used. PostgreSQL's sequences never
reuse a number: nothing changes there. The table is rebuilt with its rows, index and
foreign key (alembic's batch mode, the only way SQLite can change this).

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def _rebuild(autoincrement: bool) -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    with op.batch_alter_table("coded_excerpts", recreate="always",
                              table_kwargs={"sqlite_autoincrement": autoincrement}):
        pass


def upgrade() -> None:
    _rebuild(True)


def downgrade() -> None:
    _rebuild(False)
