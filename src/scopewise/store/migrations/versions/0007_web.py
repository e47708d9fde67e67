"""Web: the team's ranking, shared by the web app's worker processes.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "team_rankings",
        sa.Column("basis", sa.String(64), primary_key=True),
        sa.Column("labels", sa.Text, nullable=False),
        sa.Column("ranked", sa.LargeBinary, nullable=False),
        sa.Column("fitted_at", TS, nullable=True),
        sa.Column("holder", sa.String(100), nullable=True),
        sa.Column("claimed_until", TS, nullable=True),
    )


def downgrade() -> None:
    op.drop_table("team_rankings")
