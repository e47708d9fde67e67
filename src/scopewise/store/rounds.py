"""Update rounds of a living review: start one, list them, tie searches to them.

The first round has no row: every search imported before the first
``round start`` belongs to it (number 1). Round N+1 is the N-th row of
``review_rounds``; :func:`assign_search` ties a new search to the open round.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from scopewise.store import schema as t
from scopewise.store.core import now

__all__ = [
    "FIRST_ROUND",
    "RoundRow",
    "assign_search",
    "list_rounds",
    "record_rounds",
    "search_rounds",
    "start_round",
]

#: The name of the first round, which every project has without starting it.
FIRST_ROUND = "Initial review"


@dataclass(frozen=True, slots=True)
class RoundRow:
    """One round: its number (1 = the first review), name and start."""

    number: int
    id: int | None
    name: str
    started_at: datetime | None
    started_by: str


def list_rounds(conn: Connection) -> list[RoundRow]:
    """Every round in order, the implicit first one included."""
    r = t.review_rounds
    rows = conn.execute(sa.select(r).order_by(r.c.id)).mappings().all()
    first = RoundRow(1, None, FIRST_ROUND, None, "")
    return [first] + [
        RoundRow(i, int(row["id"]), str(row["name"]), row["started_at"], str(row["started_by"]))
        for i, row in enumerate(rows, 2)
    ]


def start_round(conn: Connection, name: str, actor: str) -> RoundRow:
    """Open a new round named ``name`` (the caller checks the name is new)."""
    result = conn.execute(
        t.review_rounds.insert().values(name=name, started_at=now(), started_by=actor)
    )
    pk = result.inserted_primary_key
    assert pk is not None
    return next(r for r in list_rounds(conn) if r.id == int(pk[0]))


def assign_search(conn: Connection, search_id: int) -> None:
    """Tie a newly imported search to the open round (nothing while in the first)."""
    latest = conn.execute(sa.select(sa.func.max(t.review_rounds.c.id))).scalar()
    if latest is not None:
        conn.execute(t.search_rounds.insert().values(search_id=search_id, round_id=int(latest)))


def search_rounds(conn: Connection) -> dict[int, int]:
    """Round number of every search (searches of the first round included)."""
    numbers = {r.id: r.number for r in list_rounds(conn) if r.id is not None}
    tied = dict(conn.execute(sa.select(t.search_rounds.c.search_id, t.search_rounds.c.round_id)).all())
    ids = conn.execute(sa.select(t.searches.c.id)).scalars()
    return {int(s): numbers.get(int(tied[s]), 1) if s in tied else 1 for s in ids}


def record_rounds(conn: Connection) -> dict[int, int]:
    """Round number of every imported record (the round of its search)."""
    per_search = search_rounds(conn)
    rows = conn.execute(sa.select(t.records.c.id, t.records.c.search_id)).all()
    return {int(rid): per_search.get(int(sid), 1) for rid, sid in rows}
