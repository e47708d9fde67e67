"""Screening in the database: the decision log, full-text entries and the pilot round.

Every function takes a :class:`~sqlalchemy.engine.Connection` (the caller owns the
transaction) and maps rows to the frozen dataclasses of :mod:`scopewise.screening`.
The outcomes of every record for the PRISMA flow are in :mod:`scopewise.store.snapshot`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from functools import cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from scopewise.errors import NotFound, ScreeningError
from scopewise.protocol import Protocol, parse_protocol
from scopewise.records import Author, Record
from scopewise.screening.decisions import Decision
from scopewise.screening.fulltext import FullTextEntry
from scopewise.store import schema as t
from scopewise.store.core import IN_CHUNK, in_chunks, now
from scopewise.store.removals import removed_message, removed_reasons, removed_record_ids
from scopewise.store.status import active_duplicate_members

__all__ = [
    "PILOT_KEY",
    "STOPPING_CHECKS_KEY",
    "STOPPING_SAMPLE_KEY",
    "check_screenable",
    "decision_rows",
    "full_text_rows",
    "insert_decision",
    "insert_decisions",
    "insert_full_text",
    "pilot_state",
    "project_identity",
    "screenability",
    "screening_records",
    "search_texts",
    "set_pilot_state",
    "set_stopping_checks",
    "set_stopping_sample",
    "stopping_checks",
    "stopping_sample",
    "stored_protocol",
    "unique_record_ids",
    "user_roles",
]

PILOT_KEY = "screening_pilot"
STOPPING_SAMPLE_KEY = "screening_stopping_sample"
STOPPING_CHECKS_KEY = "screening_stopping_checks"
def _utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


# -- records ------------------------------------------------------------------------


def _duplicate_members() -> sa.Select[tuple[int]]:
    members = active_duplicate_members().subquery()
    return sa.select(members.c.record_id).where(members.c.record_id != members.c.primary_record_id)


def unique_record_ids(conn: Connection) -> list[int]:
    """Ids of the records to screen, in input order: all but non-primary duplicates and
    the records removed before screening for another reason."""
    query = (
        sa.select(t.records.c.id)
        .where(t.records.c.id.not_in(_duplicate_members()))
        .where(t.records.c.id.not_in(removed_record_ids()))
        .order_by(t.records.c.id)
    )
    return [int(r) for r in conn.execute(query).scalars()]


def check_screenable(conn: Connection, record_id: int) -> None:
    """Raise unless ``record_id`` is a record that is screened (not a duplicate).

    Raises
    ------
    NotFound
        No such record.
    ScreeningError
        The record is a non-primary member of an active duplicate group, or was
        removed before screening.
    """
    found = conn.execute(sa.select(t.records.c.id).where(t.records.c.id == record_id)).scalar()
    if found is None:
        raise NotFound(f"record {record_id} does not exist; check the record number")
    members = active_duplicate_members().subquery()
    primary = conn.execute(
        sa.select(members.c.primary_record_id).where(
            members.c.record_id == record_id, members.c.primary_record_id != record_id
        )
    ).scalar()
    if primary is not None:
        raise ScreeningError(
            f"record {record_id} is a duplicate of record {primary}; screen record {primary}"
        )
    removed = removed_reasons(conn, [record_id])
    if removed:
        raise ScreeningError(removed_message(record_id, removed[record_id]))


def screenability(conn: Connection, record_ids: Iterable[int]) -> dict[int, int | None]:
    """For each existing record among ``record_ids``: ``None`` if it is screened, else
    the primary record of the active duplicate group it belongs to.

    Ids of records that do not exist are left out. One query per 500 ids, for
    checking a whole batch of decisions at once (:func:`check_screenable` checks one).
    """
    out: dict[int, int | None] = {}
    existing, duplicates = _screenability_queries()
    for chunk in in_chunks(dict.fromkeys(record_ids)):
        found = conn.execute(existing, {"ids": chunk})
        out.update((int(rid), None) for rid in found.scalars())
        pairs = conn.execute(duplicates, {"ids": chunk})
        out.update((int(rid), int(primary)) for rid, primary in pairs)
    return out


# Statements run on every decision or hand-out are built once, with bound parameters
# (building one cost two to four times executing it on SQLite).


@cache
def _screenability_queries() -> tuple[sa.Select[Any], sa.Select[Any]]:
    members = active_duplicate_members().subquery()
    ids: sa.BindParameter[Any] = sa.bindparam("ids", expanding=True)
    return (
        sa.select(t.records.c.id).where(t.records.c.id.in_(ids)),
        sa.select(members.c.record_id, members.c.primary_record_id).where(
            members.c.record_id.in_(ids),
            members.c.primary_record_id != members.c.record_id,
        ),
    )


@cache
def _records_query() -> sa.Select[Any]:
    return sa.select(t.records).where(t.records.c.id.in_(sa.bindparam("ids", expanding=True)))


@cache
def _users_query() -> sa.Select[Any]:
    return sa.select(t.users.c.name, t.users.c.id, t.users.c.role)


@cache
def _settings_query(for_update: bool) -> sa.Select[Any]:
    query = sa.select(t.project.c.settings)
    return query.with_for_update() if for_update else query


@cache
def _decisions_query(some: bool, stage: bool, kinds: bool, after: bool) -> sa.Select[Any]:
    """:func:`decision_rows`' statement for the filters given (each ``True``: bound)."""
    query = (
        sa.select(t.decisions, t.users.c.name.label("reviewer"))
        .join(t.users, t.users.c.id == t.decisions.c.reviewer_id)
        .order_by(t.decisions.c.id)
    )
    if some:
        query = query.where(t.decisions.c.record_id.in_(sa.bindparam("ids", expanding=True)))
    if stage:
        query = query.where(t.decisions.c.stage == sa.bindparam("stage"))
    if kinds:
        query = query.where(t.decisions.c.kind.in_(sa.bindparam("kinds", expanding=True)))
    if after:
        query = query.where(t.decisions.c.id > sa.bindparam("after"))
    return query


