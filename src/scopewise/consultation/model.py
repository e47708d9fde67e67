"""The consultation's vocabulary: participants, notes (sessions), excerpts, stances.

A participant is a pseudonym code and a stakeholder group, nothing else: the store
keeps no name, e-mail or other link back to the person, so a leaked database names
nobody. The rows are mapped to these frozen values in ``store/`` only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from scopewise.errors import UsageError
from scopewise.text import name_key

__all__ = [
    "STANCES",
    "ConsultationError",
    "Excerpt",
    "NoteInfo",
    "Participant",
    "ThemeStance",
    "check_code",
    "check_date",
    "check_stance",
]


class ConsultationError(UsageError):
    """A consultation input the user can fix. ``str()`` says it in plain words (as
    the web app shows it); ``cli`` says it in the command line's options."""

    def __init__(self, message: str, cli: str | None = None) -> None:
        super().__init__(message)
        self.cli = cli or message

#: What the consultation did to a theme, as the lead records it.
STANCES = ("supported", "added to", "questioned")

_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,19}$")


@dataclass(frozen=True, slots=True)
class Participant:
    """A stakeholder, known only by a pseudonym code and a group."""

    code: str
    group: str


@dataclass(frozen=True, slots=True)
class NoteInfo:
    """One consultation session's notes, described without their text."""

    id: int
    participant: str
    group: str
    held_on: str | None
    words: int
    excerpts: int
    purged: bool
    imported_at: datetime


@dataclass(frozen=True, slots=True)
class Excerpt:
    """A span of a note coded to a theme (the span points into the stored note)."""

    id: int
    note_id: int
    participant: str
    group: str
    theme: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class ThemeStance:
    """The lead's latest word on a theme: the stance and a summary in their own words."""

    theme: str
    stance: str
    summary: str
    reviewer: str
    recorded_at: datetime


def check_code(code: str) -> str:
    """A participant's pseudonym code, checked.

    A code has at least one digit (``P01``, ``FPW-3``), so a first name or a
    surname is never stored as one.

    Raises
    ------
    UsageError
        The code is not of that shape.
    """
    code = code.strip()
    if not _CODE.match(code) or not any(c.isdigit() for c in code):
        raise UsageError(
            f"participant code {code!r} is not a pseudonym code: use 1-20 letters, digits, "
            "'-' or '_' with at least one digit, e.g. P01 (never a name)"
        )
    return code


def check_date(value: str | None) -> str | None:
    """A session date as ``YYYY-MM-DD`` (``None`` stays ``None``).

    Raises
    ------
    UsageError
        Not a real calendar date.
    """
    if value is None or not value.strip():
        return None
    try:
        return date.fromisoformat(value.strip()).isoformat()
    except ValueError:
        raise UsageError(f"session date {value!r} is not a date YYYY-MM-DD") from None


def check_stance(value: str) -> str:
    """One of :data:`STANCES` (``added-to`` and ``added_to`` read as ``added to``).

    Raises
    ------
    UsageError
        Any other word, with the allowed ones named.
    """
    wanted = name_key(value.replace("-", " ").replace("_", " "))
    if wanted not in STANCES:
        raise UsageError(
            f"stance {value!r} is not one of: {', '.join(STANCES)}"
        )
    return wanted
