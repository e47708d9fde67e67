"""Consultation: participants' groups, sessions, excerpts, theme stances (issue 15's consultation).

A participant's ``role`` becomes its ``stakeholder_group``; a session's notes can be
purged (NULL, with ``purged_at``) and carry their hash, word count and format; an
excerpt is a span of its note (its free-text ``summary`` column goes: words about a
note belong to the lead's theme summary, which is checked); the lead's stance per
theme is a new append-only table.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("participants") as batch:
        batch.alter_column(
            "role",
            new_column_name="stakeholder_group",
            existing_type=sa.String(200),
            existing_nullable=False,
        )
    with op.batch_alter_table("interviews") as batch:
        batch.alter_column("notes", existing_type=sa.Text, nullable=True)
        batch.add_column(sa.Column("sha256", sa.String(64), nullable=True))
        batch.add_column(sa.Column("words", sa.Integer, nullable=False, server_default="0"))
        batch.add_column(sa.Column("file_format", sa.String(10), nullable=False, server_default=""))
        batch.add_column(sa.Column("imported_by", sa.String(200), nullable=False, server_default=""))
        batch.add_column(sa.Column("purged_at", TS, nullable=True))
        batch.create_unique_constraint("uq_interviews_sha256", ["sha256"])
    with op.batch_alter_table("coded_excerpts") as batch:
        batch.drop_column("summary")
        batch.add_column(sa.Column("span_start", sa.Integer, nullable=False, server_default="0"))
        batch.add_column(sa.Column("span_end", sa.Integer, nullable=False, server_default="0"))
        batch.add_column(sa.Column("coded_by", sa.String(200), nullable=False, server_default=""))
        batch.create_index("ix_coded_excerpts_interview", ["interview_id"])
    op.create_table(
        "theme_stances",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("theme", sa.String(300), nullable=False),
        sa.Column("stance", sa.String(20), nullable=False),
        sa.Column("summary", sa.Text, nullable=False),
        sa.Column("reviewer", sa.String(200), nullable=False),
        sa.Column("created_at", TS, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("theme_stances")
    with op.batch_alter_table("coded_excerpts") as batch:
        batch.drop_index("ix_coded_excerpts_interview")
        batch.drop_column("coded_by")
        batch.drop_column("span_end")
        batch.drop_column("span_start")
        batch.add_column(sa.Column("summary", sa.Text, nullable=False, server_default=""))
    # Purged notes come back as empty text: the column was NOT NULL before 0003.
    op.execute("UPDATE interviews SET notes = '' WHERE notes IS NULL")
    with op.batch_alter_table("interviews") as batch:
        batch.drop_constraint("uq_interviews_sha256", type_="unique")
        batch.drop_column("purged_at")
        batch.drop_column("imported_by")
        batch.drop_column("file_format")
        batch.drop_column("words")
        batch.drop_column("sha256")
        batch.alter_column("notes", existing_type=sa.Text, nullable=False)
    with op.batch_alter_table("participants") as batch:
        batch.alter_column(
            "stakeholder_group",
            new_column_name="role",
            existing_type=sa.String(200),
            existing_nullable=False,
        )
