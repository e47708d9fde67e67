"""Engines, connection settings and migrations for SQLite and PostgreSQL."""

from __future__ import annotations

import ast
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ArgumentError, DatabaseError, OperationalError

from scopewise.errors import DatabaseDamaged, DatabaseUnreachable, ProjectLocked

if TYPE_CHECKING:  # alembic takes ~0.3 s to import: only when a database needs migrating
    from alembic.config import Config

__all__ = [
    "current_revisions",
    "damage",
    "head_revisions",
    "make_engine",
    "migrate",
    "script_heads",
    "sqlite_url",
]

MIGRATIONS = Path(__file__).parent / "migrations"
SUPPORTED = ("sqlite", "postgresql")
# Execution option marking a connection that only reads.
READ_ONLY = "scopewise_read_only"


def sqlite_url(path: Path) -> str:
    """The SQLAlchemy URL of a SQLite file."""
    return f"sqlite:///{path.resolve()}"


_DAMAGE_MARKERS = ("malformed", "not a database", "file is encrypted", "database corrupt",
                   "could not decode to utf-8")  # bytes changed inside a text value


def damage(url: str, exc: BaseException) -> DatabaseDamaged | None:
    """The one-line error for a database damaged on disk, or ``None`` when ``exc`` is
    something else (a lock, a lost server, a bug)."""
    if not isinstance(exc, DatabaseError):
        return None
    text = str(exc.orig if exc.orig is not None else exc).strip().splitlines()[0][:160]
    if not any(marker in text.lower() for marker in _DAMAGE_MARKERS):
        return None
    where, folder = _describe(url), "DIR"
    try:
        parsed = make_url(url)
        if parsed.get_backend_name() == "sqlite" and parsed.database:
            where, folder = parsed.database, str(Path(parsed.database).parent)
    except ArgumentError:
        pass
    return DatabaseDamaged(
        f"{where}: the project database is damaged ({text}); see what is wrong with "
        f"scopewise check {folder}, then restore the latest backup with "
        f"scopewise restore BACKUP {folder} --force"
    )


def _describe(url: str) -> str:
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return url


def make_engine(url: str) -> Engine:
    """Create an engine for ``url`` and check that the database answers.

    SQLite gets WAL journaling, foreign keys and a busy timeout so that two
    reviewers writing at once wait for each other instead of failing.

    Raises
    ------
    DatabaseUnreachable
        The URL is malformed, names an unsupported backend, or the server does not answer.
    """
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise DatabaseUnreachable(
            f"not a database URL: {url!r}; use e.g. postgresql+psycopg://user@host/db"
        ) from None
    backend = parsed.get_backend_name()
    if backend not in SUPPORTED:
        raise DatabaseUnreachable(
            f"unsupported database {backend!r} in {_describe(url)}; use sqlite or postgresql"
        )
    kwargs: dict[str, Any] = {"future": True}
    # How long a writer waits for another before giving up (two reviewers at once).
    busy_ms = int(os.environ.get("SCOPEWISE_BUSY_TIMEOUT_MS", "30000"))
    if backend == "postgresql":
        if parsed.drivername == "postgresql":
            parsed = parsed.set(drivername="postgresql+psycopg")
        kwargs["pool_pre_ping"] = True
        kwargs["connect_args"] = {"connect_timeout": 5}
    else:
        kwargs["connect_args"] = {"timeout": busy_ms / 1000}
    try:
        engine = sa.create_engine(parsed, **kwargs)
    except (ArgumentError, ImportError) as exc:
        raise DatabaseUnreachable(f"cannot use {_describe(url)}: {exc}") from None

    if backend == "sqlite":

        @sa.event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            # pysqlite's own transaction handling defers BEGIN; we issue BEGIN
            # ourselves (below) so writes take the lock up front and a busy
            # database waits instead of failing mid-transaction.
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            # 8 KiB pages for a new database (before WAL is on; an existing file keeps
            # its size): a record with its raw fields is 2-5 KiB, and larger pages
            # mean fewer overflow pages and about a third less CPU per insert.
            cursor.execute("PRAGMA page_size=8192")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute(f"PRAGMA busy_timeout={busy_ms}")
            cursor.execute("PRAGMA synchronous=NORMAL")
            # A 64 MiB page cache (allocated as used): indexes of a large import stay
            # in memory instead of being written out and read back.
            cursor.execute("PRAGMA cache_size=-65536")
            cursor.close()

        @sa.event.listens_for(engine, "begin")
        def _sqlite_begin(conn: Any) -> None:
            # Readers take no write lock; writers take it at BEGIN.
            if conn.get_execution_options().get(READ_ONLY):
                conn.exec_driver_sql("BEGIN")
            else:
                conn.exec_driver_sql("BEGIN IMMEDIATE")

    try:
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
    except DatabaseError as exc:
        engine.dispose()
        damaged = damage(url, exc)
        if damaged is not None:
            raise damaged from None
        if not isinstance(exc, OperationalError):
            raise
        engine.dispose()
        if "locked" in str(exc).lower():
            raise ProjectLocked(
                f"{_describe(url)} is locked by another process; try again when it finishes"
            ) from None
        first = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        raise DatabaseUnreachable(f"cannot reach {_describe(url)}: {first}") from None
    return engine


def _config(connection: sa.Connection) -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = connection
    return cfg


def head_revisions() -> set[str]:
    """The revisions at the heads of the migration scripts, as alembic reads them."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return set(ScriptDirectory.from_config(cfg).get_heads())


def script_heads() -> set[str]:
    """The same heads read from the scripts' ``revision`` and ``down_revision`` lines,
    without importing alembic (every command opens the store; most need no migration)."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for script in (MIGRATIONS / "versions").glob("*.py"):
        for node in ast.parse(script.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.Assign) and len(node.targets) == 1:
                target = node.targets[0]
            elif isinstance(node, ast.AnnAssign):
                target = node.target
            else:
                continue
            if not isinstance(target, ast.Name) or node.value is None:
                continue
            if target.id == "revision":
                revisions.add(str(ast.literal_eval(node.value)))
            elif target.id == "down_revision":
                down = ast.literal_eval(node.value)
                parents.update([down] if isinstance(down, str) else list(down or ()))
    return revisions - parents


def current_revisions(engine: Engine) -> set[str]:
    """The revisions the database is at (empty for a fresh database)."""
    with engine.connect() as conn:
        if not sa.inspect(conn).has_table("alembic_version"):
            return set()
        rows = conn.execute(sa.text("SELECT version_num FROM alembic_version"))
        return {str(r) for r in rows.scalars()}


def migrate(engine: Engine, target: str = "heads") -> None:
    """Upgrade the database to ``target`` (all heads by default) in one transaction."""
    if target == "heads" and current_revisions(engine) == script_heads():
        return
    from alembic import command

    with engine.begin() as conn:
        command.upgrade(_config(conn), target)


def downgrade(engine: Engine, target: str) -> None:
    """Downgrade the database to ``target`` (used by the migration tests)."""
    from alembic import command

    with engine.begin() as conn:
        command.downgrade(_config(conn), target)
