"""Duplicate groups and the possible-duplicate queue in the database.

Groups are never deleted: undoing a merge sets ``undone_at``. A pair a person
resolved keeps its status, so a later run never asks again; the members of an
undone group are never merged automatically again.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import combinations
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from scopewise.errors import NotFound, UsageError
from scopewise.records import Author, Record
from scopewise.store import schema as t
from scopewise.store.core import now

__all__ = [
    "CANDIDATE_STATUSES",
    "Candidate",
    "DuplicateGroupRow",
    "NewGroup",
    "active_groups",
    "add_group_members",
    "audit_many",
    "blocked_pairs",
    "candidate",
    "decided_records",
    "get_group",
    "insert_candidates",
    "insert_group",
    "insert_groups",
    "known_candidate_pairs",
    "last_dedup_record_id",
    "list_candidates",
    "matching_records",
    "record_sources",
    "set_candidate_status",
    "undo_group",
    "undone_group_ids",
]

CANDIDATE_STATUSES = ("queued", "same", "different", "skipped")


@dataclass(frozen=True, slots=True)
class DuplicateGroupRow:
    """A stored duplicate group and its members (primary first)."""

    id: int
    primary_record_id: int
    record_ids: tuple[int, ...]
    created_at: datetime
    created_by: str
    reason: dict[str, Any]
    score: float | None
    undone_at: datetime | None
    undone_by: str | None


@dataclass(frozen=True, slots=True)
class Candidate:
    """A possible duplicate pair and what a person said about it."""

    id: int
    record_a: int
    record_b: int
    score: float
    reason: dict[str, Any]
    status: str
    decided_by: str | None


def _utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _members(conn: Connection, group_ids: Sequence[int] | None = None) -> dict[int, list[int]]:
    query = sa.select(t.duplicate_members.c.group_id, t.duplicate_members.c.record_id)
    if group_ids is not None:
        query = query.where(t.duplicate_members.c.group_id.in_(group_ids))
    out: dict[int, list[int]] = {}
    for gid, rid in conn.execute(query.order_by(t.duplicate_members.c.record_id)):
        out.setdefault(int(gid), []).append(int(rid))
    return out


def _group(row: Any, members: list[int]) -> DuplicateGroupRow:
    primary = int(row["primary_record_id"])
    ordered = (primary, *(m for m in members if m != primary))
    return DuplicateGroupRow(
        id=int(row["id"]),
        primary_record_id=primary,
        record_ids=ordered,
        created_at=_utc(row["created_at"]) or now(),
        created_by=str(row["created_by"]),
        reason=dict(row["reason"] or {}),
        score=None if row["score"] is None else float(row["score"]),
        undone_at=_utc(row["undone_at"]),
        undone_by=row["undone_by"],
    )


def active_groups(conn: Connection) -> list[DuplicateGroupRow]:
    """Every group that is not undone, oldest first."""
    rows = (
        conn.execute(
            sa.select(t.duplicate_groups)
            .where(t.duplicate_groups.c.undone_at.is_(None))
            .order_by(t.duplicate_groups.c.id)
        )
        .mappings()
        .all()
    )
    members = _members(conn)
    return [_group(r, members.get(int(r["id"]), [])) for r in rows]


def get_group(conn: Connection, group_id: int) -> DuplicateGroupRow:
    """One group (active or undone).

    Raises
    ------
    NotFound
        No group has this id.
    """
    row = (
        conn.execute(sa.select(t.duplicate_groups).where(t.duplicate_groups.c.id == group_id))
        .mappings()
        .first()
    )
    if row is None:
        raise NotFound(f"duplicate group {group_id} does not exist; see `scopewise status`")
    return _group(row, _members(conn, [group_id]).get(group_id, []))


def insert_group(
    conn: Connection,
    record_ids: Sequence[int],
    primary_id: int,
    reason: dict[str, Any],
    score: float | None,
    created_by: str,
) -> int:
    """Store a new group with all its members (the primary included); returns its id."""
    result = conn.execute(
        t.duplicate_groups.insert().values(
            primary_record_id=primary_id,
            created_at=now(),
            created_by=created_by,
            reason=reason,
            score=score,
        )
    )
    pk = result.inserted_primary_key
    assert pk is not None
    group_id = int(pk[0])
    add_group_members(conn, group_id, record_ids)
    return group_id


@dataclass(frozen=True, slots=True)
class NewGroup:
    """A group to store: members (primary included), primary, reason, score, creator."""

    record_ids: Sequence[int]
    primary_id: int
    reason: dict[str, Any]
    score: float | None
    created_by: str


def insert_groups(conn: Connection, groups: Sequence[NewGroup]) -> list[int]:
    """Store many groups at once (one statement per table); returns their ids in order."""
    if not groups:
        return []
    at = now()
    result = conn.execute(
        t.duplicate_groups.insert().returning(
            t.duplicate_groups.c.id, sort_by_parameter_order=True
        ),
        [
            {
                "primary_record_id": g.primary_id,
                "created_at": at,
                "created_by": g.created_by,
                "reason": g.reason,
                "score": g.score,
            }
            for g in groups
        ],
    )
    ids = [int(row[0]) for row in result]
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    conn.exec_driver_sql(
        f"INSERT INTO duplicate_members (group_id, record_id) VALUES ({mark}, {mark})",
        [(gid, rid) for gid, g in zip(ids, groups, strict=True) for rid in g.record_ids],
    )
    return ids


def audit_many(
    conn: Connection, actor: str, action: str, details: Sequence[dict[str, Any]]
) -> None:
    """Append one audit event per detail in one statement (a run may merge thousands)."""
    if details:
        at = now()
        conn.execute(
            t.audit_events.insert(),
            [{"at": at, "actor": actor, "action": action, "detail": d} for d in details],
        )


def add_group_members(
    conn: Connection,
    group_id: int,
    record_ids: Iterable[int],
    links: Sequence[dict[str, Any]] = (),
) -> None:
    """Add records to a group; ``links`` (their reasons) are appended to the group's reason."""
    have = set(_members(conn, [group_id]).get(group_id, []))
    new = [rid for rid in record_ids if rid not in have]
    if new:
        conn.execute(
            t.duplicate_members.insert(), [{"group_id": group_id, "record_id": r} for r in new]
        )
    if links:
        reason = conn.execute(
            sa.select(t.duplicate_groups.c.reason).where(t.duplicate_groups.c.id == group_id)
        ).scalar_one()
        reason = dict(reason or {})
        reason["links"] = [*reason.get("links", []), *links]
        conn.execute(
            t.duplicate_groups.update()
            .where(t.duplicate_groups.c.id == group_id)
            .values(reason=reason)
        )


