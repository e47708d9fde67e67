"""Counts per stage for ``scopewise status``: plain aggregation over the store."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from scopewise.store import schema as t

__all__ = ["active_duplicate_members", "status_counts"]


def active_duplicate_members() -> sa.Select[tuple[int, int, int]]:
    """(record_id, group_id, primary_record_id) of every member of an active duplicate group."""
    return (
        sa.select(
            t.duplicate_members.c.record_id,
            t.duplicate_members.c.group_id,
            t.duplicate_groups.c.primary_record_id,
        )
        .join(t.duplicate_groups, t.duplicate_groups.c.id == t.duplicate_members.c.group_id)
        .where(t.duplicate_groups.c.undone_at.is_(None))
    )


def status_counts(conn: Connection) -> dict[str, Any]:
    """How far the review has come before screening: searches, records, duplicates, people."""

    def scalar(query: sa.Select[Any]) -> int:
        return int(conn.execute(query).scalar_one() or 0)

    members = active_duplicate_members().subquery()
    identified = scalar(sa.select(sa.func.count()).select_from(t.records))
    duplicates = scalar(
        sa.select(sa.func.count())
        .select_from(members)
        .where(members.c.record_id != members.c.primary_record_id)
    )
    queued = scalar(
        sa.select(sa.func.count())
        .select_from(t.duplicate_candidates)
        .where(t.duplicate_candidates.c.status == "queued")
    )
    removed_other = scalar(
        sa.select(sa.func.count()).select_from(t.record_removals)
        .where(t.record_removals.c.undone_at.is_(None))
    )
    return {
        "searches": scalar(sa.select(sa.func.count()).select_from(t.searches)),
        "identified": identified,
        "duplicates_removed": duplicates,
        "unique_records": identified - duplicates - removed_other,
        "possible_duplicates_queued": queued,
        "removed_other_reasons": removed_other,
        "charting_entries": scalar(sa.select(sa.func.count()).select_from(t.charting_entries)),
        "participants": scalar(sa.select(sa.func.count()).select_from(t.participants)),
        "reviewers": scalar(sa.select(sa.func.count()).select_from(t.users)),
    }
