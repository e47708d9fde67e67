"""The project store: one database per review, reached through :class:`Store`."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DatabaseError, OperationalError

from scopewise.errors import DatabaseUnreachable, NotFound, ProjectExists, ProjectLocked
from scopewise.protocol import diff_protocols
from scopewise.store import schema as t
from scopewise.store.engine import READ_ONLY, damage, make_engine, migrate

__all__ = ["IN_CHUNK", "AuditEvent", "AuditPage", "ProtocolVersion", "Store", "User", "in_chunks", "now", "utc"]


def now() -> datetime:
    """The current time, timezone-aware (UTC)."""
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class ProtocolVersion:
    """One stored version of the protocol."""

    version: int
    created_at: datetime
    author: str
    toml: str
    diff: str
    note: str
    registered: bool


@dataclass(frozen=True, slots=True)
class User:
    """A person who works on the review."""

    id: int
    name: str
    role: str
    email: str


@dataclass(frozen=True, slots=True)
class AuditEvent:
    """Something that changed the review: who, when, what."""

    id: int
    at: datetime
    actor: str
    action: str
    detail: dict[str, Any]


@dataclass(frozen=True)
class AuditPage:
    """One page of the audit trail, newest first, and what the filters offer."""

    events: list[AuditEvent]
    total: int
    actions: dict[str, int]
    actors: dict[str, int]


def _audit_event(row: Any) -> AuditEvent:
    return AuditEvent(id=row["id"], at=utc(row["at"]), actor=row["actor"], action=row["action"],
                      detail=row["detail"])


IN_CHUNK = 500
"""Ids per ``IN (...)`` list: well under SQLite's limit on bound parameters."""


def in_chunks(ids: Iterable[int], size: int = IN_CHUNK) -> Iterator[list[int]]:
    """``ids`` in lists of at most ``size``, in order, for ``IN (...)`` clauses."""
    values = list(ids)
    for start in range(0, len(values), size):
        yield values[start : start + size]