@cache
def _full_texts_query(some: bool, after: bool) -> sa.Select[Any]:
    query = sa.select(t.full_texts).order_by(t.full_texts.c.id)
    if some:
        query = query.where(t.full_texts.c.record_id.in_(sa.bindparam("ids", expanding=True)))
    if after:
        query = query.where(t.full_texts.c.id > sa.bindparam("after"))
    return query


def project_identity(conn: Connection) -> str:
    """A string naming this project apart from any other: its row and creation time
    (kept by copies of the database, which hold the same records), and how many
    searches were undone (SQLite may give a removed record's id to a new one, so
    caches keyed by record ids must not outlive an undo)."""
    row = conn.execute(sa.select(t.project.c.id, t.project.c.created_at)).first()
    if row is None:
        raise NotFound("this database holds no project")
    created = _utc(row.created_at)
    undone = conn.execute(
        sa.select(sa.func.count()).select_from(t.audit_events)
        .where(t.audit_events.c.action == "search.undone")
    ).scalar_one()
    identity = f"project {row.id} created {created.isoformat() if created else ''}"
    return identity + (f" undone {undone}" if undone else "")


def screening_records(conn: Connection, record_ids: Sequence[int]) -> dict[int, Record]:
    """The records with these ids, as :class:`~scopewise.records.Record` values."""
    out: dict[int, Record] = {}
    for chunk in in_chunks(record_ids):
        rows = conn.execute(_records_query(), {"ids": chunk}).mappings()
        for row in rows:
            out[int(row["id"])] = Record.from_dict(dict(row))
    return out


@cache
def _titles_query() -> sa.Select[Any]:
    r = t.records
    # the authors as the stored JSON text: only the first is decoded (_first_author)
    return sa.select(r.c.id, r.c.title, sa.type_coerce(r.c.authors, sa.Text)).where(
        r.c.id.in_(sa.bindparam("ids", expanding=True)))


_JSON = json.JSONDecoder()


def _first_author(stored: str | None) -> Any:
    """The first element of a stored authors list, decoding nothing after it (a search
    over 100,000 records decoded every author of every record before: 0.5 s)."""
    text = (stored or "").strip()
    if not text.startswith("["):
        return None
    start = 1
    while start < len(text) and text[start].isspace():
        start += 1
    if start >= len(text) or text[start] == "]":
        return None
    first, _end = _JSON.raw_decode(text, start)
    return first


def _family(first: Any) -> str:
    if isinstance(first, Mapping):
        return str(first.get("family") or first.get("literal") or "")
    return Author.parse(str(first)).family


def search_texts(conn: Connection, record_ids: Sequence[int]) -> dict[int, tuple[str, str]]:
    """The title and the first author's family name of these records, for searching
    lists of records by words (reads two columns, not the whole records)."""
    out: dict[int, tuple[str, str]] = {}
    for chunk in in_chunks(record_ids):
        for rid, title, authors in conn.execute(_titles_query(), {"ids": chunk}):
            first = _first_author(authors)
            out[int(rid)] = (title or "", _family(first) if first is not None else "")
    return out


