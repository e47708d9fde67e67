"""Queries feeding the PRISMA flow and the report: plain reads, no aggregation logic.

The counting itself lives in :mod:`scopewise.analysis.prisma`; this module reads the
per-record evidence (provenance, active duplicate groups, final decisions, full-text
status) and maps rows to the dataclasses the analysis takes.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from scopewise.analysis.prisma import (
    OPEN,
    DuplicateMember,
    FlowData,
    StageOutcome,
    removed_but_screened,
)
from scopewise.protocol import Protocol
from scopewise.report.data import IncludedRecord, SearchInfo
from scopewise.store import schema as t
from scopewise.store.removals import active_removals, screened_after_removal
from scopewise.store.screening_stop import latest_stop, still_unscreened
from scopewise.store.snapshot import ScreeningSnapshot, screening_snapshot
from scopewise.store.status import active_duplicate_members

__all__ = [
    "audit_details",
    "author_name",
    "duplicate_members",
    "flow_data",
    "included_records",
    "latest_audit_detail",
    "search_rows",
    "source_record_ids",
]

OPEN_STATUSES = ("undecided", "awaiting_second_reviewer", "conflict")


def search_rows(conn: Connection) -> list[SearchInfo]:
    """Every imported search, in import order."""
    rows = conn.execute(sa.select(t.searches).order_by(t.searches.c.id)).mappings().all()
    return [
        SearchInfo(
            id=r["id"],
            source=r["source"],
            platform=r["platform"] or "",
            query=r["query"] or "",
            searched_on=r["searched_on"] or "",
            method=r["method"] or "",
            file_name=r["file_name"] or "",
            record_count=int(r["record_count"] or 0),
        )
        for r in rows
    ]


def _record_sources(conn: Connection) -> dict[int, str]:
    rows = conn.execute(
        sa.select(t.records.c.id, t.searches.c.source).join(
            t.searches, t.searches.c.id == t.records.c.search_id
        )
    ).all()
    return {int(r[0]): str(r[1]) for r in rows}


def _source_order(conn: Connection) -> tuple[str, ...]:
    names = conn.execute(sa.select(t.searches.c.source).order_by(t.searches.c.id)).scalars()
    return tuple(dict.fromkeys(str(n) for n in names))


def _other_sources(conn: Connection) -> tuple[str, ...]:
    names = conn.execute(
        sa.select(t.searches.c.source).where(t.searches.c.method == "other")
        .order_by(t.searches.c.id)
    ).scalars()
    return tuple(dict.fromkeys(str(n) for n in names))


def duplicate_members(conn: Connection) -> list[DuplicateMember]:
    """Memberships of every active (not undone) duplicate group."""
    # status.active_duplicate_members is annotated as one-column; rows have three.
    rows: list[Any] = list(conn.execute(active_duplicate_members()).all())
    return [DuplicateMember(int(rid), int(gid), int(pid)) for rid, gid, pid in rows]


def _outcome(status: str, reasons: tuple[str, ...]) -> StageOutcome | None:
    if status in ("included", "excluded"):
        return StageOutcome("include" if status == "included" else "exclude", reasons)
    if status in OPEN_STATUSES:
        return StageOutcome(OPEN)
    return None


def flow_data(
    conn: Connection, protocol: Protocol, snapshot: ScreeningSnapshot | None = None
) -> FlowData:
    """Everything :func:`scopewise.analysis.prisma.compute_flow` needs, read in one go.

    ``snapshot``: the screening outcomes when the caller has them already (the
    facade keeps them between calls), else they are read here.

    Final outcomes come from the screening snapshot, so the flow and the screening
    commands share one definition of "included", "conflict" and "not retrieved".
    """
    if snapshot is None:
        snapshot = screening_snapshot(conn, protocol)
    # the snapshot leaves removed records out; one that was screened all the same breaks
    # the flow (it would be counted as removed and its decisions lost from view)
    screened = screened_after_removal(conn)
    if screened:
        rid = min(screened)
        raise removed_but_screened(rid, screened[rid])
    title_abstract: dict[int, StageOutcome] = {}
    full_text: dict[int, StageOutcome] = {}
    status: dict[int, str] = {}
    for rid, outcome in snapshot.records.items():
        if outcome.title_abstract is not None:
            ta = outcome.title_abstract
            found = _outcome(ta.status, ta.reasons)
            if found is not None and found.decision != OPEN:
                title_abstract[rid] = found
        if outcome.full_text is not None:
            ft = outcome.full_text
            found = _outcome(ft.status, ft.reasons)
            # An open full-text stage counts as assessed only once someone decided on it.
            if found is not None and (found.decision != OPEN or ft.decisions):
                full_text[rid] = found
        if outcome.full_text_entry is not None:
            status[rid] = outcome.full_text_entry.status
    stop = latest_stop(conn)
    # a record someone screened after the stop counts as screened
    not_screened = frozenset() if stop is None else still_unscreened(stop, snapshot.records)
    return FlowData(
        record_sources=_record_sources(conn),
        duplicates=duplicate_members(conn),
        title_abstract=title_abstract,
        full_text=full_text,
        full_text_status=status,
        stages=tuple(snapshot.stages),
        source_order=_source_order(conn),
        other_sources=_other_sources(conn),
        not_screened=not_screened,
        stop_recall=stop.target_recall if stop is not None else None,
        removed_other=active_removals(conn),
    )


def included_records(conn: Connection, record_ids: Sequence[int]) -> list[IncludedRecord]:
    """Bibliographic details of ``record_ids``, ordered by first author then year."""
    if not record_ids:
        return []
    r, s = t.records, t.searches
    out: list[IncludedRecord] = []
    ids = list(record_ids)
    for start in range(0, len(ids), 500):
        rows = conn.execute(
            sa.select(
                r.c.id, r.c.title, r.c.authors, r.c.year, r.c.journal, r.c.doi, s.c.source,
                r.c.volume, r.c.issue, r.c.pages, r.c.url, r.c.publication_type,
            )
            .join(s, s.c.id == r.c.search_id)
            .where(r.c.id.in_(ids[start : start + 500]))
        ).all()
        for row in rows:
            authors = tuple(author_name(a) for a in (row[2] or ()))
            out.append(
                IncludedRecord(
                    id=int(row[0]),
                    title=str(row[1] or ""),
                    authors=tuple(a for a in authors if a),
                    year=row[3],
                    journal=str(row[4] or ""),
                    doi=str(row[5] or ""),
                    source=str(row[6]),
                    volume=str(row[7] or ""),
                    issue=str(row[8] or ""),
                    pages=str(row[9] or ""),
                    url=str(row[10] or ""),
                    publication_type=str(row[11] or ""),
                )
            )
    out.sort(key=lambda x: (x.authors[0].casefold() if x.authors else "~", x.year or 0, x.id))
    return out


def author_name(value: Any) -> str:
    """An author as stored (a CSL-style dict or a string) written "Family, Given"."""
    if isinstance(value, dict):
        if value.get("literal"):
            return str(value["literal"])
        family, given = str(value.get("family", "")), str(value.get("given", ""))
        return f"{family}, {given}" if given else family
    return str(value)


def source_record_ids(conn: Connection) -> dict[int, str]:
    """Every record id and its own id in the file it came from (``source_record_id``)."""
    rows = conn.execute(sa.select(t.records.c.id, t.records.c.source_record_id)).all()
    return {int(rid): str(sid or "") for rid, sid in rows}


def audit_details(conn: Connection, action: str) -> list[dict[str, Any]]:
    """The details of every audit event with ``action``, oldest first."""
    a = t.audit_events
    rows = conn.execute(sa.select(a.c.detail).where(a.c.action == action).order_by(a.c.id))
    return [dict(d) for (d,) in rows if isinstance(d, dict)]


def latest_audit_detail(conn: Connection, action: str) -> dict[str, Any] | None:
    """The detail of the latest audit event with ``action``, or ``None``."""
    detail = conn.execute(_latest_audit_query(), {"action": action}).scalar()
    return dict(detail) if isinstance(detail, dict) else None


@cache
def _latest_audit_query() -> sa.Select[Any]:
    """:func:`latest_audit_detail`'s statement, built once (every hand-out runs it)."""
    a = t.audit_events
    return (sa.select(a.c.detail).where(a.c.action == sa.bindparam("action"))
            .order_by(a.c.id.desc()).limit(1))
