"""The charting log and candidate themes: plain reads and appends, no charting logic.

Entries are appended, never updated: the latest per (record, field, reviewer, kind)
counts (see :mod:`scopewise.charting.entries`), and the history stays.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from scopewise.analysis.charting import ChartedSource
from scopewise.charting import ChartEntry
from scopewise.charting.entries import EntryRow
from scopewise.protocol import Protocol
from scopewise.store import schema as t
from scopewise.store.bulk import insert_rows
from scopewise.store.core import in_chunks, now, utc
from scopewise.store.flow import author_name
from scopewise.store.snapshot import ScreeningSnapshot, screening_snapshot

__all__ = [
    "FinalMark",
    "ThemeCandidateRow",
    "add_theme_candidates",
    "all_record_ids",
    "append_entries",
    "chart_entries",
    "chart_rows",
    "decide_theme_candidate",
    "final_mark",
    "forget_final",
    "full_text_path",
    "included_record_ids",
    "lock_sources",
    "log_mark",
    "read_final",
    "record_texts",
    "simulated_charters",
    "source_details",
    "stored_field_values",
    "theme_candidates",
    "write_final",
]


@dataclass(frozen=True, slots=True)
class ThemeCandidateRow:
    """A stored candidate theme and the lead's decision on it."""

    id: int
    label: str
    terms: tuple[str, ...]
    record_ids: tuple[int, ...]
    status: str
    name: str | None
    field: str | None


def included_record_ids(
    conn: Connection, protocol: Protocol, snapshot: ScreeningSnapshot | None = None
) -> list[int]:
    """Records included at the protocol's last stage, in record order (from ``snapshot``
    when the caller has one: the facade keeps one between reads)."""
    snapshot = snapshot if snapshot is not None else screening_snapshot(conn, protocol)
    last_full = "full_text" in snapshot.stages
    out: list[int] = []
    for rid, outcome in snapshot.records.items():
        if last_full:
            if outcome.full_text is not None and outcome.full_text.status == "included":
                out.append(rid)
        elif outcome.title_abstract is not None and outcome.title_abstract.passes:
            out.append(rid)
    return sorted(out)


def source_details(conn: Connection, record_ids: Sequence[int]) -> dict[int, ChartedSource]:
    """Bibliographic details of ``record_ids`` as :class:`ChartedSource` (no values yet)."""
    r = t.records
    out: dict[int, ChartedSource] = {}
    for chunk in in_chunks(record_ids):
        rows = conn.execute(
            sa.select(r.c.id, r.c.title, r.c.authors, r.c.year, r.c.journal, r.c.doi).where(
                r.c.id.in_(chunk)
            )
        ).all()
        for row in rows:
            authors = tuple(a for a in (author_name(x) for x in (row[2] or ())) if a)
            out[int(row[0])] = ChartedSource(
                record_id=int(row[0]),
                title=str(row[1] or ""),
                authors=authors,
                year=row[3],
                journal=str(row[4] or ""),
                doi=str(row[5] or ""),
            )
    return out


def record_texts(conn: Connection, record_ids: Sequence[int]) -> dict[int, tuple[str, str]]:
    """Title and abstract of ``record_ids``."""
    r = t.records
    out: dict[int, tuple[str, str]] = {}
    for chunk in in_chunks(record_ids):
        for rid, title, abstract in conn.execute(
            sa.select(r.c.id, r.c.title, r.c.abstract).where(r.c.id.in_(chunk))
        ):
            out[int(rid)] = (str(title or ""), str(abstract or ""))
    return out


def _json_encoder() -> Callable[[Any], str]:
    """JSON text of values, each distinct choice encoded once: a sheet repeats the same
    few choices tens of thousands of times."""
    dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    memo: dict[Any, str] = {}

    def encode(value: Any) -> str:
        kind = type(value)
        if kind is list:
            if not all(type(v) is str for v in value):
                return dumps(value)
            key: Any = tuple(value)
        elif kind is str:
            key = value
        else:  # numbers and yes/no: True == 1, so never share a key with them
            return dumps(value)
        text = memo.get(key)
        if text is None:
            text = memo[key] = dumps(value)
        return text

    return encode


_ENTRY_COLUMNS = ("record_id", "reviewer_id", "field", "value", "kind", "created_at")


def append_entries(conn: Connection, rows: Iterable[tuple[int, int, str, Any, str]]) -> int:
    """Append ``(record_id, reviewer_id, field, value, kind)`` entries; returns how many.

    Straight through the DB-API ``executemany`` with the values already JSON text, as
    records are imported (see :mod:`scopewise.store.records`): a sheet of 10,000
    sources brings 120,000 values, and SQLAlchemy's per-row processing cost more
    than the insert itself.
    """
    stamp = t.charting_entries.c.created_at.type.bind_processor(conn.dialect)
    at: Any = now()
    at = stamp(at) if stamp is not None else at
    dumps = _json_encoder()
    payload = [
        (rid, uid, name, None if value is None else dumps(value), kind, at)
        for rid, uid, name, value, kind in rows
    ]
    insert_rows(conn, "charting_entries", _ENTRY_COLUMNS, payload)
    return len(payload)