# -- users and protocol -------------------------------------------------------------


def user_roles(conn: Connection) -> dict[str, tuple[int, str]]:
    """Every user's name -> (id, role)."""
    rows = conn.execute(_users_query()).all()
    return {str(r.name): (int(r.id), str(r.role)) for r in rows}


def stored_protocol(conn: Connection) -> Protocol:
    """The latest stored protocol version."""
    text = conn.execute(
        sa.select(t.protocol_versions.c.toml)
        .order_by(t.protocol_versions.c.version.desc())
        .limit(1)
    ).scalar()
    if text is None:
        raise NotFound("the project has no protocol; run scopewise init again")
    return parse_protocol(str(text), "stored protocol")


# -- decisions ----------------------------------------------------------------------


def insert_decision(
    conn: Connection,
    record_id: int,
    stage: str,
    reviewer_id: int,
    decision: str,
    reasons: Sequence[str] = (),
    note: str = "",
    kind: str = "screen",
    created_at: datetime | None = None,
) -> int:
    """Append one decision to the log and return its id."""
    result = conn.execute(t.decisions.insert(), {
        "record_id": record_id,
        "stage": stage,
        "reviewer_id": reviewer_id,
        "decision": decision,
        "reasons": list(reasons),
        "note": note,
        "kind": kind,
        "created_at": created_at or now(),
    })
    pk = result.inserted_primary_key
    assert pk is not None
    return int(pk[0])


def insert_decisions(conn: Connection, rows: Sequence[Mapping[str, Any]]) -> int:
    """Append many decisions with one executemany; returns how many.

    Each row has the columns of :func:`insert_decision` (``record_id``, ``stage``,
    ``reviewer_id``, ``decision``, ``reasons``, ``note``, ``kind``, ``created_at``).
    Rows get increasing ids in the order given, so the last row of a reviewer on a
    record is the decision that counts.
    """
    if not rows:
        return 0
    conn.execute(
        t.decisions.insert(),
        [
            {
                "record_id": r["record_id"],
                "stage": r["stage"],
                "reviewer_id": r["reviewer_id"],
                "decision": r["decision"],
                "reasons": list(r.get("reasons", ())),
                "note": r.get("note", ""),
                "kind": r.get("kind", "screen"),
                "created_at": r.get("created_at") or now(),
            }
            for r in rows
        ],
    )
    return len(rows)


def decision_rows(
    conn: Connection,
    record_ids: Iterable[int] | None = None,
    stage: str | None = None,
    kinds: Sequence[str] | None = None,
    after: int | None = None,
) -> list[Decision]:
    """Stored decisions (oldest first), optionally only some records, a stage, kinds, or
    those with an id above ``after``."""
    if record_ids is not None:
        ids = list(dict.fromkeys(record_ids))
        if len(ids) > IN_CHUNK:
            found = [
                d for chunk in in_chunks(ids) for d in decision_rows(conn, chunk, stage, kinds, after)
            ]
            return sorted(found, key=lambda d: d.id)
        record_ids = ids
    query = _decisions_query(record_ids is not None, stage is not None, kinds is not None,
                             after is not None)
    params: dict[str, Any] = {}
    if record_ids is not None:
        params["ids"] = list(record_ids)
    if stage is not None:
        params["stage"] = stage
    if kinds is not None:
        params["kinds"] = list(kinds)
    if after is not None:
        params["after"] = after
    return [
        Decision(
            id=int(r["id"]),
            record_id=int(r["record_id"]),
            stage=str(r["stage"]),
            reviewer=str(r["reviewer"]),
            decision=str(r["decision"]),
            reasons=tuple(r["reasons"] or ()),
            note=str(r["note"] or ""),
            kind=str(r["kind"]),
            created_at=_utc(r["created_at"]),
        )
        for r in conn.execute(query, params).mappings()
    ]


# -- full texts ---------------------------------------------------------------------


def insert_full_text(
    conn: Connection,
    record_id: int,
    status: str,
    actor: str,
    file_name: str = "",
    sha256: str | None = None,
    path: str | None = None,
    reason: str = "",
) -> int:
    """Append a full-text entry (``attached`` or ``not_retrieved``) and return its id."""
    result = conn.execute(
        t.full_texts.insert().values(
            record_id=record_id,
            status=status,
            file_name=file_name,
            sha256=sha256,
            content=path,
            reason=reason,
            created_at=now(),
            created_by=actor,
        )
    )
    pk = result.inserted_primary_key
    assert pk is not None
    return int(pk[0])


