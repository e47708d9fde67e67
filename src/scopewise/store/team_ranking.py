"""The team's screening ranking, kept in the database so the web app's worker
processes fit it once between them (see :mod:`scopewise.review.ranking`).

One row per basis (a digest of the ranker, the criteria text and the records): the
labels the ranking was fitted on, the ranked record ids, and a claim. A process
that wants a newer ranking than the stored one *claims* the row for a while (an
update that succeeds only when no other process holds an unexpired claim), fits,
and stores the result, which ends its claim; the others read it. A claim that
outlives its process simply expires.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from scopewise.store import schema as t
from scopewise.store.core import now, utc

__all__ = ["StoredRanking", "claim_ranking", "load_ranking", "ranking_stamp", "save_ranking"]

_T = t.team_rankings


@dataclass(frozen=True, slots=True)
class StoredRanking:
    """A ranking as stored: its labels (``(record, label)`` pairs), the records still
    waiting for a decision, and the ranked record ids as int64 bytes."""

    labels: tuple[tuple[int, int], ...]
    pending: tuple[int, ...]
    ranked: bytes
    fitted_at: datetime


def ranking_stamp(conn: Connection, basis: str) -> datetime | None:
    """When the stored ranking of ``basis`` was fitted (``None``: none yet); a cheap
    look before reading the whole row."""
    found = conn.execute(sa.select(_T.c.fitted_at).where(_T.c.basis == basis)).scalar()
    return None if found is None else utc(found)


def load_ranking(conn: Connection, basis: str) -> StoredRanking | None:
    """The stored ranking of ``basis``, or ``None`` when none was fitted yet."""
    row = conn.execute(
        sa.select(_T.c.labels, _T.c.ranked, _T.c.fitted_at).where(_T.c.basis == basis)
    ).first()
    if row is None or row.fitted_at is None:
        return None
    data = json.loads(row.labels)
    return StoredRanking(
        tuple((int(r), int(v)) for r, v in data["labels"]),
        tuple(int(r) for r in data["pending"]),
        bytes(row.ranked),
        utc(row.fitted_at),
    )


def claim_ranking(conn: Connection, basis: str, holder: str, seconds: float) -> bool:
    """Claim the next fit of ``basis`` for ``holder`` for ``seconds``; ``False`` when
    another holder's claim has not expired. Call inside its own transaction."""
    at = now()
    until = at + timedelta(seconds=seconds)
    free = sa.or_(_T.c.claimed_until.is_(None), _T.c.claimed_until < at, _T.c.holder == holder)
    taken = conn.execute(
        _T.update().where(_T.c.basis == basis, free).values(holder=holder, claimed_until=until)
    ).rowcount
    if taken:
        return True
    if conn.execute(sa.select(_T.c.basis).where(_T.c.basis == basis)).first() is not None:
        return False
    try:
        with conn.begin_nested():
            conn.execute(_T.insert().values(
                basis=basis, labels=json.dumps({"labels": [], "pending": []}), ranked=b"",
                fitted_at=None, holder=holder, claimed_until=until))
    except IntegrityError:  # another process inserted it first: theirs
        return False
    return True


def save_ranking(
    conn: Connection,
    basis: str,
    holder: str,
    labels: tuple[tuple[int, int], ...],
    pending: tuple[int, ...],
    ranked: bytes,
) -> None:
    """Store a fitted ranking of ``basis`` and end ``holder``'s claim."""
    text = json.dumps({"labels": labels, "pending": pending}, separators=(",", ":"))
    values = {"labels": text, "ranked": ranked, "fitted_at": now()}
    updated = conn.execute(_T.update().where(_T.c.basis == basis).values(
        **values, holder=None, claimed_until=None)).rowcount
    if not updated:
        conn.execute(_T.insert().values(basis=basis, holder=None, claimed_until=None, **values))