def chart_entries(
    conn: Connection,
    record_ids: Sequence[int] | None = None,
    fields: Sequence[str] | None = None,
) -> list[ChartEntry]:
    """The charting log (of ``record_ids`` when given), oldest first.

    Values are read as raw JSON text and decoded in one ``json.loads`` call per chunk:
    a project of 10,000 sources x 12 fields x 2 reviewers holds 240,000 entries, and
    decoding them one by one through the column type was most of a map's time.
    """
    c, u = t.charting_entries, t.users
    names = {int(i): str(n) for i, n in conn.execute(sa.select(u.c.id, u.c.name))}
    query = sa.select(
        c.c.id,
        c.c.record_id,
        c.c.field,
        c.c.reviewer_id,
        sa.type_coerce(c.c.value, sa.Text),
        c.c.kind,
        c.c.created_at,
    )
    chunks: list[list[int] | None] = (
        [None] if record_ids is None else list(in_chunks(record_ids))
    )
    out: list[ChartEntry] = []
    for chunk in chunks:
        q = query if chunk is None else query.where(c.c.record_id.in_(chunk))
        if fields is not None:
            # the entries that mark a source complete go with every field
            q = q.where(sa.or_(c.c.field.in_(list(fields)), c.c.kind == "complete"))
        rows = conn.execute(q.order_by(c.c.id)).all()
        values = json.loads(
            "[" + ",".join(r[4] if r[4] is not None else "null" for r in rows) + "]"
        )
        out.extend(
            ChartEntry(
                int(r[0]), int(r[1]), str(r[2]), names[int(r[3])], v, r[5],
                utc(r[6]) if r[6] is not None else None,
            )
            for r, v in zip(rows, values, strict=True)
        )
    if record_ids is not None and len(chunks) > 1:
        out.sort(key=lambda e: e.id)
    return out


def log_mark(conn: Connection) -> tuple[int, int]:
    """The newest entry id and the number of entries: what a cached state is valid for."""
    c = t.charting_entries
    row = conn.execute(sa.select(sa.func.max(c.c.id), sa.func.count())).one()
    return int(row[0] or 0), int(row[1])


def add_theme_candidates(
    conn: Connection, candidates: Iterable[tuple[str, Sequence[str], Sequence[int]]]
) -> list[int]:
    """Store ``(label, terms, record_ids)`` candidates; earlier undecided ones are dropped."""
    tc = t.theme_candidates
    conn.execute(tc.delete().where(tc.c.status == "candidate"))
    ids: list[int] = []
    for label, terms, record_ids in candidates:
        result = conn.execute(
            tc.insert().values(
                label=label,
                terms=list(terms),
                record_ids=list(record_ids),
                status="candidate",
                created_at=now(),
            )
        )
        pk = result.inserted_primary_key
        assert pk is not None
        ids.append(int(pk[0]))
    return ids


def theme_candidates(conn: Connection) -> list[ThemeCandidateRow]:
    """Every candidate theme, decided or not."""
    tc = t.theme_candidates
    return [
        ThemeCandidateRow(
            id=int(r["id"]),
            label=str(r["label"]),
            terms=tuple(r["terms"]),
            record_ids=tuple(int(x) for x in r["record_ids"]),
            status=str(r["status"]),
            name=r["name"],
            field=r["field"],
        )
        for r in conn.execute(sa.select(tc).order_by(tc.c.id)).mappings()
    ]


def decide_theme_candidate(
    conn: Connection, candidate_id: int, status: str, by: str, name: str | None, field: str | None
) -> None:
    """Record the lead's decision on one candidate."""
    tc = t.theme_candidates
    conn.execute(
        tc.update()
        .where(tc.c.id == candidate_id)
        .values(status=status, name=name, field=field, decided_by=by, decided_at=now())
    )


def simulated_charters(conn: Connection) -> bool:
    """Whether simulated charters (the demo's) entered values in this project."""
    a = t.audit_events
    found = conn.execute(sa.select(a.c.id).where(a.c.action == "chart.simulated").limit(1)).scalar()
    return found is not None


def all_record_ids(conn: Connection) -> set[int]:
    """Every record id of the project."""
    return {int(r) for r in conn.execute(sa.select(t.records.c.id)).scalars()}


