"""Undoing an import: what pins a search's records, and removing the search.

A search can be removed only while nothing a person did rests on its records: no
screening decision, no duplicate resolution (a candidate pair someone called the
same or different, a merge someone undid), no full text filed and no charting
entry. Automatic duplicate groups and queued candidate pairs are the machine's
work: they go with the records (deduplication can run again), and the other
members of such a group become unique records again.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from scopewise.errors import NotFound, UsageError
from scopewise.store import schema as t
from scopewise.store.core import in_chunks

__all__ = ["PIN_LABELS", "delete_search", "pin_label", "search_pins"]

PIN_LABELS = {
    "decisions": "a screening decision",
    "duplicate_resolutions": "a duplicate resolution",
    "charting_entries": "a charting entry",
    "full_texts": "a full text filed",
    "record_removals": "a removal before screening (undo it with scopewise remove --undo)",
}
"""What each pin count means, in the words of the refusal message."""


def _ids(conn: Connection, search_id: int) -> sa.Select[Any]:
    return sa.select(t.records.c.id).where(t.records.c.search_id == search_id)


def _count_records(conn: Connection, column: sa.ColumnElement[Any], ids: sa.Select[Any],
                   *where: sa.ColumnElement[bool]) -> int:
    query = sa.select(sa.func.count(sa.distinct(column))).where(column.in_(ids), *where)
    return int(conn.execute(query).scalar_one() or 0)


def search_pins(conn: Connection, search_id: int) -> dict[str, int]:
    """How many of the search's records each kind of human work pins (zero counts left out).

    Raises
    ------
    NotFound
        No search with this id.
    """
    found = conn.execute(sa.select(t.searches.c.id).where(t.searches.c.id == search_id)).first()
    if found is None:
        raise NotFound(f"no search {search_id}; list the searches with scopewise import DIR --list")
    ids = _ids(conn, search_id)
    c, g, m = t.duplicate_candidates, t.duplicate_groups, t.duplicate_members
    same_or_different = c.c.status.in_(("same", "different"))
    resolution_rows = sa.union(
        sa.select(c.c.record_a.label("rid")).where(same_or_different),
        sa.select(c.c.record_b.label("rid")).where(same_or_different),
        sa.select(m.c.record_id.label("rid")).join(g, g.c.id == m.c.group_id).where(
            g.c.undone_at.is_not(None)),
    ).subquery()
    resolved = sa.select(sa.func.count(sa.distinct(resolution_rows.c.rid))).where(
        resolution_rows.c.rid.in_(ids)
    )
    pins = {"duplicate_resolutions": int(conn.execute(resolved).scalar_one() or 0)}
    for table, column in _record_references():
        pins[table.name] = pins.get(table.name, 0) + _count_records(conn, column, ids)
    return {k: v for k, v in pins.items() if v}


_MACHINE_WORK = ("records", "duplicate_groups", "duplicate_members", "duplicate_candidates",
                 "record_leases")
"""Tables whose rows on a search's records go with it: the machine's duplicate work, and
the hand-out leases (a record shown to a reviewer who has not decided it pins nothing)."""


def _record_references() -> list[tuple[sa.Table, sa.Column[Any]]]:
    """Every column of another table that points to a record: people's work (decisions,
    full texts, charting, whatever later tables add), the duplicate tables aside."""
    found = []
    for table in t.metadata.sorted_tables:
        if table.name in _MACHINE_WORK:
            continue
        for column in table.columns:
            if any(fk.column is t.records.c.id for fk in column.foreign_keys):
                found.append((table, column))
    return found


def pin_label(key: str) -> str:
    """How the refusal message names a kind of pin."""
    return PIN_LABELS.get(key, f"a row of {key.replace('_', ' ')}")


def delete_search(conn: Connection, search_id: int) -> dict[str, int]:
    """Remove a search, its records, the machine's duplicate work on them and the
    leases handing them out.

    The caller has checked :func:`search_pins` in the same transaction. Returns how
    many records, duplicate groups and candidate pairs went. A duplicate group keeps its other
    members when two or more are left (its primary moves to the lowest id if it went);
    otherwise it goes too.
    """
    ids = [int(r) for r in conn.execute(_ids(conn, search_id)).scalars()]
    c, g, m = t.duplicate_candidates, t.duplicate_groups, t.duplicate_members
    groups: set[int] = set()
    pairs = 0
    for chunk in in_chunks(ids):
        groups.update(int(x) for x in conn.execute(
            sa.select(m.c.group_id).where(m.c.record_id.in_(chunk))).scalars())
        groups.update(int(x) for x in conn.execute(
            sa.select(g.c.id).where(g.c.primary_record_id.in_(chunk))).scalars())
        pairs += conn.execute(
            c.delete().where(sa.or_(c.c.record_a.in_(chunk), c.c.record_b.in_(chunk)))
        ).rowcount or 0
        conn.execute(t.record_leases.delete().where(t.record_leases.c.record_id.in_(chunk)))
    gone = set(ids)
    emptied = 0
    for group_id in sorted(groups):
        members = {int(x) for x in conn.execute(
            sa.select(m.c.record_id).where(m.c.group_id == group_id)).scalars()}
        left = members - gone
        if len(left) >= 2:  # the group stands without the removed records
            conn.execute(m.delete().where(m.c.group_id == group_id, m.c.record_id.in_(sorted(gone & members))))
            primary = conn.execute(
                sa.select(g.c.primary_record_id).where(g.c.id == group_id)).scalar_one()
            if int(primary) in gone:
                conn.execute(g.update().where(g.c.id == group_id).values(primary_record_id=min(left)))
            continue
        conn.execute(m.delete().where(m.c.group_id == group_id))
        conn.execute(g.delete().where(g.c.id == group_id))
        emptied += 1
    try:
        conn.execute(t.records.delete().where(t.records.c.search_id == search_id))
        conn.execute(t.searches.delete().where(t.searches.c.id == search_id))
    except sa.exc.IntegrityError as exc:  # a reference search_pins does not know of
        first = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        raise UsageError(
            f"search {search_id} cannot be undone: other project data still refers to its "
            f"records ({first}); nothing was removed"
        ) from None
    return {"records": len(ids), "duplicate_groups": emptied, "candidate_pairs": pairs}
