"""Consultation: participants' groups, sessions, excerpts, theme stances (issue 15's consultation).

A participant's ``role`` becomes its ``stakeholder_group``; a session's notes carry
their hash, word count and format, and can be purged (text emptied, ``purged_at``
set); an excerpt is a span of its note (its free-text ``summary`` column goes:
words about a note belong to the lead's theme summary, which is checked); the
lead's stance per theme is a new append-only table.

Every change here is one SQLite can make in place (rename, add and drop a column,
create an index): recreating a table, as batch mode does, would fail on the
foreign keys of a project that already holds consultation rows.

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
    op.alter_column(
        "participants",
        "role",
        new_column_name="stakeholder_group",
        existing_type=sa.String(200),
        existing_nullable=False,
    )
    op.add_column("interviews", sa.Column("sha256", sa.String(64), nullable=True))
    op.add_column("interviews", sa.Column("words", sa.Integer, nullable=False, server_default="0"))
    op.add_column(
        "interviews", sa.Column("file_format", sa.String(10), nullable=False, server_default="")
    )
    op.add_column(
        "interviews", sa.Column("imported_by", sa.String(200), nullable=False, server_default="")
    )
    op.add_column("interviews", sa.Column("purged_at", TS, nullable=True))
    op.create_index("ux_interviews_sha256", "interviews", ["sha256"], unique=True)
    op.drop_column("coded_excerpts", "summary")
    op.add_column(
        "coded_excerpts", sa.Column("span_start", sa.Integer, nullable=False, server_default="0")
    )
    op.add_column(
        "coded_excerpts", sa.Column("span_end", sa.Integer, nullable=False, server_default="0")
    )
    op.add_column(
        "coded_excerpts", sa.Column("coded_by", sa.String(200), nullable=False, server_default="")
    )
    op.create_index("ix_coded_excerpts_interview", "coded_excerpts", ["interview_id"])
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
    op.drop_index("ix_coded_excerpts_interview", "coded_excerpts")
    for column in ("coded_by", "span_end", "span_start"):
        op.drop_column("coded_excerpts", column)
    op.add_column(
        "coded_excerpts", sa.Column("summary", sa.Text, nullable=False, server_default="")
    )
    op.drop_index("ux_interviews_sha256", "interviews")
    for column in ("purged_at", "imported_by", "file_format", "words", "sha256"):
        op.drop_column("interviews", column)
    op.alter_column(
        "participants",
        "stakeholder_group",
        new_column_name="role",
        existing_type=sa.String(200),
        existing_nullable=False,
    )
