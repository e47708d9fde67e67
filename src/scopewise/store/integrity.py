"""``scopewise check``: the database's own integrity check and the project's invariants.

- SQLite: ``PRAGMA integrity_check`` (every page, index and constraint) and
  ``PRAGMA foreign_key_check``. A file that is not a database at all is said so.
- PostgreSQL keeps its pages checksummed itself; what applies here is reading every
  row of every project table once (a damaged page fails the read).
- On both: every decision, duplicate member, duplicate group, full text and
  charting entry points to an existing record, every record to its search, each
  search's count matches its records, and the PRISMA flow reconciles.

Every finding is a plain sentence.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from scopewise.analysis.prisma import compute_flow
from scopewise.errors import ReportError
from scopewise.protocol import Protocol
from scopewise.store import schema as t
from scopewise.text import plural

__all__ = ["check_database", "check_project", "check_sqlite_file"]

# Each column that points to a record, and what one row and several rows are called.
_POINTERS = (
    (t.decisions.c.record_id, "screening decision", "screening decisions"),
    (t.duplicate_members.c.record_id, "duplicate group member",
     "duplicate group members"),
    (t.duplicate_groups.c.primary_record_id,
     "duplicate group whose primary record", "duplicate groups whose primary record"),
    (t.full_texts.c.record_id, "full-text entry", "full-text entries"),
    (t.charting_entries.c.record_id, "charting entry", "charting entries"),
)


def check_sqlite_file(path: Path) -> tuple[list[str], bool]:
    """SQLite's own checks on the file, in plain words (empty: all is well), and
    whether the file can be read well enough to check the project's invariants."""
    if not path.exists():
        return [f"{path}: the database file is missing"], False
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
            rows = [str(r[0]) for r in conn.execute("PRAGMA integrity_check").fetchall()]
            fk = conn.execute("PRAGMA foreign_key_check").fetchall()
        conn.close()
    except sqlite3.DatabaseError as exc:
        return [f"{path}: SQLite cannot read the file ({exc}): it was overwritten or cut "
                "short; restore the latest backup"], False
    found = [] if rows == ["ok"] else [
        f"{path}: SQLite's integrity check found damage: {row}" for row in rows[:20]
    ]
    readable = not found
    found += [f"{path}: row {rowid} of table {table} points to a missing row of {parent}"
              for table, rowid, parent, _ in fk[:20]]
    return found, readable


def check_database(engine: Engine) -> list[str]:
    """Read every row of every table once: a value whose bytes changed (text that is no
    longer UTF-8) passes SQLite's integrity check but not this."""
    found = []
    with engine.connect() as conn:
        for table in t.metadata.sorted_tables:
            try:
                conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
                for _ in conn.execute(sa.select(table)).yield_per(5000):
                    pass
            except sa.exc.DBAPIError as exc:
                conn.rollback()
                first = (str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc))[:160]
                found.append(f"table {table.name} cannot be read in full: {first}")
    return found


def _missing(conn: Connection, column: sa.Column[int]) -> tuple[list[int], int]:
    """The records that ``column`` (of its table's rows) points to but do not exist, and
    how many rows point to them."""
    query = (sa.select(column, sa.func.count()).where(~column.in_(sa.select(t.records.c.id)))
             .group_by(column))
    counts = {int(r): int(n) for r, n in conn.execute(query).all()}
    return sorted(counts), sum(counts.values())


def check_project(conn: Connection, protocol: Protocol) -> list[str]:
    """The project's invariants, each broken one a plain sentence."""
    from scopewise.store.flow import flow_data  # the flow reads the whole project

    found: list[str] = []
    for column, one, many in _POINTERS:
        missing, pointing = _missing(conn, column)
        if missing:
            shown = ", ".join(map(str, missing[:10])) + (" ..." if len(missing) > 10 else "")
            what = f"a {one} points" if pointing == 1 else f"{many} point"
            to = "a record that does" if len(missing) == 1 else "records that do"
            found.append(f"{what} to {to} not exist: {shown}")
    orphans = conn.execute(
        sa.select(sa.func.count()).select_from(t.records)
        .where(~t.records.c.search_id.in_(sa.select(t.searches.c.id)))
    ).scalar_one()
    if orphans:
        found.append(f"{plural(orphans, 'record')} {'belongs' if orphans == 1 else 'belong'} "
                     "to no search")
    counted = sa.select(t.records.c.search_id, sa.func.count().label("n")).group_by(
        t.records.c.search_id).subquery()
    rows = conn.execute(
        sa.select(t.searches.c.id, t.searches.c.record_count, counted.c.n)
        .outerjoin(counted, counted.c.search_id == t.searches.c.id)
    ).all()
    for search_id, expected, actual in rows:
        if int(expected or 0) != int(actual or 0):
            brought = plural(int(expected or 0), "record")
            found.append(f"search {search_id} says it brought {brought} but holds "
                         f"{int(actual or 0)}")
    if not found:
        try:
            compute_flow(flow_data(conn, protocol))
        except ReportError as exc:
            found.append(str(exc))
    return found
