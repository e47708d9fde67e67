"""Table definitions: the single description of the project database.

Migrations under ``store/migrations/versions`` create these tables step by step;
``tests/store/test_migrations.py`` checks that upgrading to head yields exactly this
schema. JSON-ish columns are stored as text (``JSONText``) so SQLite and PostgreSQL
behave the same.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

__all__ = ["JSONText", "metadata"]

metadata = MetaData()


class JSONText(TypeDecorator[Any]):
    """A JSON value stored as text, identical on every backend."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        if value is None:
            return None
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))

    def process_result_value(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        return json.loads(value)


project = Table(
    "project",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(300), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("settings", JSONText, nullable=False, default=dict),
)

users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(200), nullable=False, unique=True),
    Column(
        "role", String(40), nullable=False
    ),  # lead, reviewer, information_specialist, stakeholder
    Column("email", String(300), nullable=False, default=""),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

protocol_versions = Table(
    "protocol_versions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("version", Integer, nullable=False, unique=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("author", String(200), nullable=False),
    Column("toml", Text, nullable=False),
    Column("diff", Text, nullable=False, default=""),
    Column("note", Text, nullable=False, default=""),
    Column("registered", Boolean, nullable=False, default=False),
)

searches = Table(
    "searches",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("source", String(200), nullable=False),  # database searched, e.g. PubMed, CINAHL
    Column("platform", String(200), nullable=False, default=""),  # e.g. EBSCOhost, Ovid
    Column("query", Text, nullable=False, default=""),
    Column("searched_on", String(10), nullable=True),  # ISO date the search was run
    Column("method", String(20), nullable=False, default="file"),  # file | api
    Column("file_name", String(500), nullable=False, default=""),
    Column("file_format", String(40), nullable=False, default=""),
    Column("sha256", String(64), nullable=True, unique=True),
    Column("record_count", Integer, nullable=False, default=0),
    Column("imported_at", DateTime(timezone=True), nullable=False),
    Column("imported_by", String(200), nullable=False, default=""),
    Column("details", JSONText, nullable=False, default=dict),
)

records = Table(
    "records",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("search_id", Integer, ForeignKey("searches.id"), nullable=False),
    Column("position", Integer, nullable=False),  # 1-based order within its file
    Column("source_record_id", String(500), nullable=False, default=""),
    Column("title", Text, nullable=False, default=""),
    Column("abstract", Text, nullable=False, default=""),
    Column("authors", JSONText, nullable=False, default=list),
    Column("year", Integer, nullable=True),
    Column("journal", Text, nullable=False, default=""),
    Column("volume", String(100), nullable=False, default=""),
    Column("issue", String(100), nullable=False, default=""),
    Column("pages", String(100), nullable=False, default=""),
    Column("doi", String(300), nullable=False, default=""),
    Column("pmid", String(20), nullable=False, default=""),
    Column("pmcid", String(20), nullable=False, default=""),
    Column("issn", String(100), nullable=False, default=""),
    Column("isbn", String(100), nullable=False, default=""),
    Column("url", Text, nullable=False, default=""),
    Column("keywords", JSONText, nullable=False, default=list),
    Column("language", String(100), nullable=False, default=""),
    Column("publication_type", String(200), nullable=False, default=""),
    Column("raw", JSONText, nullable=False, default=dict),
    Index("ix_records_search", "search_id"),
    Index("ix_records_doi", "doi"),
)

