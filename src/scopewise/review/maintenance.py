"""Checking, backing up and restoring a project: work on the database as a whole.

These are functions of a project folder rather than methods of an open
:class:`~scopewise.review.Review`, because a damaged database cannot be opened as
a review: ``check`` must still say what is wrong, and ``restore`` must still put a
backup in its place.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa

from scopewise.errors import DatabaseDamaged, ProjectNotFound, ScopewiseError
from scopewise.protocol import parse_protocol
from scopewise.review.project import (
    DB_NAME,
    PROTOCOL_NAME,
    ProjectConfig,
    resolve_db_url,
)
from scopewise.store import Store
from scopewise.store.backup import backup_database, backup_sqlite_file, restore_database
from scopewise.store.integrity import check_database, check_project, check_sqlite_file

__all__ = ["CheckResult", "backup_project", "check_project_folder", "restore_project"]


@dataclass
class CheckResult:
    """What ``scopewise check`` looked at and what it found (plain sentences)."""

    checked: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Whether nothing is wrong."""
        return not self.problems


def _url(folder: Path, db_url: str | None) -> str:
    config = ProjectConfig.read(folder)
    return resolve_db_url(folder, db_url, config.database)


def check_project_folder(folder: str | Path, db_url: str | None = None) -> CheckResult:
    """The database's own integrity check, then the project's invariants."""
    path = Path(folder)
    url = _url(path, db_url)
    result = CheckResult()
    if url.startswith("sqlite"):
        file = Path(sa.engine.make_url(url).database or path / DB_NAME)
        result.checked.append(f"SQLite integrity check of {file}")
        found, readable = check_sqlite_file(file)
        result.problems += found
        if not readable:
            return result
    try:
        store = Store(url)
    except DatabaseDamaged as exc:
        result.problems.append(str(exc))
        return result
    try:
        # SQLite's own check does not see bytes changed inside a value; reading does
        result.checked.append("every row of every table read once")
        result.problems += check_database(store.engine)
        protocol = parse_protocol(store.current_protocol_text(), "stored protocol")
        result.checked.append("records behind every decision, duplicate, full text and "
                              "charting entry; search counts; the PRISMA flow")
        with store.reading() as conn:
            result.problems += check_project(conn, protocol)
    except ScopewiseError as exc:
        result.problems.append(str(exc))
    finally:
        store.close()
    return result


def backup_project(folder: str | Path, output: str | Path,
                   db_url: str | None = None) -> dict[str, int]:
    """Write a consistent copy of the project's database to ``output`` (a SQLite file,
    whatever the backend); returns rows per table."""
    path = Path(folder)
    url = _url(path, db_url)
    if url.startswith("sqlite"):
        # No Store: opening one waits for a writer's lock, and the online backup
        # API reads the committed state while writers carry on.
        file = Path(sa.engine.make_url(url).database or path / DB_NAME)
        if not file.is_file():
            raise DatabaseDamaged(f"{file}: the project database is missing; restore a backup "
                                  f"with scopewise restore BACKUP {path}")
        return backup_sqlite_file(file, Path(output))
    store = Store(url)
    try:
        return backup_database(store.engine, Path(output))
    finally:
        store.close()


def restore_project(backup: str | Path, folder: str | Path, db_url: str | None = None,
                    force: bool = False) -> dict[str, int]:
    """Put a backup in place as the project's database; returns rows per table.

    ``folder`` may be new: it then gets its ``scopewise.toml`` and ``protocol.toml``
    (the latest protocol version in the backup). An existing database is replaced
    only with ``force`` (a SQLite file is kept beside it as ``project.db.damaged-N``).
    """
    path = Path(folder)
    try:
        config: ProjectConfig | None = ProjectConfig.read(path)
    except ProjectNotFound:
        config = None
    url = resolve_db_url(path, db_url, config.database if config else None)
    path.mkdir(parents=True, exist_ok=True)
    counts = restore_database(Path(backup), url, replace=force)
    if config is None:
        name, protocol = _project_text(Path(backup))
        database = "sqlite" if db_url is None and url.startswith("sqlite:") else url
        ProjectConfig(name=name, database=database).write(path)
        (path / PROTOCOL_NAME).write_text(protocol, encoding="utf-8")
    return counts


def _project_text(backup: Path) -> tuple[str, str]:
    with sqlite3.connect(f"file:{backup.resolve()}?mode=ro", uri=True) as conn:
        name = conn.execute("SELECT name FROM project").fetchone()[0]
        text = conn.execute(
            "SELECT toml FROM protocol_versions ORDER BY version DESC LIMIT 1").fetchone()[0]
    conn.close()
    parse_protocol(text, "protocol in the backup")
    return str(name), str(text)