def utc(value: datetime) -> datetime:
    """``value`` as UTC: SQLite hands back naive datetimes; everything stored is UTC."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)


class Store:
    """Access to one project's database.

    Parameters
    ----------
    url:
        SQLAlchemy URL (``sqlite:///...`` or ``postgresql+psycopg://...``).
    """

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine: Engine = make_engine(url)
        self.backend: str = self.engine.dialect.name
        # SQLite lets one writer in at a time and makes the others poll, sleeping up to
        # 100 ms between tries; a busy web server's threads queue here instead and go
        # in as soon as the writer before them commits (other processes still poll).
        self._writer = threading.RLock() if self.backend == "sqlite" else None
        try:
            migrate(self.engine)
        except DatabaseError as exc:
            self.engine.dispose()
            damaged = damage(url, exc)
            if damaged is not None:
                raise damaged from None
            if not isinstance(exc, OperationalError):
                raise
            if "locked" in str(exc).lower():
                raise ProjectLocked(
                    "the project database is locked by another process; try again shortly"
                ) from None
            raise DatabaseUnreachable(f"cannot prepare the database: {exc.orig}") from None

    def close(self) -> None:
        """Release every connection."""
        self.engine.dispose()

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """A connection inside one transaction: committed on success, rolled back on error."""
        try:
            with ExitStack() as stack:
                if self._writer is not None:
                    stack.enter_context(self._writer)
                conn = stack.enter_context(self.engine.begin())
                yield conn
        except DatabaseError as exc:
            damaged = damage(self.url, exc)
            if damaged is not None:
                raise damaged from None
            text = str(exc).lower()
            if isinstance(exc, OperationalError) and (
                "locked" in text or "could not obtain lock" in text
            ):
                raise ProjectLocked(
                    "the project is busy with another write that did not finish in 30 s; "
                    "try again when it is done"
                ) from None
            raise

    @contextmanager
    def reading(self) -> Iterator[Connection]:
        """A connection for reads (no transaction is committed)."""
        try:
            with self.engine.connect() as conn:
                conn.execution_options(**{READ_ONLY: True})
                yield conn
        except DatabaseError as exc:
            damaged = damage(self.url, exc)
            if damaged is not None:
                raise damaged from None
            raise

    # -- project ---------------------------------------------------------------

    def has_project(self) -> bool:
        """Whether this database already holds a project."""
        with self.reading() as conn:
            return conn.execute(sa.select(sa.func.count()).select_from(t.project)).scalar_one() > 0

    def create_project(self, conn: Connection, name: str, settings: dict[str, Any]) -> None:
        """Insert the project row; a database holds one project."""
        count = conn.execute(sa.select(sa.func.count()).select_from(t.project)).scalar_one()
        if count:
            raise ProjectExists(
                "this database already holds a scopewise project; use a fresh database or schema"
            )
        conn.execute(t.project.insert().values(name=name, created_at=now(), settings=settings))

    def project_info(self) -> dict[str, Any]:
        """Name, creation time and settings of the project."""
        with self.reading() as conn:
            row = conn.execute(sa.select(t.project)).mappings().first()
        if row is None:
            raise NotFound("the database holds no scopewise project; run scopewise init first")
        return {
            "name": row["name"],
            "created_at": utc(row["created_at"]),
            "settings": row["settings"],
        }

    # -- audit -----------------------------------------------------------------

    def audit(self, conn: Connection, actor: str, action: str, detail: dict[str, Any]) -> None:
        """Append an audit event inside the caller's transaction."""
        conn.execute(
            t.audit_events.insert(),
            {"at": now(), "actor": actor, "action": action, "detail": detail},
        )

    def audit_events(self, limit: int | None = None) -> list[AuditEvent]:
        """Audit events, oldest first (the last ``limit`` when given)."""
        query = sa.select(t.audit_events).order_by(t.audit_events.c.id.desc())
        if limit is not None:
            query = query.limit(limit)
        with self.reading() as conn:
            rows = conn.execute(query).mappings().all()
        return [_audit_event(r) for r in reversed(rows)]

    def audit_page(
        self, offset: int, limit: int, action: str | None = None, actor: str | None = None
    ) -> AuditPage:
        """Newest first, ``limit`` audit events from ``offset`` on, of one ``action`` or
        ``actor`` when given; with how many match and every action and actor there is
        (how many events each), for the filters."""
        e = t.audit_events
        where = [c == v for c, v in ((e.c.action, action), (e.c.actor, actor)) if v]
        with self.reading() as conn:
            rows = conn.execute(sa.select(e).where(*where).order_by(e.c.id.desc())
                                .offset(offset).limit(limit)).mappings().all()
            total = conn.execute(sa.select(sa.func.count()).select_from(e).where(*where)).scalar_one()
            facets = [conn.execute(sa.select(c, sa.func.count()).group_by(c).order_by(c)).all()
                      for c in (e.c.action, e.c.actor)]
        return AuditPage([_audit_event(r) for r in rows], total,
                         {a: n for a, n in facets[0]}, {a: n for a, n in facets[1]})

    # -- users -----------------------------------------------------------------

    def ensure_user(
        self, conn: Connection, name: str, role: str = "reviewer", email: str = ""
    ) -> int:
        """The id of the user called ``name``, created with ``role`` if new."""
        found = conn.execute(sa.select(t.users.c.id).where(t.users.c.name == name)).scalar()
        if found is not None:
            return int(found)
        result = conn.execute(
            t.users.insert().values(name=name, role=role, email=email, created_at=now())
        )
        pk = result.inserted_primary_key
        assert pk is not None
        return int(pk[0])

    def users(self) -> list[User]:
        """Everyone on the review."""
        with self.reading() as conn:
            rows = conn.execute(sa.select(t.users).order_by(t.users.c.id)).mappings().all()
        return [User(id=r["id"], name=r["name"], role=r["role"], email=r["email"]) for r in rows]

    # -- protocol versions -------------------------------------------------------

    def add_protocol_version(
        self, conn: Connection, toml: str, author: str, note: str = "", registered: bool = False
    ) -> int | None:
        """Store a new protocol version with its diff; ``None`` if nothing changed."""
        last = conn.execute(
            sa.select(t.protocol_versions.c.version, t.protocol_versions.c.toml)
            .order_by(t.protocol_versions.c.version.desc())
            .limit(1)
        ).first()
        if last is not None and last.toml == toml:
            return None
        version = 1 if last is None else last.version + 1
        diff = (
            ""
            if last is None
            else diff_protocols(
                last.toml, toml, f"protocol v{last.version}", f"protocol v{version}"
            )
        )
        conn.execute(
            t.protocol_versions.insert().values(
                version=version,
                created_at=now(),
                author=author,
                toml=toml,
                diff=diff,
                note=note,
                registered=registered,
            )
        )
        return version

    def protocol_versions(self) -> list[ProtocolVersion]:
        """Every stored protocol version, oldest first."""
        with self.reading() as conn:
            rows = (
                conn.execute(sa.select(t.protocol_versions).order_by(t.protocol_versions.c.version))
                .mappings()
                .all()
            )
        return [
            ProtocolVersion(
                version=r["version"],
                created_at=utc(r["created_at"]),
                author=r["author"],
                toml=r["toml"],
                diff=r["diff"],
                note=r["note"],
                registered=bool(r["registered"]),
            )
            for r in rows
        ]

    def current_protocol_text(self) -> str:
        """The latest protocol version's TOML."""
        with self.reading() as conn:
            text = conn.execute(
                sa.select(t.protocol_versions.c.toml)
                .order_by(t.protocol_versions.c.version.desc())
                .limit(1)
            ).scalar()
        if text is None:
            raise NotFound("the project has no protocol; run scopewise init again")
        return str(text)

    # -- counts ----------------------------------------------------------------

    def count(self, table: sa.Table, *where: Any) -> int:
        """Rows of ``table`` matching ``where``."""
        query = sa.select(sa.func.count()).select_from(table)
        for clause in where:
            query = query.where(clause)
        with self.reading() as conn:
            return int(conn.execute(query).scalar_one())
