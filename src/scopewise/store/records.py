"""Searches and records in the database: the import side of the store.

A search row is one import (a file or an online search) with its provenance for
PRISMA-ScR items 7-8: source, platform, exact query, date run, file name, sha256,
format and record count. Records are inserted in batches with ``executemany`` inside
the caller's transaction, so an import lands whole or not at all.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from json.encoder import encode_basestring
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from scopewise.records import Author, Record
from scopewise.store import schema as t
from scopewise.store.core import now
from scopewise.store.rounds import assign_search
from scopewise.store.status import active_duplicate_members

__all__ = [
    "BATCH_SIZE",
    "VALUE_COLUMNS",
    "Search",
    "duplicate_group_labels",
    "insert_records",
    "insert_search",
    "insert_values",
    "iter_records",
    "list_searches",
    "record_from_row",
    "record_values",
    "search_by_sha256",
    "set_search_count",
]

BATCH_SIZE = 2000


@dataclass(frozen=True, slots=True)
class Search:
    """One import: where the records came from and how they were found."""

    id: int
    source: str
    platform: str
    query: str
    searched_on: str | None
    method: str
    file_name: str
    file_format: str
    sha256: str | None
    record_count: int
    imported_at: datetime
    imported_by: str
    details: dict[str, Any]


def _search(row: Any) -> Search:
    at = row["imported_at"]
    return Search(
        id=int(row["id"]),
        source=row["source"],
        platform=row["platform"],
        query=row["query"],
        searched_on=row["searched_on"],
        method=row["method"],
        file_name=row["file_name"],
        file_format=row["file_format"],
        sha256=row["sha256"],
        record_count=int(row["record_count"]),
        imported_at=at if at.tzinfo else at.replace(tzinfo=UTC),
        imported_by=row["imported_by"],
        details=row["details"] or {},
    )


def insert_search(
    conn: Connection,
    *,
    source: str,
    platform: str = "",
    query: str = "",
    searched_on: str | None = None,
    method: str = "file",
    file_name: str = "",
    file_format: str = "",
    sha256: str | None = None,
    imported_by: str = "",
    details: dict[str, Any] | None = None,
) -> int:
    """Insert a search row (record count 0 until :func:`set_search_count`); its id."""
    result = conn.execute(
        t.searches.insert().values(
            source=source,
            platform=platform,
            query=query,
            searched_on=searched_on,
            method=method,
            file_name=file_name,
            file_format=file_format,
            sha256=sha256,
            record_count=0,
            imported_at=now(),
            imported_by=imported_by,
            details=details or {},
        )
    )
    pk = result.inserted_primary_key
    assert pk is not None
    assign_search(conn, int(pk[0]))  # an update round takes every later search
    return int(pk[0])


def set_search_count(conn: Connection, search_id: int, count: int) -> None:
    """Store how many records the search brought in."""
    conn.execute(
        t.searches.update().where(t.searches.c.id == search_id).values(record_count=count)
    )


def search_by_sha256(conn: Connection, sha256: str) -> Search | None:
    """The search that imported the file with this sha256, if any."""
    row = conn.execute(sa.select(t.searches).where(t.searches.c.sha256 == sha256)).mappings().first()
    return _search(row) if row is not None else None


def list_searches(conn: Connection) -> list[Search]:
    """Every search, in import order."""
    rows = conn.execute(sa.select(t.searches).order_by(t.searches.c.id)).mappings().all()
    return [_search(r) for r in rows]


# One encoder for every value: json.dumps with options builds a new one per call.
# Values are plain lists and dicts of strings, never self-referencing: no circularity check.
_dumps = json.JSONEncoder(
    ensure_ascii=False, separators=(",", ":"), check_circular=False
).encode

_quote: Callable[[str], str] = encode_basestring  # JSON string, non-ASCII kept as is
# The same JSON for ASCII text (DEL aside, escaped but equal once read); its string
# escaping is about twice as fast, which matters for long abstracts kept in raw.
_dumps_ascii = json.JSONEncoder(separators=(",", ":"), check_circular=False).encode


def _raw_json(raw: Any) -> str:
    """``raw`` as JSON text: the value :data:`_dumps` gives, faster when it is all ASCII."""
    if type(raw) is not dict:
        raw = dict(raw)
    flat: list[str] = []
    for values in raw.values():
        if type(values) is not list:
            return _dumps(raw)
        flat += values
    try:
        ascii_only = "".join(flat).isascii()
    except TypeError:  # a value that is not a string
        return _dumps(raw)
    return _dumps_ascii(raw) if ascii_only else _dumps(raw)


VALUE_COLUMNS: tuple[str, ...] = (
    "source_record_id", "title", "abstract", "authors", "year", "journal", "volume", "issue",
    "pages", "doi", "pmid", "pmcid", "issn", "isbn", "url", "keywords", "language",
    "publication_type", "raw",
)
"""The ``records`` columns :func:`record_values` fills, in order."""
_COLUMNS = (*VALUE_COLUMNS, "search_id", "position")


def _authors_json(authors: tuple[Author, ...]) -> str:
    # What _dumps gives for [{"family": ..., "given": ..., "literal": ...}, ...], built
    # from the C string encoder directly: authors are the most numerous JSON values.
    if not authors:
        return "[]"
    quote = _quote
    return "[" + ",".join([
        f'{{"family":{quote(a.family)},"given":{quote(a.given)},"literal":{quote(a.literal)}}}'
        for a in authors
    ]) + "]"


def record_values(record: Record) -> tuple[Any, ...]:
    """A record's column values in :data:`VALUE_COLUMNS` order, JSON columns encoded.

    A plain tuple of strings and numbers: cheap to send from a worker process.
    """
    raw = record.raw
    return (
        record.source_record_id[:500],
        record.title,
        record.abstract,
        _authors_json(record.authors),
        record.year,
        record.journal,
        record.volume[:100],
        record.issue[:100],
        record.pages[:100],
        record.doi[:300],
        record.pmid[:20],
        record.pmcid[:20],
        record.issn[:100],
        record.isbn[:100],
        record.url,
        "[" + ",".join(map(_quote, record.keywords)) + "]",
        record.language[:100],
        record.publication_type[:200],
        _raw_json(raw),
    )


def _insert_sql(conn: Connection) -> str:
    # Bulk insert straight through the DB-API executemany: SQLAlchemy's per-row
    # parameter processing costs more than SQLite's insert itself.
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    assert {c.name for c in t.records.columns} == {"id", *_COLUMNS}, "schema changed"
    return (
        f"INSERT INTO records ({', '.join(_COLUMNS)}) "
        f"VALUES ({', '.join([mark] * len(_COLUMNS))})"
    )


def insert_values(
    conn: Connection,
    search_id: int,
    batches: Iterable[list[tuple[Any, ...]]],
    *,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Insert records of one search given as batches of :func:`record_values` tuples.

    Positions count from 1 across batches; ``progress`` is called with the running
    count after each batch. Returns how many records were inserted.
    """
    sql = _insert_sql(conn)
    count = 0
    for batch in batches:
        if not batch:
            continue
        conn.exec_driver_sql(sql, [
            (*values, search_id, position)
            for position, values in enumerate(batch, start=count + 1)
        ])
        count += len(batch)
        if progress is not None:
            progress(count)
    return count


