"""Backups of a project database, and restoring one.

A backup is always a SQLite file holding every table, whichever the backend:

- SQLite: SQLite's online backup API copies the database page by page while other
  processes keep reading and writing; the copy is one consistent state.
- PostgreSQL: every table is read in one ``REPEATABLE READ, READ ONLY`` transaction
  (one snapshot, as ``pg_dump`` takes it) and written to a fresh SQLite file. This
  is the documented equivalent of ``pg_dump``: it needs no client tools of the
  server's version, and the backup restores into either backend.

Restoring copies the backup's rows into the project's database (migrated to the
current schema first); PostgreSQL sequences are then set past the highest ids.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import tempfile
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from scopewise.errors import DatabaseDamaged, UsageError
from scopewise.store import schema as t
from scopewise.store.engine import make_engine, migrate, sqlite_url

__all__ = ["backup_database", "backup_sqlite_file", "restore_database", "table_rows"]

_BATCH = 5000


def _sqlite_path(engine: Engine) -> Path | None:
    if engine.dialect.name != "sqlite" or not engine.url.database:
        return None
    return Path(engine.url.database)


def _copy_tables(source: Engine, target: Engine, clear: bool = False) -> dict[str, int]:
    """Copy every table's rows from ``source`` (one snapshot) into ``target``, in one
    transaction that first empties the target's tables when ``clear``."""
    counts: dict[str, int] = {}
    with source.connect() as read:
        if source.dialect.name == "postgresql":
            read = read.execution_options(isolation_level="REPEATABLE READ")
            read.exec_driver_sql("SET TRANSACTION READ ONLY")
        with target.begin() as write:
            if clear:
                for table in reversed(t.metadata.sorted_tables):
                    write.execute(table.delete())
            for table in t.metadata.sorted_tables:
                result = read.execution_options(stream_results=True).execute(sa.select(table))
                counts[table.name] = 0
                while rows := result.mappings().fetchmany(_BATCH):
                    write.execute(table.insert(), [dict(r) for r in rows])
                    counts[table.name] += len(rows)
            versions = read.exec_driver_sql("SELECT version_num FROM alembic_version").all()
            write.exec_driver_sql("DELETE FROM alembic_version")
            for (version,) in versions:
                write.execute(sa.text("INSERT INTO alembic_version (version_num) VALUES (:v)"),
                              {"v": version})
        read.rollback()
    return counts


def backup_sqlite_file(path: Path, output: Path) -> dict[str, int]:
    """Back up a SQLite project file with the online backup API (see :func:`backup_database`)."""
    engine = sa.create_engine(sqlite_url(path))
    try:
        return backup_database(engine, output)
    finally:
        engine.dispose()


def backup_database(engine: Engine, output: Path) -> dict[str, int]:
    """Write a consistent copy of the database to ``output`` (a SQLite file).

    Returns the rows per table in the copy. The file is written beside ``output``
    and renamed into place, so a failed backup leaves no half-written file.
    """
    output = output.resolve()
    if output.exists() and output.is_dir():
        raise UsageError(f"{output} is a folder; give the backup file's name with -o")
    partial = output.with_name(f".{output.name}.part")
    partial.unlink(missing_ok=True)
    try:
        source = _sqlite_path(engine)
        if source is not None:
            with sqlite3.connect(source) as src, sqlite3.connect(partial) as dst:
                src.backup(dst)  # the online backup API: one consistent state
            src.close()
            dst.close()
            counts = table_rows(partial)
        else:
            target = make_engine(sqlite_url(partial))
            try:
                migrate(target)
                counts = _copy_tables(engine, target)
            finally:
                target.dispose()
        os.replace(partial, output)
    except sqlite3.DatabaseError as exc:
        partial.unlink(missing_ok=True)
        raise DatabaseDamaged(
            f"{source}: cannot back up a damaged database ({exc}); restore an earlier backup"
        ) from None
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return counts


def table_rows(path: Path) -> dict[str, int]:
    """Rows per project table in a SQLite file (a backup)."""
    engine = make_engine(sqlite_url(path))
    try:
        with engine.connect() as conn:
            names = set(sa.inspect(conn).get_table_names())
            return {
                table.name: int(conn.execute(
                    sa.select(sa.func.count()).select_from(table)).scalar_one())
                for table in t.metadata.sorted_tables if table.name in names
            }
    finally:
        engine.dispose()


def _damaged(backup: Path, why: object) -> UsageError:
    return UsageError(f"{backup}: the backup itself is damaged ({str(why)[:120]}); "
                      "restore an earlier backup")


