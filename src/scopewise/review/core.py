"""ReviewCore: open or create a project, its protocol versions, status and audit."""

from __future__ import annotations

from pathlib import Path
from types import TracebackType
from typing import Any, Self

from sqlalchemy.engine import Connection

from scopewise.errors import ProjectExists, ProtocolError
from scopewise.protocol import SKELETON, Protocol, load_protocol, parse_protocol
from scopewise.review.project import (
    PROTOCOL_NAME,
    ProjectConfig,
    check_new_folder,
    resolve_db_url,
)
from scopewise.review.protocol_names import check_names
from scopewise.store import AuditEvent, ProtocolVersion, Store
from scopewise.store.core import AuditPage
from scopewise.store.screening_state import ScreeningState, ScreeningStateCache
from scopewise.store.screening_stop import latest_stop, still_unscreened
from scopewise.store.snapshot import screening_snapshot
from scopewise.store.status import status_counts
from scopewise.text import name_key

__all__ = ["ReviewCore"]

DEFAULT_ACTOR = "scopewise"


class ReviewCore:
    """One scoping review project: its folder, its database and its protocol.

    Use :meth:`create` or :meth:`open`; close it (or use ``with``) when done.
    """

    def __init__(self, path: Path, store: Store, config: ProjectConfig) -> None:
        self.path = path
        self.store = store
        self.config = config
        self._protocol: Protocol | None = None
        self._screening_states = ScreeningStateCache()

    # -- life cycle ------------------------------------------------------------

    @classmethod
    def create(
        cls,
        folder: str | Path,
        protocol_path: str | Path | None = None,
        db_url: str | None = None,
        author: str = DEFAULT_ACTOR,
    ) -> Self:
        """Create a project in ``folder`` from a protocol file (or the skeleton).

        Raises
        ------
        ProjectExists
            ``folder`` or the database already holds a project.
        ProtocolError
            The protocol file is invalid.
        DatabaseUnreachable
            ``db_url`` is malformed or its server does not answer.
        """
        path = Path(folder)
        check_new_folder(path)
        if protocol_path is not None:
            protocol = load_protocol(protocol_path)
            text = Path(protocol_path).read_text(encoding="utf-8-sig")
        else:
            text = SKELETON
            protocol = parse_protocol(text, "skeleton")
        check_names(text, str(protocol_path or "skeleton"))
        url = resolve_db_url(path, db_url, None)
        created_folder = not path.exists()
        path.mkdir(parents=True, exist_ok=True)
        try:
            store = Store(url)
        except BaseException:
            if created_folder and not any(path.iterdir()):
                path.rmdir()
            raise
        try:
            with store.transaction() as conn:
                store.create_project(conn, protocol.review.title, {"created_with": "scopewise"})
                store.add_protocol_version(
                    conn, text, author, note="registered protocol", registered=True
                )
                for member in protocol.team:
                    store.ensure_user(conn, member.name, member.role, member.email)
                store.audit(
                    conn,
                    author,
                    "project.created",
                    {"title": protocol.review.title, "protocol": str(protocol_path or "skeleton")},
                )
        except ProjectExists:
            store.close()
            raise
        database = "sqlite" if db_url is None and url.startswith("sqlite:") else url
        config = ProjectConfig(name=protocol.review.title, database=database)
        config.write(path)
        (path / PROTOCOL_NAME).write_text(text, encoding="utf-8")
        review = cls(path, store, config)
        review._protocol = protocol
        return review

    @classmethod
    def open(cls, folder: str | Path, db_url: str | None = None) -> Self:
        """Open the project in ``folder``.

        Raises
        ------
        ProjectNotFound
            ``folder`` holds no project.
        DatabaseUnreachable
            The database does not answer.
        """
        path = Path(folder)
        config = ProjectConfig.read(path)
        store = Store(resolve_db_url(path, db_url, config.database))
        if not store.has_project():
            store.close()
            raise ProjectExists(
                f"{path}: its database holds no project (was it created with another --db? "
                f"if the database was emptied, restore the latest backup with "
                f"scopewise restore BACKUP {path} --force)"
            )
        return cls(path, store, config)

    def close(self) -> None:
        """Release the database."""
        self.store.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- protocol --------------------------------------------------------------

    @property
    def protocol(self) -> Protocol:
        """The current protocol (latest stored version)."""
        if self._protocol is None:
            self._protocol = parse_protocol(self.store.current_protocol_text(), "stored protocol")
        return self._protocol

    def team_name(self, name: str) -> str:
        """``name`` as the protocol's team spells it, when exactly one member's name is
        the same apart from case and spacing ("reviewer  a" is "Reviewer A"); else
        ``name`` unchanged (and the checks that follow say who the team is)."""
        found = [m.name for m in self.protocol.team if name_key(m.name) == name_key(name)]
        return found[0] if len(found) == 1 and name not in found else name

    def _screening_state(self, conn: Connection) -> ScreeningState:
        """What screening reads, as the project stands: kept between calls and brought
        up to date with the rows appended since (see :mod:`scopewise.store.screening_state`)."""
        return self._screening_states.read(conn, self.protocol)

    def update_protocol(
        self, source: str | Path | None = None, author: str = DEFAULT_ACTOR, note: str = ""
    ) -> int | None:
        """Record the protocol file (default: ``protocol.toml`` in the folder) as a new version.

        Returns the new version number, or ``None`` when nothing changed. The diff to the
        previous version is stored, so the report can list deviations from the
        registered protocol (PRISMA-ScR item 5).
        """
        path = Path(source) if source is not None else self.path / PROTOCOL_NAME
        protocol = load_protocol(path)
        text = path.read_text(encoding="utf-8-sig")
        check_names(text, str(path))
        if not note.strip():
            raise ProtocolError("give a note saying why the protocol changed", path=str(path))
        with self.store.transaction() as conn:
            version = self.store.add_protocol_version(conn, text, author, note=note)
            if version is not None:
                for member in protocol.team:
                    self.store.ensure_user(conn, member.name, member.role, member.email)
                self.store.audit(
                    conn, author, "protocol.updated", {"version": version, "note": note}
                )
        self._protocol = protocol
        if path != self.path / PROTOCOL_NAME:
            (self.path / PROTOCOL_NAME).write_text(text, encoding="utf-8")
        return version

    def protocol_versions(self) -> list[ProtocolVersion]:
        """Every protocol version, the registered one first."""
        return self.store.protocol_versions()

    def deviations(self) -> list[ProtocolVersion]:
        """Versions after the registered protocol: the deviations to report."""
        return [v for v in self.store.protocol_versions() if not v.registered]

    # -- status and audit ------------------------------------------------------

    def status(self) -> dict[str, Any]:
        """Counts per stage. ``screening.not_screened_after_stop`` counts the records
        left at title/abstract when the lead accepted the stopping rule's stop (and not
        screened since); ``screening.pending_title_abstract`` includes them and
        ``screening.open_title_abstract`` does not."""
        protocol = self.protocol
        with self.store.reading() as conn:
            counts = status_counts(conn)
            snapshot = screening_snapshot(conn, protocol)
            stop = latest_stop(conn)
        screening = snapshot.counts()
        left = 0 if stop is None else len(still_unscreened(stop, snapshot.records))
        screening["not_screened_after_stop"] = left
        screening["open_title_abstract"] = screening["pending_title_abstract"] - left
        counts["screening"] = screening
        counts["protocol_version"] = len(self.store.protocol_versions())
        counts["title"] = self.protocol.review.title
        counts["database"] = self.store.backend
        return counts

    def audit(self, limit: int | None = None) -> list[AuditEvent]:
        """The audit trail, oldest first."""
        return self.store.audit_events(limit)

    def audit_page(self, page: int, per_page: int, action: str | None = None,
                   actor: str | None = None) -> AuditPage:
        """Page ``page`` (from 1) of the audit trail, newest first, ``per_page`` events
        to a page, of one ``action`` or ``actor`` when given."""
        return self.store.audit_page((max(page, 1) - 1) * per_page, per_page, action, actor)