def _batches(records: Iterable[Record], size: int) -> Iterator[list[tuple[Any, ...]]]:
    batch: list[tuple[Any, ...]] = []
    for record in records:
        batch.append(record_values(record))
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def insert_records(
    conn: Connection,
    search_id: int,
    records: Iterable[Record],
    *,
    batch_size: int = BATCH_SIZE,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Insert records of one search in batches; returns how many were inserted.

    ``progress`` is called with the running count after each batch.
    """
    return insert_values(conn, search_id, _batches(records, batch_size), progress=progress)


def record_from_row(row: Any) -> Record:
    """A :class:`Record` from a ``records`` row mapping."""
    return Record(
        title=row["title"],
        abstract=row["abstract"],
        authors=tuple(
            Author(family=a.get("family", ""), given=a.get("given", ""), literal=a.get("literal", ""))
            for a in row["authors"] or ()
        ),
        year=row["year"],
        journal=row["journal"],
        volume=row["volume"],
        issue=row["issue"],
        pages=row["pages"],
        doi=row["doi"],
        pmid=row["pmid"],
        pmcid=row["pmcid"],
        issn=row["issn"],
        isbn=row["isbn"],
        url=row["url"],
        keywords=tuple(row["keywords"] or ()),
        language=row["language"],
        publication_type=row["publication_type"],
        source_record_id=row["source_record_id"],
        raw=row["raw"] or {},
    )


def iter_records(
    conn: Connection, record_ids: Iterable[int] | None = None, chunk: int = 1000
) -> Iterator[tuple[int, str, Record]]:
    """``(record id, search source, record)`` in import order, streamed in chunks.

    With ``record_ids`` only those records are returned (still in import order).
    """
    wanted = None if record_ids is None else set(record_ids)
    last = 0
    while True:
        rows = (
            conn.execute(
                sa.select(t.records, t.searches.c.source.label("search_source"))
                .join(t.searches, t.searches.c.id == t.records.c.search_id)
                .where(t.records.c.id > last)
                .order_by(t.records.c.id)
                .limit(chunk)
            )
            .mappings()
            .all()
        )
        if not rows:
            return
        for row in rows:
            last = int(row["id"])
            if wanted is None or last in wanted:
                yield last, row["search_source"], record_from_row(row)


def duplicate_group_labels(conn: Connection) -> dict[int, str]:
    """``record id -> "G<group id>"`` for members of active duplicate groups.

    Records not in the mapping are unique; exports label them ``"R<record id>"`` so
    every record has a ``duplicate_group`` and only true duplicates share one.
    """
    members = active_duplicate_members().subquery()
    out: dict[int, str] = {}
    for record_id, group_id in conn.execute(
        sa.select(members.c.record_id, members.c.group_id).order_by(members.c.group_id)
    ):
        out.setdefault(int(record_id), f"G{int(group_id)}")
    return out
