"""Screening stops: a lead accepted the stopping rule, leaving records unscreened."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from scopewise.screening.conflicts import RecordOutcome
from scopewise.store import schema as t
from scopewise.store.core import now

__all__ = ["ScreeningStop", "insert_stop", "latest_stop", "still_unscreened"]


@dataclass(frozen=True, slots=True)
class ScreeningStop:
    """One accepted stop: who, when, by which rule, and the records left unscreened."""

    id: int
    stopped_at: datetime
    stopped_by: str
    rule: str
    target_recall: float
    estimated_recall: float | None
    record_ids: tuple[int, ...]


def insert_stop(
    conn: Connection, *, stopped_by: str, rule: str, target_recall: float,
    estimated_recall: float | None, record_ids: Sequence[int], detail: dict[str, Any],
) -> int:
    """Store a stop; its id."""
    result = conn.execute(t.screening_stops.insert().values(
        stopped_at=now(), stopped_by=stopped_by, rule=rule, target_recall=target_recall,
        estimated_recall=estimated_recall, record_ids=list(record_ids), detail=detail,
    ))
    pk = result.inserted_primary_key
    assert pk is not None
    return int(pk[0])


def latest_stop(conn: Connection) -> ScreeningStop | None:
    """The latest accepted stop, or ``None``."""
    row = conn.execute(
        sa.select(t.screening_stops).order_by(t.screening_stops.c.id.desc()).limit(1)
    ).mappings().first()
    if row is None:
        return None
    at = row["stopped_at"]
    return ScreeningStop(
        id=int(row["id"]),
        stopped_at=at if at.tzinfo else at.replace(tzinfo=UTC),
        stopped_by=str(row["stopped_by"]),
        rule=str(row["rule"]),
        target_recall=float(row["target_recall"]),
        estimated_recall=row["estimated_recall"],
        record_ids=tuple(int(r) for r in row["record_ids"] or ()),
    )


def still_unscreened(stop: ScreeningStop, records: Mapping[int, RecordOutcome]) -> frozenset[int]:
    """The records ``stop`` left unscreened that nobody has decided at title/abstract
    since (a record screened after the stop counts as screened)."""
    found = set()
    for rid in stop.record_ids:
        outcome = records.get(rid)
        ta = outcome.title_abstract if outcome is not None else None
        if ta is not None and ta.status == "undecided":
            found.add(rid)
    return frozenset(found)