def undo_group(conn: Connection, group_id: int, actor: str) -> DuplicateGroupRow:
    """Mark a group undone (its rows stay); returns the group as it was.

    Raises
    ------
    NotFound
        No group has this id.
    UsageError
        The group was already undone.
    """
    group = get_group(conn, group_id)
    if group.undone_at is not None:
        raise UsageError(
            f"duplicate group {group_id} was already undone by {group.undone_by} "
            f"on {group.undone_at:%Y-%m-%d %H:%M}; nothing to do"
        )
    conn.execute(
        t.duplicate_groups.update()
        .where(t.duplicate_groups.c.id == group_id)
        .values(undone_at=now(), undone_by=actor)
    )
    return group


def undone_group_ids(conn: Connection) -> set[int]:
    """Ids of the groups that were undone."""
    query = sa.select(t.duplicate_groups.c.id).where(t.duplicate_groups.c.undone_at.is_not(None))
    return {int(g) for g in conn.execute(query).scalars()}


def blocked_pairs(conn: Connection) -> set[tuple[int, int]]:
    """Pairs never to merge automatically: said different by a person, or in an undone group."""
    out: set[tuple[int, int]] = set()
    c = t.duplicate_candidates.c
    for a, b in conn.execute(sa.select(c.record_a, c.record_b).where(c.status == "different")):
        out.add((min(int(a), int(b)), max(int(a), int(b))))
    ids = sorted(undone_group_ids(conn))
    for members in _members(conn, ids).values() if ids else ():
        out.update(combinations(sorted(members), 2))
    return out


def known_candidate_pairs(conn: Connection) -> set[tuple[int, int]]:
    """Every pair already in the queue, whatever its status."""
    c = t.duplicate_candidates.c
    return {(int(a), int(b)) for a, b in conn.execute(sa.select(c.record_a, c.record_b))}


def insert_candidates(
    conn: Connection, pairs: Iterable[tuple[int, int, float, dict[str, Any]]]
) -> int:
    """Queue possible duplicates ``(a, b, score, reason)`` with ``a < b``; returns how many."""
    at = now()
    rows = [
        {
            "record_a": a,
            "record_b": b,
            "score": s,
            "reason": r,
            "status": "queued",
            "created_at": at,
        }
        for a, b, s, r in pairs
    ]
    if rows:
        conn.execute(t.duplicate_candidates.insert(), rows)
    return len(rows)


