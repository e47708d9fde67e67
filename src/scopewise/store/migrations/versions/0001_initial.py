"""The first schema: project, users, protocol versions, searches, records, duplicates,
decisions, full texts, charting, consultation, audit.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "project",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(300), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("settings", sa.Text, nullable=False),
    )
    op.create_table(
        "users",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(200), nullable=False, unique=True),
        sa.Column("role", sa.String(40), nullable=False),
        sa.Column("email", sa.String(300), nullable=False),
        sa.Column("created_at", TS, nullable=False),
    )
    op.create_table(
        "protocol_versions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("version", sa.Integer, nullable=False, unique=True),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("author", sa.String(200), nullable=False),
        sa.Column("toml", sa.Text, nullable=False),
        sa.Column("diff", sa.Text, nullable=False),
        sa.Column("note", sa.Text, nullable=False),
        sa.Column("registered", sa.Boolean, nullable=False),
    )
    op.create_table(
        "searches",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("source", sa.String(200), nullable=False),
        sa.Column("platform", sa.String(200), nullable=False),
        sa.Column("query", sa.Text, nullable=False),
        sa.Column("searched_on", sa.String(10), nullable=True),
        sa.Column("method", sa.String(20), nullable=False),
        sa.Column("file_name", sa.String(500), nullable=False),
        sa.Column("file_format", sa.String(40), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=True, unique=True),
        sa.Column("record_count", sa.Integer, nullable=False),
        sa.Column("imported_at", TS, nullable=False),
        sa.Column("imported_by", sa.String(200), nullable=False),
        sa.Column("details", sa.Text, nullable=False),
    )
    op.create_table(
        "records",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("search_id", sa.Integer, sa.ForeignKey("searches.id"), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("source_record_id", sa.String(500), nullable=False),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("abstract", sa.Text, nullable=False),
        sa.Column("authors", sa.Text, nullable=False),
        sa.Column("year", sa.Integer, nullable=True),
        sa.Column("journal", sa.Text, nullable=False),
        sa.Column("volume", sa.String(100), nullable=False),
        sa.Column("issue", sa.String(100), nullable=False),
        sa.Column("pages", sa.String(100), nullable=False),
        sa.Column("doi", sa.String(300), nullable=False),
        sa.Column("pmid", sa.String(20), nullable=False),
        sa.Column("pmcid", sa.String(20), nullable=False),
        sa.Column("issn", sa.String(100), nullable=False),
        sa.Column("isbn", sa.String(100), nullable=False),
        sa.Column("url", sa.Text, nullable=False),
        sa.Column("keywords", sa.Text, nullable=False),
        sa.Column("language", sa.String(100), nullable=False),
        sa.Column("publication_type", sa.String(200), nullable=False),
        sa.Column("raw", sa.Text, nullable=False),
    )
    op.create_index("ix_records_search", "records", ["search_id"])
    op.create_index("ix_records_doi", "records", ["doi"])
    op.create_table(
        "duplicate_groups",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("primary_record_id", sa.Integer, sa.ForeignKey("records.id"), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("score", sa.Float, nullable=True),
        sa.Column("undone_at", TS, nullable=True),
        sa.Column("undone_by", sa.String(200), nullable=True),
    )
    op.create_table(
        "duplicate_members",
        sa.Column("group_id", sa.Integer, sa.ForeignKey("duplicate_groups.id"), primary_key=True),
        sa.Column("record_id", sa.Integer, sa.ForeignKey("records.id"), primary_key=True),
    )
    op.create_index("ix_duplicate_members_record", "duplicate_members", ["record_id"])
    op.create_table(
        "duplicate_candidates",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("record_a", sa.Integer, sa.ForeignKey("records.id"), nullable=False),
        sa.Column("record_b", sa.Integer, sa.ForeignKey("records.id"), nullable=False),
        sa.Column("score", sa.Float, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("decided_by", sa.String(200), nullable=True),
        sa.Column("decided_at", TS, nullable=True),
        sa.UniqueConstraint("record_a", "record_b", name="uq_duplicate_candidates_pair"),
    )
    op.create_table(
        "decisions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("record_id", sa.Integer, sa.ForeignKey("records.id"), nullable=False),
        sa.Column("stage", sa.String(30), nullable=False),
        sa.Column("reviewer_id", sa.Integer, sa.ForeignKey("users.id"), nullable=False),
        sa.Column("decision", sa.String(20), nullable=False),
        sa.Column("reasons", sa.Text, nullable=False),
        sa.Column("note", sa.Text, nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("created_at", TS, nullable=False),
    )
    op.create_index("ix_decisions_record_stage", "decisions", ["record_id", "stage"])
    op.create_table(
        "full_texts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("record_id", sa.Integer, sa.ForeignKey("records.id"), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("file_name", sa.String(500), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=True),
        sa.Column("content", sa.Text, nullable=True),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
    )
    op.create_table(
        "charting_entries",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("record_id", sa.Integer, sa.ForeignKey("records.id"), nullable=False),
        sa.Column("reviewer_id", sa.Integer, sa.ForeignKey("users.id"), nullable=False),
        sa.Column("field", sa.String(200), nullable=False),
        sa.Column("value", sa.Text, nullable=True),
        sa.Column("created_at", TS, nullable=False),
    )
    op.create_index("ix_charting_record", "charting_entries", ["record_id"])
    op.create_table(
        "participants",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("pseudonym", sa.String(100), nullable=False, unique=True),
        sa.Column("role", sa.String(200), nullable=False),
        sa.Column("created_at", TS, nullable=False),
    )
    op.create_table(
        "interviews",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("participant_id", sa.Integer, sa.ForeignKey("participants.id"), nullable=False),
        sa.Column("held_on", sa.String(10), nullable=True),
        sa.Column("notes", sa.Text, nullable=False),
        sa.Column("created_at", TS, nullable=False),
    )
    op.create_table(
        "coded_excerpts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("interview_id", sa.Integer, sa.ForeignKey("interviews.id"), nullable=False),
        sa.Column("theme", sa.String(300), nullable=False),
        sa.Column("summary", sa.Text, nullable=False),
        sa.Column("created_at", TS, nullable=False),
    )
    op.create_table(
        "audit_events",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("at", TS, nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("action", sa.String(100), nullable=False),
        sa.Column("detail", sa.Text, nullable=False),
    )


def downgrade() -> None:
    for table in (
        "audit_events",
        "coded_excerpts",
        "interviews",
        "participants",
        "charting_entries",
        "full_texts",
        "decisions",
        "duplicate_candidates",
        "duplicate_members",
        "duplicate_groups",
        "records",
        "searches",
        "protocol_versions",
        "users",
        "project",
    ):
        op.drop_table(table)
