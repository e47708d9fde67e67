"""Report: update rounds of a living review (issue 18).

``review_rounds`` lists the rounds after the first; ``search_rounds`` ties each
search imported during one of them to it. Sources searched by other methods need
no change: they are searches with ``method = "other"``.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "review_rounds",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(200), nullable=False, unique=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_by", sa.String(200), nullable=False),
    )
    op.create_table(
        "search_rounds",
        sa.Column("search_id", sa.Integer, sa.ForeignKey("searches.id"), primary_key=True),
        sa.Column("round_id", sa.Integer, sa.ForeignKey("review_rounds.id"), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("search_rounds")
    op.drop_table("review_rounds")
