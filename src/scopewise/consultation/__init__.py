"""Stakeholder consultation: pseudonymised participants, session notes, excerpts coded
to the review's themes, the lead's stance per theme, and the quote policy.

Pure: no SQL, no CLI. The store keeps the rows; :func:`consultation_report` is the
one filter between the notes and anything that leaves the project.
"""

from __future__ import annotations

from scopewise.consultation.coding import check_theme, locate_span
from scopewise.consultation.guard import check_summary
from scopewise.consultation.model import (
    STANCES,
    Excerpt,
    NoteInfo,
    Participant,
    ThemeStance,
    check_code,
    check_date,
    check_stance,
)
from scopewise.consultation.notes import MAX_NOTE_BYTES, NOTE_SUFFIXES, read_note
from scopewise.consultation.report import (
    ActiveItem,
    ConsultationReport,
    Gripp2Item,
    GroupCount,
    ParticipantRow,
    Quotation,
    ThemeFinding,
    consultation_report,
)

__all__ = [
    "MAX_NOTE_BYTES",
    "NOTE_SUFFIXES",
    "STANCES",
    "ActiveItem",
    "ConsultationReport",
    "Excerpt",
    "Gripp2Item",
    "GroupCount",
    "NoteInfo",
    "Participant",
    "ParticipantRow",
    "Quotation",
    "ThemeFinding",
    "ThemeStance",
    "check_code",
    "check_date",
    "check_stance",
    "check_summary",
    "check_theme",
    "consultation_report",
    "locate_span",
    "read_note",
]
