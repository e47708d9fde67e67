"""One exception hierarchy for everything a user can cause.

Every error a user can cause derives from :class:`ScopewiseError`. The CLI prints
``str(error)`` as one line on stderr and exits with code 2; anything else is a bug
and keeps its traceback.
"""

from __future__ import annotations

__all__ = [
    "AccountError",
    "ChartingError",
    "ConnectorError",
    "DatabaseDamaged",
    "DatabaseUnreachable",
    "DuplicateImport",
    "ImportFormatError",
    "LoginThrottled",
    "NotFound",
    "ProjectExists",
    "ProjectLocked",
    "ProjectNotFound",
    "ProtocolError",
    "ReportError",
    "ScopewiseError",
    "ScreeningError",
    "UsageError",
]


class ScopewiseError(Exception):
    """Base class: a problem the user can fix, explained in one line."""

    exit_code = 2


class UsageError(ScopewiseError):
    """A command was called with arguments that cannot work together."""


class ProtocolError(ScopewiseError):
    """The protocol file is invalid.

    Parameters
    ----------
    message:
        What is wrong and what to do.
    path:
        The protocol file.
    line:
        1-based line of the offending value, when it can be located.
    field:
        Dotted path of the offending field, e.g. ``review.title``.
    """

    def __init__(
        self,
        message: str,
        *,
        path: str | None = None,
        line: int | None = None,
        field: str | None = None,
    ) -> None:
        self.path = path
        self.line = line
        self.field = field
        self.detail = message
        where = path or "protocol"
        if line is not None:
            where = f"{where}:{line}"
        prefix = f"{where}: " + (f"{field}: " if field else "")
        super().__init__(prefix + message)


class ProjectNotFound(ScopewiseError):
    """No scopewise project at the given folder."""


class ProjectExists(ScopewiseError):
    """A project already exists where a new one was to be created."""


class ProjectLocked(ScopewiseError):
    """Another process holds the project for a write that cannot wait."""


class DatabaseUnreachable(ScopewiseError):
    """The database URL is malformed or its server does not answer."""


class DatabaseDamaged(ScopewiseError):
    """The project database is damaged on disk (truncated, overwritten, malformed)."""


class NotFound(ScopewiseError):
    """A record, reviewer, search or other named thing does not exist."""


class ImportFormatError(ScopewiseError):
    """A file could not be read as bibliographic records.

    Parameters
    ----------
    message:
        What is wrong.
    path:
        The file.
    line:
        1-based line, when known.
    record:
        1-based record number in the file, when known.
    """

    def __init__(
        self,
        message: str,
        *,
        path: str | None = None,
        line: int | None = None,
        record: int | None = None,
    ) -> None:
        self.path = path
        self.line = line
        self.record = record
        self.detail = message
        where = path or "input"
        if line is not None:
            where = f"{where}:{line}"
        if record is not None:
            where = f"{where} (record {record})"
        super().__init__(f"{where}: {message}")


class DuplicateImport(ScopewiseError):
    """The same file (same sha256) was already imported into this project."""


class ConnectorError(ScopewiseError):
    """An online search failed: offline, rate limited past retries, or a bad answer."""


class ScreeningError(ScopewiseError):
    """A screening action that the protocol or the state of the review does not allow."""


class ReportError(ScopewiseError):
    """The report cannot be produced, e.g. a PRISMA flow invariant is broken."""


class AccountError(ScopewiseError):
    """A sign-in, account or permission problem in the web app or ``scopewise user``."""


class LoginThrottled(AccountError):
    """Too many failed sign-ins for an account or from an address; try again later."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class ChartingError(ScopewiseError):
    """A charting value, sheet or form change that cannot be accepted.

    The message names the record, the field and the value (and, for a sheet, the
    file and line), and says what is allowed.
    """