def _check_backup(backup: Path) -> None:
    """A scopewise backup whose every row can be read.

    SQLite's quick check sees broken pages, not bytes changed inside a value; reading
    every row does (text that is no longer UTF-8), before anything is replaced.
    """
    try:
        conn = sqlite3.connect(f"file:{backup}?mode=ro", uri=True)
    except sqlite3.DatabaseError as exc:
        raise UsageError(f"{backup}: not a scopewise backup ({exc})") from None
    try:
        # the check's own message may quote damaged bytes
        conn.text_factory = lambda raw: raw.decode("utf-8", "replace")
        try:
            found = conn.execute(
                "SELECT count(*) FROM sqlite_master WHERE name = 'project'").fetchone()[0]
            status = conn.execute("PRAGMA quick_check").fetchone()[0]
        except (sqlite3.DatabaseError, UnicodeDecodeError) as exc:
            raise UsageError(f"{backup}: not a scopewise backup ({exc})") from None
        if not found:
            raise UsageError(f"{backup}: not a scopewise backup (no project table)")
        if status != "ok":
            raise _damaged(backup, status)
        conn.text_factory = str
        try:
            tables = [row[0] for row in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table'")]
            for name in tables:
                quoted = '"' + name.replace('"', '""') + '"'
                for _row in conn.execute(f"SELECT * FROM {quoted}"):
                    pass
        except (sqlite3.DatabaseError, UnicodeDecodeError) as exc:  # names: strict UTF-8
            raise _damaged(backup, exc) from None
    finally:
        conn.close()


def _check_schema(backup: Path, engine: Engine) -> None:
    """Every table and column the project's schema has (after migration), or an error:
    a backup whose schema text was damaged can pass every other check."""
    inspector = sa.inspect(engine)
    names = set(inspector.get_table_names())
    for table in t.metadata.sorted_tables:
        if table.name not in names:
            raise _damaged(backup, f"no table {table.name}")
        have = {c["name"] for c in inspector.get_columns(table.name)}
        missing = [c.name for c in table.columns if c.name not in have]
        if missing:
            raise _damaged(backup, f"table {table.name} has no column {missing[0]}")


def restore_database(backup: Path, target_url: str, replace: bool) -> dict[str, int]:
    """Copy a backup into the database at ``target_url``; returns rows per table.

    A SQLite target file is replaced whole (the old one kept beside it as
    ``*.damaged-N`` when ``replace``); a PostgreSQL target must hold no project, or
    ``replace`` empties it first, in the same transaction as the copy.
    """
    backup = backup.resolve()
    if not backup.is_file():
        raise UsageError(f"{backup}: no such backup file")
    _check_backup(backup)
    with tempfile.TemporaryDirectory(prefix="scopewise-restore-") as tmp:
        work = Path(tmp) / "backup.db"
        shutil.copyfile(backup, work)
        source = make_engine(sqlite_url(work))
        try:
            try:
                migrate(source)  # an older backup comes up to the current schema
                _check_schema(backup, source)
            except (sqlite3.DatabaseError, sa.exc.DBAPIError, UnicodeDecodeError) as exc:
                raise _damaged(backup, getattr(exc, "orig", exc)) from None
            if target_url.startswith("sqlite"):
                return _restore_sqlite(source, work, target_url, replace)
            return _restore_other(source, target_url, replace)
        finally:
            source.dispose()


def _restore_sqlite(source: Engine, work: Path, target_url: str, replace: bool) -> dict[str, int]:
    path = Path(sa.engine.make_url(target_url).database or "")
    if path.exists():
        if not replace:
            raise UsageError(
                f"{path} exists; give --force to replace it (it is kept beside the "
                "restored one)"
            )
        n = 1
        while path.with_name(f"{path.name}.damaged-{n}").exists():
            n += 1
        path.rename(path.with_name(f"{path.name}.damaged-{n}"))
        for suffix in ("-wal", "-shm"):
            side = path.with_name(path.name + suffix)
            if side.exists():
                side.rename(path.with_name(f"{path.name}.damaged-{n}{suffix}"))
    source.dispose()
    with sqlite3.connect(work) as src, sqlite3.connect(path) as dst:
        src.backup(dst)
    src.close()
    dst.close()
    return table_rows(path)


def _restore_other(source: Engine, target_url: str, replace: bool) -> dict[str, int]:
    target = make_engine(target_url)
    try:
        migrate(target)
        with target.connect() as conn:
            held = conn.execute(sa.select(sa.func.count()).select_from(t.project)).scalar_one()
        if held and not replace:
            raise UsageError(
                "the target database already holds a project; give --force to replace it"
            )
        counts = _copy_tables(source, target, clear=True)
        with target.begin() as conn:
            for table in t.metadata.sorted_tables:
                if "id" in table.c and isinstance(table.c.id.type, sa.Integer):
                    conn.execute(sa.text(
                        f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                        f"COALESCE((SELECT MAX(id) FROM {table.name}), 0) + 1, false)"
                    ))
        return counts
    finally:
        target.dispose()