def _candidate(row: Any) -> Candidate:
    return Candidate(
        id=int(row["id"]),
        record_a=int(row["record_a"]),
        record_b=int(row["record_b"]),
        score=float(row["score"]),
        reason=dict(row["reason"] or {}),
        status=str(row["status"]),
        decided_by=row["decided_by"],
    )


def list_candidates(
    conn: Connection, status: str | Sequence[str] | None = "queued"
) -> list[Candidate]:
    """Candidates with ``status`` (one or several; all when ``None``).

    Queued pairs come before skipped ones, then the highest score first.
    """
    c = t.duplicate_candidates.c
    query = sa.select(t.duplicate_candidates)
    if status is not None:
        wanted = [status] if isinstance(status, str) else list(status)
        query = query.where(c.status.in_(wanted))
    query = query.order_by((c.status == "skipped").asc(), c.score.desc(), c.id)
    return [_candidate(r) for r in conn.execute(query).mappings().all()]


def candidate(conn: Connection, candidate_id: int) -> Candidate:
    """One candidate pair.

    Raises
    ------
    NotFound
        No candidate has this id.
    """
    row = (
        conn.execute(
            sa.select(t.duplicate_candidates).where(t.duplicate_candidates.c.id == candidate_id)
        )
        .mappings()
        .first()
    )
    if row is None:
        raise NotFound(f"possible duplicate {candidate_id} does not exist; see the queue")
    return _candidate(row)


def set_candidate_status(conn: Connection, candidate_id: int, status: str, actor: str) -> None:
    """Record what a person said about a candidate pair."""
    if status not in CANDIDATE_STATUSES:
        raise UsageError(f"status {status!r} is not one of {', '.join(CANDIDATE_STATUSES)}")
    conn.execute(
        t.duplicate_candidates.update()
        .where(t.duplicate_candidates.c.id == candidate_id)
        .values(status=status, decided_by=actor, decided_at=now())
    )


def last_dedup_record_id(conn: Connection) -> int | None:
    """The highest record id seen by the last deduplication run (from its audit event)."""
    detail = conn.execute(
        sa.select(t.audit_events.c.detail)
        .where(t.audit_events.c.action == "dedup.run")
        .order_by(t.audit_events.c.id.desc())
        .limit(1)
    ).scalar()
    if not detail or detail.get("last_record_id") is None:
        return None
    return int(detail["last_record_id"])


def decided_records(conn: Connection) -> dict[int, int]:
    """``record id -> number of screening decisions`` for records someone has screened."""
    c = t.decisions.c
    rows = conn.execute(sa.select(c.record_id, sa.func.count()).group_by(c.record_id))
    return {int(rid): int(n) for rid, n in rows}


_VENUE_KEYS = ("booktitle", "secondary_title", "T2", "conference", "series")


def matching_records(conn: Connection) -> list[tuple[int, Record]]:
    """Every record with the fields matching looks at, in import order.

    Faster than a full read for large reviews: keywords are left out and ``raw`` is
    decoded only when it holds a venue (``booktitle`` and the like) that a reader kept
    there; otherwise it is empty.
    """
    r = t.records.c
    query = sa.select(
        r.id, r.title, r.abstract, r.authors, r.year, r.journal, r.volume, r.issue, r.pages,
        r.doi, r.pmid, r.publication_type, r.source_record_id,
        sa.type_coerce(r.raw, sa.Text).label("raw_text"),
    ).order_by(r.id)  # fmt: skip
    out: list[tuple[int, Record]] = []
    for row in conn.execute(query):
        raw_text = row.raw_text or ""
        raw = json.loads(raw_text) if any(k in raw_text for k in _VENUE_KEYS) else {}
        out.append(
            (
                int(row.id),
                Record(
                    title=row.title,
                    abstract=row.abstract,
                    authors=tuple(
                        Author(a.get("family", ""), a.get("given", ""), a.get("literal", ""))
                        for a in row.authors or ()
                    ),
                    year=row.year,
                    journal=row.journal,
                    volume=row.volume,
                    issue=row.issue,
                    pages=row.pages,
                    doi=row.doi,
                    pmid=row.pmid,
                    publication_type=row.publication_type,
                    source_record_id=row.source_record_id,
                    raw=raw,
                ),
            )
        )
    return out


def record_sources(conn: Connection) -> dict[int, str]:
    """``record id -> source`` (the database its search was run in)."""
    rows = conn.execute(
        sa.select(t.records.c.id, t.searches.c.source).join(
            t.searches, t.searches.c.id == t.records.c.search_id
        )
    ).all()
    return {int(r[0]): str(r[1]) for r in rows}
