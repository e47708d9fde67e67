"""Charting: each entry's kind (value, resolution, complete), candidate themes, and the
final values kept for fast reads with the log position they are valid for.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("charting_entries") as batch:
        batch.add_column(sa.Column("kind", sa.String(20), nullable=False, server_default="value"))
    op.create_table(
        "theme_candidates",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("label", sa.String(300), nullable=False),
        sa.Column("terms", sa.Text, nullable=False),
        sa.Column("record_ids", sa.Text, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("name", sa.String(300), nullable=True),
        sa.Column("field", sa.String(200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_by", sa.String(200), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
    )

    op.create_table(
        "charting_final",
        sa.Column("record_id", sa.Integer, sa.ForeignKey("records.id"), primary_key=True),
        sa.Column("field", sa.String(200), primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
    )
    op.create_table(
        "charting_final_mark",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("last_entry_id", sa.Integer, nullable=False),
        sa.Column("entries", sa.Integer, nullable=False),
        sa.Column("form", sa.String(64), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("charting_final_mark")
    op.drop_table("charting_final")
    op.drop_table("theme_candidates")
    with op.batch_alter_table("charting_entries") as batch:
        batch.drop_column("kind")