# A duplicate group joins records that are the same bibliographic record. Groups are
# never deleted: undoing a merge sets ``undone_at`` so the history stays.
duplicate_groups = Table(
    "duplicate_groups",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("primary_record_id", Integer, ForeignKey("records.id"), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("created_by", String(200), nullable=False, default="auto"),
    Column("reason", JSONText, nullable=False, default=dict),
    Column("score", Float, nullable=True),
    Column("undone_at", DateTime(timezone=True), nullable=True),
    Column("undone_by", String(200), nullable=True),
)

duplicate_members = Table(
    "duplicate_members",
    metadata,
    Column("group_id", Integer, ForeignKey("duplicate_groups.id"), primary_key=True),
    Column("record_id", Integer, ForeignKey("records.id"), primary_key=True),
    Index("ix_duplicate_members_record", "record_id"),
)

# Pairs a person must look at (possible duplicates), and what they said.
duplicate_candidates = Table(
    "duplicate_candidates",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("record_a", Integer, ForeignKey("records.id"), nullable=False),
    Column("record_b", Integer, ForeignKey("records.id"), nullable=False),
    Column("score", Float, nullable=False),
    Column("reason", JSONText, nullable=False, default=dict),
    Column("status", String(20), nullable=False, default="queued"),  # queued|same|different|skipped
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("decided_by", String(200), nullable=True),
    Column("decided_at", DateTime(timezone=True), nullable=True),
    UniqueConstraint("record_a", "record_b", name="uq_duplicate_candidates_pair"),
)

# Append-only: a decision is never updated; the latest per (record, stage, reviewer) counts.
decisions = Table(
    "decisions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("record_id", Integer, ForeignKey("records.id"), nullable=False),
    Column("stage", String(30), nullable=False),  # title_abstract | full_text
    Column("reviewer_id", Integer, ForeignKey("users.id"), nullable=False),
    Column("decision", String(20), nullable=False),  # include | exclude | maybe
    Column("reasons", JSONText, nullable=False, default=list),  # criteria codes
    Column("note", Text, nullable=False, default=""),
    Column("kind", String(20), nullable=False, default="screen"),  # screen|resolution|pilot
    Column("created_at", DateTime(timezone=True), nullable=False),
    Index("ix_decisions_record_stage", "record_id", "stage"),
)

full_texts = Table(
    "full_texts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("record_id", Integer, ForeignKey("records.id"), nullable=False),
    Column("status", String(20), nullable=False),  # attached | not_retrieved
    Column("file_name", String(500), nullable=False, default=""),
    Column("sha256", String(64), nullable=True),
    Column("content", Text, nullable=True),  # path inside the project folder
    Column("reason", Text, nullable=False, default=""),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("created_by", String(200), nullable=False, default=""),
)

# A lead accepted the stopping rule: the records then left unscreened (issue 16).
screening_stops = Table(
    "screening_stops",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("stopped_at", DateTime(timezone=True), nullable=False),
    Column("stopped_by", String(200), nullable=False),
    Column("rule", String(100), nullable=False),
    Column("target_recall", Float, nullable=False),
    Column("estimated_recall", Float, nullable=True),
    Column("record_ids", JSONText, nullable=False, default=list),
    Column("detail", JSONText, nullable=False, default=dict),
)

charting_entries = Table(
    "charting_entries",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("record_id", Integer, ForeignKey("records.id"), nullable=False),
    Column("reviewer_id", Integer, ForeignKey("users.id"), nullable=False),
    Column("field", String(200), nullable=False),
    Column("value", JSONText, nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    # value | resolution (a lead's reconciliation) | complete (a source marked done)
    Column("kind", String(20), nullable=False, server_default="value"),
    Index("ix_charting_record", "record_id"),
)

# Final charted values, derived from charting_entries and kept for fast reads (maps,
# counts). Valid only while charting_final_mark matches the log's newest id, its
# entry count and the form; otherwise readers work the values out from the log.
charting_final = Table(
    "charting_final",
    metadata,
    Column("record_id", Integer, ForeignKey("records.id"), primary_key=True),
    Column("field", String(200), primary_key=True),
    Column("value", JSONText, nullable=False),
)

charting_final_mark = Table(
    "charting_final_mark",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("last_entry_id", Integer, nullable=False),
    Column("entries", Integer, nullable=False),
    Column("form", String(64), nullable=False),  # sha256 of the charting form
)

# Candidate themes from clustering the included sources; the lead decides each.
theme_candidates = Table(
    "theme_candidates",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("label", String(300), nullable=False),
    Column("terms", JSONText, nullable=False),
    Column("record_ids", JSONText, nullable=False),
    Column("status", String(20), nullable=False),  # candidate | accepted | rejected
    Column("name", String(300), nullable=True),  # the accepted theme's name
    Column("field", String(200), nullable=True),  # the field it became a choice of
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("decided_by", String(200), nullable=True),
    Column("decided_at", DateTime(timezone=True), nullable=True),
)

# Consultation (migration 0003). A participant is a pseudonym code and a stakeholder
# group only: no name, e-mail or anything else that leads back to the person.
participants = Table(
    "participants",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("pseudonym", String(100), nullable=False, unique=True),
    Column("stakeholder_group", String(200), nullable=False, default=""),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

# One session's notes. ``consult purge-notes`` empties ``notes`` and sets ``purged_at``;
# the counts and the coded spans stay. No file name is kept: it may name the person.
interviews = Table(
    "interviews",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("participant_id", Integer, ForeignKey("participants.id"), nullable=False),
    Column("held_on", String(10), nullable=True),
    Column("notes", Text, nullable=False, default=""),
    Column("sha256", String(64), nullable=True),
    Column("words", Integer, nullable=False, default=0),
    Column("file_format", String(10), nullable=False, default=""),
    Column("imported_by", String(200), nullable=False, default=""),
    Column("purged_at", DateTime(timezone=True), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Index("ux_interviews_sha256", "sha256", unique=True),
)

# An excerpt is a span [span_start, span_end) of its note, never a copy of the words.
coded_excerpts = Table(
    "coded_excerpts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("interview_id", Integer, ForeignKey("interviews.id"), nullable=False),
    Column("theme", String(300), nullable=False),
    Column("span_start", Integer, nullable=False, default=0),
    Column("span_end", Integer, nullable=False, default=0),
    Column("coded_by", String(200), nullable=False, default=""),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Index("ix_coded_excerpts_interview", "interview_id"),
    # never reuse a removed excerpt's number on SQLite (migration 0009)
    sqlite_autoincrement=True,
)

# Append-only: the lead's stance on a theme and their summary; the latest per theme counts.
theme_stances = Table(
    "theme_stances",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("theme", String(300), nullable=False),
    Column("stance", String(20), nullable=False),  # supported | added to | questioned
    Column("summary", Text, nullable=False, default=""),
    Column("reviewer", String(200), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

audit_events = Table(
    "audit_events",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("actor", String(200), nullable=False),
    Column("action", String(100), nullable=False),
    Column("detail", JSONText, nullable=False, default=dict),
)

# -- the web app (issue 17) ---------------------------------------------------------
# A login for a team member: the user row is the reviewer, the account how they sign in.
accounts = Table(
    "accounts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id"), nullable=False, unique=True),
    Column("email", String(300), nullable=False, unique=True),  # lower case
    Column("password_hash", String(300), nullable=False),  # Argon2id, PHC string
    Column("role", String(20), nullable=False),  # lead | reviewer | viewer
    Column("disabled", Boolean, nullable=False, default=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("password_changed_at", DateTime(timezone=True), nullable=False),
)

# Server-side sessions: the cookie holds a random token, the id is its sha256.
web_sessions = Table(
    "web_sessions",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("account_id", Integer, ForeignKey("accounts.id"), nullable=False),
    Column("csrf_token", String(64), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("seen_at", DateTime(timezone=True), nullable=False),
    Column("ended_at", DateTime(timezone=True), nullable=True),
    Index("ix_web_sessions_account", "account_id"),
)

# Failed sign-ins, per account ("email:...") and per address ("addr:..."), for throttling.
login_attempts = Table(
    "login_attempts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("key", String(400), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Index("ix_login_attempts_key_at", "key", "at"),
)

# One-time password links: the id is the sha256 of the token in the link.
password_resets = Table(
    "password_resets",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("account_id", Integer, ForeignKey("accounts.id"), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("used_at", DateTime(timezone=True), nullable=True),
)

# A record handed to a reviewer who has not decided it yet (so a record that needs one
# more decision is not handed to two reviewers at once).
record_leases = Table(
    "record_leases",
    metadata,
    Column("record_id", Integer, ForeignKey("records.id"), primary_key=True),
    Column("stage", String(30), primary_key=True),
    Column("reviewer_id", Integer, ForeignKey("users.id"), primary_key=True),
    Column("expires_at", DateTime(timezone=True), nullable=False),
)

# Update rounds of a living review (migration 0005). The first round is implicit:
# a search with no ``search_rounds`` row belongs to it. Each later round starts
# with ``scopewise round DIR start`` and takes every search imported after it.
review_rounds = Table(
    "review_rounds",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(200), nullable=False, unique=True),
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("started_by", String(200), nullable=False, default=""),
)

search_rounds = Table(
    "search_rounds",
    metadata,
    Column("search_id", Integer, ForeignKey("searches.id"), primary_key=True),
    Column("round_id", Integer, ForeignKey("review_rounds.id"), nullable=False),
)

# The team's screening ranking (migration 0007), one row per ranker basis (ranker,
# criteria, records): the labels it was fitted on (JSON), the ranked record ids
# (int64 bytes), and which worker process holds the claim to fit the next one.
team_rankings = Table(
    "team_rankings",
    metadata,
    Column("basis", String(64), primary_key=True),
    Column("labels", Text, nullable=False),
    Column("ranked", LargeBinary, nullable=False),
    Column("fitted_at", DateTime(timezone=True), nullable=True),
    Column("holder", String(100), nullable=True),
    Column("claimed_until", DateTime(timezone=True), nullable=True),
)

# Records the lead removed before screening for a stated reason (migration 0008):
# retracted, out of scope (e.g. published before the review's range), ineligible by
# an automation tool. PRISMA 2020 counts them as "records removed for other reasons".
# A removal is undone by setting ``undone_at``; the row stays as the record of it.
record_removals = Table(
    "record_removals",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("record_id", Integer, ForeignKey("records.id"), nullable=False),
    Column("reason", String(300), nullable=False),
    Column("removed_at", DateTime(timezone=True), nullable=False),
    Column("removed_by", String(200), nullable=False),
    Column("undone_at", DateTime(timezone=True), nullable=True),
    Column("undone_by", String(200), nullable=True),
)
