"""Bulk inserts of plain tuples: PostgreSQL's COPY, the DB-API ``executemany`` elsewhere.

A charting sheet of 10,000 sources brings 120,000 values to the log and as many
final values. Two things cost more than the rows themselves on PostgreSQL, and this
module avoids both:

- building COPY's text row by row in Python (a function call per value): values are
  converted a column at a time, and text that holds none of COPY's special
  characters is passed through as it is;
- the foreign-key checks, which PostgreSQL makes one row at a time (a lookup and a
  row lock per inserted row: three quarters of the time of such a COPY, measured).
  For a large batch the table's foreign keys are dropped and added back inside the
  same transaction, so PostgreSQL checks every row at once with one join, as its
  manual advises for bulk loads ("Populating a Database"). Integrity is the same:
  a row that points nowhere makes the re-added key fail and the transaction roll
  back. Dropping a key takes an exclusive lock on the table until commit; if that
  lock is not granted within a moment (readers are busy with the table), the batch
  is copied with the row-by-row checks instead, inside a savepoint.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.engine import Connection

__all__ = ["BULK_CHECK_ROWS", "insert_rows"]

# From this many rows on, foreign keys are checked once for the batch.
BULK_CHECK_ROWS = 20_000
_BLOCK = 20_000
_SPECIALS = ("\\", "\t", "\n", "\r")
_LOCK_NOT_AVAILABLE = "55P03"


def _escape(text: str) -> str:
    if "\\" in text or "\t" in text or "\n" in text or "\r" in text:
        return (
            text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
        )
    return text


def _copy_value(value: Any) -> str:
    if value is None:
        return "\\N"
    if isinstance(value, datetime):
        return value.isoformat()
    return _escape(str(value))


def _copy_column(values: Sequence[Any]) -> Sequence[str]:
    """One column in COPY's text format: NULL as ``\\N``, the specials escaped."""
    kinds = set(map(type, values))
    if kinds <= {int, type(None)}:
        if type(None) not in kinds:
            return list(map(str, values))
        return ["\\N" if v is None else str(v) for v in values]
    if kinds <= {str, type(None)}:
        present = [v for v in values if v is not None]
        joined = "".join(present)
        if not any(s in joined for s in _SPECIALS):
            if type(None) not in kinds:
                return values
            return ["\\N" if v is None else v for v in values]
    if kinds == {datetime}:  # a batch's time stamp, mostly one value
        texts = {v: v.isoformat() for v in set(values)}
        return [texts[v] for v in values]
    return [_copy_value(v) for v in values]


def _foreign_keys(cursor: Any, table: str) -> list[tuple[str, str]]:
    cursor.execute(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE conrelid = to_regclass(%s) AND contype = 'f' ORDER BY conname",
        (table,),
    )
    return [(str(name), str(definition)) for name, definition in cursor.fetchall()]


def _copy(cursor: Any, table: str, columns: Sequence[str], rows: Sequence[tuple[Any, ...]]) -> None:
    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for start in range(0, len(rows), _BLOCK):
            block = rows[start : start + _BLOCK]
            converted = [_copy_column(col) for col in zip(*block, strict=True)]
            copy.write("".join(f"{line}\n" for line in map("\t".join, zip(*converted, strict=True))))


def _copy_checked_once(
    cursor: Any, table: str, columns: Sequence[str], rows: Sequence[tuple[Any, ...]]
) -> bool:
    """COPY with the table's foreign keys checked once for the batch; False when the
    table's lock could not be had at once (nothing done)."""
    keys = _foreign_keys(cursor, table)
    if not keys:
        _copy(cursor, table, columns, rows)
        return True
    cursor.execute("SELECT current_setting('lock_timeout')")
    (before,) = cursor.fetchone()
    cursor.execute("SAVEPOINT scopewise_bulk")
    try:
        cursor.execute("SET LOCAL lock_timeout = '2s'")
        cursor.execute(
            f"ALTER TABLE {table} " + ", ".join(f'DROP CONSTRAINT "{name}"' for name, _ in keys)
        )
    except Exception as exc:
        if getattr(exc, "sqlstate", None) != _LOCK_NOT_AVAILABLE:
            raise
        # readers hold the table: keep the row-by-row checks rather than wait
        cursor.execute("ROLLBACK TO SAVEPOINT scopewise_bulk")
        cursor.execute("RELEASE SAVEPOINT scopewise_bulk")
        return False
    cursor.execute("SELECT set_config('lock_timeout', %s, true)", (before,))
    cursor.execute("RELEASE SAVEPOINT scopewise_bulk")
    _copy(cursor, table, columns, rows)
    cursor.execute(
        f"ALTER TABLE {table} "
        + ", ".join(f'ADD CONSTRAINT "{name}" {definition}' for name, definition in keys)
    )
    return True


def insert_rows(
    conn: Connection, table: str, columns: Sequence[str], rows: Sequence[tuple[Any, ...]]
) -> None:
    """Insert plain tuples into ``table`` (a name of this project's schema)."""
    if not rows:
        return
    if conn.dialect.name == "postgresql":
        driver = conn.connection.driver_connection
        assert driver is not None
        with driver.cursor() as cursor:
            if len(rows) >= BULK_CHECK_ROWS and _copy_checked_once(cursor, table, columns, rows):
                return
            _copy(cursor, table, columns, rows)
        return
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join([mark] * len(columns))})"
    for start in range(0, len(rows), _BLOCK):
        conn.exec_driver_sql(sql, rows[start : start + _BLOCK])