def lock_sources(conn: Connection, record_ids: Iterable[int]) -> None:
    """Lock the records' rows until the transaction ends (PostgreSQL; SQLite writers
    are serialised already), so that two charters saving the same source at once see
    each other's values: a source cannot get a third charter that way."""
    r = t.records
    for chunk in in_chunks(sorted(set(record_ids))):
        conn.execute(sa.select(r.c.id).where(r.c.id.in_(chunk)).with_for_update()).all()


def stored_field_values(conn: Connection) -> dict[str, set[str]]:
    """Every field that has stored values, with the choice strings among them."""
    c = t.charting_entries
    out: dict[str, set[str]] = {}
    for name, value in conn.execute(sa.select(c.c.field, c.c.value).where(c.c.kind != "complete")):
        values = out.setdefault(str(name), set())
        if isinstance(value, list):
            values.update(str(v) for v in value)
        elif isinstance(value, str):
            values.add(value)
    return out


def chart_rows(conn: Connection, fields: Sequence[str] | None = None) -> list[EntryRow]:
    """The whole log as plain ``(id, record_id, field, reviewer, kind, value)`` tuples in
    id order: what :func:`scopewise.charting.state_from_rows` reads, with no object
    per entry and one JSON decode per 50,000 values."""
    c, u = t.charting_entries, t.users
    names = {int(i): str(n) for i, n in conn.execute(sa.select(u.c.id, u.c.name))}
    query = sa.select(
        c.c.id,
        c.c.record_id,
        c.c.field,
        c.c.reviewer_id,
        c.c.kind,
        sa.type_coerce(c.c.value, sa.Text),
    ).order_by(c.c.id)
    if fields is not None:
        query = query.where(sa.or_(c.c.field.in_(list(fields)), c.c.kind == "complete"))
    out: list[EntryRow] = []
    result = conn.execute(query)
    while True:
        rows = result.fetchmany(50_000)
        if not rows:
            break
        values = json.loads(
            "[" + ",".join(r[5] if r[5] is not None else "null" for r in rows) + "]"
        )
        out.extend(
            (r[0], r[1], r[2], names[r[3]], r[4], v) for r, v in zip(rows, values, strict=True)
        )
    return out


def full_text_path(conn: Connection, record_id: int) -> str | None:
    """The project-relative path of the record's attached full text, if the latest
    full-text entry attaches one."""
    f = t.full_texts
    row = conn.execute(
        sa.select(f.c.status, f.c.content)
        .where(f.c.record_id == record_id)
        .order_by(f.c.id.desc())
        .limit(1)
    ).first()
    if row is None or row[0] != "attached" or not row[1]:
        return None
    return str(row[1])


FinalMark = tuple[int, int, str]
"""(newest entry id, number of entries, form key) the kept final values are valid for."""


def final_mark(conn: Connection) -> FinalMark | None:
    """The position of the log that the kept final values describe, if any."""
    m = t.charting_final_mark
    row = conn.execute(sa.select(m.c.last_entry_id, m.c.entries, m.c.form).limit(1)).first()
    return None if row is None else (int(row[0]), int(row[1]), str(row[2]))


def write_final(
    conn: Connection,
    final: Mapping[int, Mapping[str, Any]],
    mark: FinalMark,
    records: Sequence[int] | None = None,
) -> None:
    """Keep ``final`` (every record's, or only ``records``') and the mark it is valid for."""
    f, m = t.charting_final, t.charting_final_mark
    if records is None:
        conn.execute(f.delete())
        wanted: Iterable[int] = final.keys()
    else:
        for chunk in in_chunks(records):
            conn.execute(f.delete().where(f.c.record_id.in_(chunk)))
        wanted = records
    dumps = _json_encoder()
    payload = [
        (rid, name, dumps(value))
        for rid in wanted
        for name, value in final.get(rid, {}).items()
        if value is not None
    ]
    insert_rows(conn, "charting_final", ("record_id", "field", "value"), payload)
    conn.execute(m.delete())
    conn.execute(m.insert().values(id=1, last_entry_id=mark[0], entries=mark[1], form=mark[2]))


def forget_final(conn: Connection) -> None:
    """Mark the kept final values as stale (readers then use the log)."""
    conn.execute(t.charting_final_mark.delete())


def read_final(conn: Connection, fields: Sequence[str] | None = None) -> dict[int, dict[str, Any]]:
    """The kept final values (of ``fields``): record -> field -> value."""
    f = t.charting_final
    query = sa.select(f.c.record_id, f.c.field, sa.type_coerce(f.c.value, sa.Text))
    if fields is not None:
        query = query.where(f.c.field.in_(list(fields)))
    rows = conn.execute(query).all()
    values = json.loads("[" + ",".join(r[2] for r in rows) + "]")
    out: dict[int, dict[str, Any]] = {}
    for (rid, name, _), value in zip(rows, values, strict=True):
        out.setdefault(rid, {})[name] = value
    return out
