"""Report: records removed before screening for a stated reason (issue 18).

``record_removals`` holds each removal (record, reason, who, when) and its undoing;
PRISMA 2020's "records removed for other reasons" counts the ones not undone.

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "record_removals",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("record_id", sa.Integer, sa.ForeignKey("records.id"), nullable=False),
        sa.Column("reason", sa.String(300), nullable=False),
        sa.Column("removed_at", TS, nullable=False),
        sa.Column("removed_by", sa.String(200), nullable=False),
        sa.Column("undone_at", TS, nullable=True),
        sa.Column("undone_by", sa.String(200), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("record_removals")
