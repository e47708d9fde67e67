"""Records removed before screening for a stated reason (PRISMA 2020's "records
removed for other reasons"): retracted, out of scope, marked ineligible by an
automation tool. Plain reads and writes; the checks that say whether a record may
be removed live here too, so the CLI, the web app and scripts share them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from scopewise.store import schema as t
from scopewise.store.core import in_chunks, now, utc
from scopewise.store.status import active_duplicate_members

__all__ = [
    "RemovalRow",
    "active_removals",
    "insert_removals",
    "removal_blockers",
    "removal_rows",
    "removed_message",
    "removed_reasons",
    "removed_record_ids",
    "screened_after_removal",
    "undo_removals",
]


@dataclass(frozen=True, slots=True)
class RemovalRow:
    """One removal as stored, undone or not."""

    id: int
    record_id: int
    reason: str
    removed_at: datetime
    removed_by: str
    undone_at: datetime | None
    undone_by: str | None


def active_removals(conn: Connection) -> dict[int, str]:
    """Record id -> reason of every removal not undone."""
    r = t.record_removals
    rows = conn.execute(
        sa.select(r.c.record_id, r.c.reason).where(r.c.undone_at.is_(None)).order_by(r.c.id)
    ).all()
    return {int(rid): str(reason) for rid, reason in rows}


# What pins a record as screened: decisions (pilot rounds do not count) and full texts.
_SCREENED = (
    (t.decisions, "has screening decisions", t.decisions.c.kind.in_(("screen", "resolution"))),
    (t.full_texts, "has a full text filed", sa.true()),
)


def _records_with(conn: Connection, table: sa.Table, where: Any, chunk: Sequence[int]) -> set[int]:
    found = conn.execute(
        sa.select(table.c.record_id).where(table.c.record_id.in_(chunk), where).distinct()
    ).scalars()
    return {int(rid) for rid in found}


def screened_after_removal(conn: Connection) -> dict[int, str]:
    """Records removed before screening that hold a screening decision or a full text
    all the same (written around the screening commands, which refuse them): record
    id -> the removal's reason."""
    removed = active_removals(conn)
    out: dict[int, str] = {}
    for chunk in in_chunks(sorted(removed)):
        for table, _what, where in _SCREENED:
            out.update((rid, removed[rid]) for rid in _records_with(conn, table, where, chunk))
    return out


def removed_record_ids() -> sa.Select[tuple[int]]:
    """The records removed before screening and not put back, as a subquery."""
    r = t.record_removals
    return sa.select(r.c.record_id).where(r.c.undone_at.is_(None))


def removed_reasons(conn: Connection, record_ids: Iterable[int]) -> dict[int, str]:
    """The reason each of ``record_ids`` was removed before screening (absent: it was not)."""
    out: dict[int, str] = {}
    for chunk in in_chunks(list(dict.fromkeys(record_ids))):
        out.update(
            (int(rid), str(reason))
            for rid, reason in conn.execute(_reasons_query(), {"ids": chunk})
        )
    return out


@cache
def _reasons_query() -> sa.Select[Any]:
    """:func:`removed_reasons`' statement, built once (it runs on every decision)."""
    r = t.record_removals
    return sa.select(r.c.record_id, r.c.reason).where(
        r.c.undone_at.is_(None), r.c.record_id.in_(sa.bindparam("ids", expanding=True))
    )


def removed_message(record_id: int, reason: str) -> str:
    """Why a decision on a record removed before screening is refused."""
    return (
        f"record {record_id} was removed before screening ({reason}); it is not screened. "
        f"Undo the removal first if it should be: scopewise remove DIR {record_id} --undo"
    )


def removal_rows(conn: Connection) -> list[RemovalRow]:
    """Every removal, oldest first, the undone ones included."""
    rows = conn.execute(sa.select(t.record_removals).order_by(t.record_removals.c.id)).mappings()
    return [
        RemovalRow(int(m["id"]), int(m["record_id"]), str(m["reason"]), utc(m["removed_at"]),
                   str(m["removed_by"]), utc(m["undone_at"]) if m["undone_at"] else None,
                   m["undone_by"])
        for m in rows
    ]


def removal_blockers(conn: Connection, record_ids: Sequence[int]) -> dict[int, str]:
    """Why each of ``record_ids`` may not be removed before screening (absent: it may).

    A record may be removed when it exists, is not already removed (as a duplicate
    or for another reason), and no one has screened it, filed its full text or
    charted it: removal happens before screening, so the flow never counts a record
    both as removed and as screened.
    """
    ids = list(dict.fromkeys(record_ids))
    out: dict[int, str] = {}
    members = active_duplicate_members().subquery()
    removed = active_removals(conn)
    for chunk in in_chunks(ids):
        found = set(conn.execute(
            sa.select(t.records.c.id).where(t.records.c.id.in_(chunk))).scalars())
        out.update((rid, "no such record") for rid in chunk if rid not in found)
        duplicates = conn.execute(
            sa.select(members.c.record_id, members.c.primary_record_id).where(
                members.c.record_id.in_(chunk), members.c.record_id != members.c.primary_record_id)
        ).all()
        out.update((int(rid), f"removed already as a duplicate of record {int(primary)}")
                   for rid, primary in duplicates)
        for table, what, where in (
            *_SCREENED, (t.charting_entries, "has charting entries", sa.true())
        ):
            for rid in _records_with(conn, table, where, chunk):
                out.setdefault(rid, f"{what}; it was screened, so it is not removed "
                                    "before screening")
    for rid in ids:
        if rid in removed:
            out.setdefault(rid, f"removed already ({removed[rid]})")
    return out


def insert_removals(conn: Connection, record_ids: Sequence[int], reason: str, actor: str) -> int:
    """Remove ``record_ids`` (checked by the caller) for ``reason``; how many rows."""
    at = now()
    rows = [{"record_id": rid, "reason": reason, "removed_at": at, "removed_by": actor}
            for rid in dict.fromkeys(record_ids)]
    for start in range(0, len(rows), 500):
        conn.execute(t.record_removals.insert(), rows[start : start + 500])
    return len(rows)


def undo_removals(conn: Connection, record_ids: Sequence[int], actor: str) -> list[int]:
    """Undo the active removals of ``record_ids``; the ids that had one."""
    r = t.record_removals
    active = active_removals(conn)
    ids = [rid for rid in dict.fromkeys(record_ids) if rid in active]
    for chunk in in_chunks(ids):
        conn.execute(
            r.update().where(r.c.record_id.in_(chunk), r.c.undone_at.is_(None))
            .values(undone_at=now(), undone_by=actor)
        )
    return ids
