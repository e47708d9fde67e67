"""Consultation rows: participants, session notes, coded excerpts, the lead's stances.

Rows become :mod:`scopewise.consultation` values here and nowhere else. Notes are
read only by the functions that name them (:func:`note_text`, :func:`note_texts`):
the report's data is gathered without touching a note.
"""

from __future__ import annotations

import sqlite3

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import OperationalError

from scopewise.consultation import Excerpt, NoteInfo, Participant, ThemeStance
from scopewise.errors import NotFound
from scopewise.store import schema as t
from scopewise.store.core import now, utc

__all__ = [
    "add_participant",
    "excerpts",
    "forget_purged_text",
    "insert_excerpt",
    "insert_note",
    "insert_stance",
    "note_by_sha",
    "note_text",
    "note_texts",
    "notes",
    "participant",
    "participants",
    "purge_notes",
    "stances",
]


def _insert(conn: Connection, table: sa.Table, **values: object) -> int:
    pk = conn.execute(table.insert().values(**values)).inserted_primary_key
    assert pk is not None
    return int(pk[0])


def participant(conn: Connection, code: str) -> tuple[int, Participant] | None:
    """The id and value of the participant with pseudonym ``code`` (in any case: "p01"
    is P01, spelt as first stored), or ``None``."""
    p = t.participants
    row = conn.execute(
        sa.select(p.c.id, p.c.pseudonym, p.c.stakeholder_group)
        .where(sa.func.lower(p.c.pseudonym) == code.lower()).order_by(p.c.id)
    ).first()
    if row is None:
        return None
    return int(row.id), Participant(code=row.pseudonym, group=row.stakeholder_group)


def add_participant(conn: Connection, code: str, group: str) -> int:
    """Insert a participant: a pseudonym code and a stakeholder group, nothing more."""
    return _insert(conn, t.participants, pseudonym=code, stakeholder_group=group, created_at=now())


def participants(conn: Connection) -> list[Participant]:
    """Every participant, by code."""
    rows = conn.execute(
        sa.select(t.participants.c.pseudonym, t.participants.c.stakeholder_group).order_by(
            t.participants.c.pseudonym
        )
    )
    return [Participant(code=r.pseudonym, group=r.stakeholder_group) for r in rows]


def note_by_sha(conn: Connection, sha256: str) -> int | None:
    """The id of the note with this content hash (purged or not), or ``None``."""
    found = conn.execute(
        sa.select(t.interviews.c.id).where(t.interviews.c.sha256 == sha256)
    ).scalar()
    return None if found is None else int(found)


def insert_note(
    conn: Connection,
    participant_id: int,
    held_on: str | None,
    text: str,
    sha256: str,
    words: int,
    file_format: str,
    actor: str,
) -> int:
    """Store one session's notes; returns the note id."""
    return _insert(
        conn,
        t.interviews,
        participant_id=participant_id,
        held_on=held_on,
        notes=text,
        sha256=sha256,
        words=words,
        file_format=file_format,
        imported_by=actor,
        created_at=now(),
    )


def notes(conn: Connection) -> list[NoteInfo]:
    """Every session's notes described without their text, oldest first."""
    counts = (
        sa.select(t.coded_excerpts.c.interview_id, sa.func.count().label("n"))
        .group_by(t.coded_excerpts.c.interview_id)
        .subquery()
    )
    i, p = t.interviews, t.participants
    rows = conn.execute(
        sa.select(
            i.c.id,
            p.c.pseudonym,
            p.c.stakeholder_group,
            i.c.held_on,
            i.c.words,
            sa.func.coalesce(counts.c.n, 0).label("excerpts"),
            i.c.purged_at,
            i.c.created_at,
        )
        .join(p, p.c.id == i.c.participant_id)
        .outerjoin(counts, counts.c.interview_id == i.c.id)
        .order_by(i.c.id)
    )
    return [
        NoteInfo(
            id=r.id,
            participant=r.pseudonym,
            group=r.stakeholder_group,
            held_on=r.held_on,
            words=r.words,
            excerpts=int(r.excerpts),
            purged=r.purged_at is not None,
            imported_at=utc(r.created_at),
        )
        for r in rows
    ]