def full_text_rows(
    conn: Connection, record_ids: Iterable[int] | None = None, after: int | None = None
) -> list[FullTextEntry]:
    """Stored full-text entries, oldest first (only those with an id above ``after``)."""
    if record_ids is not None:
        ids = list(dict.fromkeys(record_ids))
        if len(ids) > IN_CHUNK:
            found = [e for chunk in in_chunks(ids) for e in full_text_rows(conn, chunk, after)]
            return sorted(found, key=lambda e: e.id)
        record_ids = ids
    query = _full_texts_query(record_ids is not None, after is not None)
    params: dict[str, Any] = {}
    if record_ids is not None:
        params["ids"] = list(record_ids)
    if after is not None:
        params["after"] = after
    return [
        FullTextEntry(
            id=int(r["id"]),
            record_id=int(r["record_id"]),
            status=str(r["status"]),
            file_name=str(r["file_name"] or ""),
            sha256=r["sha256"],
            path=r["content"],
            reason=str(r["reason"] or ""),
            created_at=_utc(r["created_at"]),
            created_by=str(r["created_by"] or ""),
        )
        for r in conn.execute(query, params).mappings()
    ]


# -- pilot round --------------------------------------------------------------------


def _setting(conn: Connection, key: str, for_update: bool = False) -> Any:
    settings = conn.execute(_settings_query(for_update)).scalar()
    return (settings or {}).get(key)


def _set_setting(conn: Connection, key: str, value: Any) -> None:
    # FOR UPDATE (PostgreSQL; SQLite writers are serialised anyway): two writers of
    # different keys must not overwrite each other's read-modify-write.
    row = conn.execute(
        sa.select(t.project.c.id, t.project.c.settings).with_for_update()
    ).first()
    if row is None:
        raise NotFound("the database holds no scopewise project")
    settings = dict(row.settings or {})
    settings[key] = value
    conn.execute(t.project.update().where(t.project.c.id == row.id).values(settings=settings))


def pilot_state(conn: Connection) -> dict[str, Any] | None:
    """The pilot round (kept in the project settings), or ``None`` if none was started."""
    state = _setting(conn, PILOT_KEY)
    return dict(state) if state else None


def set_pilot_state(conn: Connection, state: dict[str, Any]) -> None:
    """Store the pilot round in the project settings."""
    _set_setting(conn, PILOT_KEY, state)


# -- stopping-rule sample -------------------------------------------------------------


def pilot_and_sample(conn: Connection) -> tuple[dict[str, Any] | None, list[int]]:
    """:func:`pilot_state` and :func:`stopping_sample` in one read of the settings."""
    settings = conn.execute(_settings_query(False)).scalar() or {}
    pilot = settings.get(PILOT_KEY)
    return (dict(pilot) if pilot else None), [int(r) for r in settings.get(STOPPING_SAMPLE_KEY) or []]


def stopping_sample(conn: Connection, for_update: bool = False) -> list[int]:
    """Records drawn at random for the stopping rule, in the order they were drawn.

    With ``for_update`` the project row is locked (PostgreSQL) until the transaction
    ends, so that two reviewers drawing at the same moment extend the same list.
    """
    return [int(r) for r in _setting(conn, STOPPING_SAMPLE_KEY, for_update) or []]


def set_stopping_sample(conn: Connection, record_ids: Sequence[int]) -> None:
    """Store the stopping rule's random sample (record ids in drawing order)."""
    _set_setting(conn, STOPPING_SAMPLE_KEY, [int(r) for r in record_ids])


def stopping_checks(conn: Connection, for_update: bool = False) -> list[list[int]]:
    """The checks the stopping rule handed out before stopping, oldest first: each the
    record ids to screen, in order. ``for_update`` as for :func:`stopping_sample`."""
    return [[int(r) for r in check]
            for check in _setting(conn, STOPPING_CHECKS_KEY, for_update) or []]


def set_stopping_checks(conn: Connection, checks: Sequence[Sequence[int]]) -> None:
    """Store the stopping rule's checks (see :func:`stopping_checks`)."""
    _set_setting(conn, STOPPING_CHECKS_KEY, [[int(r) for r in check] for check in checks])
