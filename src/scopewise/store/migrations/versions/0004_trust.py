"""Trust: the screening stops a lead accepted (issue 16).

A stop records which records were left unscreened when the lead accepted the
stopping rule's recommendation, so the PRISMA flow can show them in a box of their
own. Search undo needs no schema change (it deletes rows, audited).

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "screening_stops",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("stopped_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("stopped_by", sa.String(200), nullable=False),
        sa.Column("rule", sa.String(100), nullable=False),
        sa.Column("target_recall", sa.Float, nullable=False),
        sa.Column("estimated_recall", sa.Float, nullable=True),
        sa.Column("record_ids", sa.Text, nullable=False),
        sa.Column("detail", sa.Text, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("screening_stops")