def note_text(conn: Connection, note_id: int) -> str | None:
    """The text of note ``note_id`` (``None`` once purged).

    Raises
    ------
    NotFound
        No note has this id.
    """
    i = t.interviews
    row = conn.execute(sa.select(i.c.notes, i.c.purged_at).where(i.c.id == note_id)).first()
    if row is None:
        raise NotFound(f"no consultation note {note_id}; 'scopewise consult DIR notes' lists them")
    return None if row.purged_at is not None else str(row.notes)


def note_texts(conn: Connection) -> list[str]:
    """The text of every note not yet purged (for the summary guard)."""
    i = t.interviews
    rows = conn.execute(sa.select(i.c.notes).where(i.c.purged_at.is_(None)))
    return [str(r.notes) for r in rows]


def insert_excerpt(
    conn: Connection, note_id: int, theme: str, start: int, end: int, actor: str
) -> int:
    """Code the span ``[start, end)`` of a note to ``theme``; returns the excerpt id."""
    return _insert(
        conn,
        t.coded_excerpts,
        interview_id=note_id,
        theme=theme,
        span_start=start,
        span_end=end,
        coded_by=actor,
        created_at=now(),
    )


def delete_excerpt(conn: Connection, excerpt_id: int) -> None:
    """Remove one coded excerpt (the note keeps its text; the audit trail says who)."""
    conn.execute(sa.delete(t.coded_excerpts).where(t.coded_excerpts.c.id == excerpt_id))


def excerpts(conn: Connection) -> list[Excerpt]:
    """Every coded excerpt (spans only), oldest first."""
    e, i, p = t.coded_excerpts, t.interviews, t.participants
    rows = conn.execute(
        sa.select(
            e.c.id,
            e.c.interview_id,
            p.c.pseudonym,
            p.c.stakeholder_group,
            e.c.theme,
            e.c.span_start,
            e.c.span_end,
        )
        .join(i, i.c.id == e.c.interview_id)
        .join(p, p.c.id == i.c.participant_id)
        .order_by(e.c.id)
    )
    return [
        Excerpt(
            id=r.id,
            note_id=r.interview_id,
            participant=r.pseudonym,
            group=r.stakeholder_group,
            theme=r.theme,
            start=r.span_start,
            end=r.span_end,
        )
        for r in rows
    ]


def insert_stance(conn: Connection, theme: str, stance: str, summary: str, reviewer: str) -> int:
    """Append the lead's stance on a theme (the latest per theme counts)."""
    return _insert(
        conn,
        t.theme_stances,
        theme=theme,
        stance=stance,
        summary=summary,
        reviewer=reviewer,
        created_at=now(),
    )


def stances(conn: Connection) -> list[ThemeStance]:
    """Every stance recorded, oldest first (history included)."""
    s = t.theme_stances
    rows = conn.execute(sa.select(s).order_by(s.c.id)).mappings()
    return [
        ThemeStance(
            theme=r["theme"],
            stance=r["stance"],
            summary=r["summary"],
            reviewer=r["reviewer"],
            recorded_at=utc(r["created_at"]),
        )
        for r in rows
    ]


def purge_notes(conn: Connection) -> int:
    """Remove the text of every note not yet purged; returns how many were purged."""
    i = t.interviews
    result = conn.execute(
        i.update().where(i.c.purged_at.is_(None)).values(notes="", purged_at=now())
    )
    return int(result.rowcount)


def forget_purged_text(engine: Engine) -> bool:
    """Rewrite the storage so purged notes do not linger in free pages or the WAL.

    Runs outside any transaction (``VACUUM`` cannot run inside one). Returns
    ``False`` when another connection kept the database busy, so it could not be
    compacted now (the purge itself stands).
    """
    try:
        if engine.dialect.name == "sqlite":
            raw = engine.raw_connection()
            try:
                cursor = raw.cursor()
                cursor.execute("VACUUM")
                cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                cursor.close()
            finally:
                raw.close()
        else:
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql("VACUUM FULL interviews")
    except (OperationalError, sqlite3.OperationalError):
        return False
    return True
