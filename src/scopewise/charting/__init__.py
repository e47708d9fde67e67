"""Charting: the form's value checks, the append-only log read into values, dual
charting's conflicts and agreement, suggestions with their evidence, candidate themes.

Pure: no SQL and no I/O. ``store/`` keeps the log, ``review/`` calls these.
"""

from __future__ import annotations

from scopewise.charting.agreement import FieldAgreement, cohen_kappa, field_agreement, jaccard
from scopewise.charting.entries import (
    ChartConflict,
    ChartEntry,
    ChartingState,
    EntryRow,
    FieldStatus,
    charting_state,
    replace_values,
    state_from_rows,
)
from scopewise.charting.suggest import Suggestion, suggest, suggest_field
from scopewise.charting.themes import CandidateTheme, candidate_themes
from scopewise.charting.values import (
    MULTI_SEPARATOR,
    check_value,
    country_name,
    display_value,
    is_empty,
    normalise_stored,
    same_value,
)

__all__ = [
    "MULTI_SEPARATOR",
    "CandidateTheme",
    "ChartConflict",
    "ChartEntry",
    "ChartingState",
    "EntryRow",
    "FieldAgreement",
    "FieldStatus",
    "Suggestion",
    "candidate_themes",
    "charting_state",
    "check_value",
    "cohen_kappa",
    "country_name",
    "display_value",
    "field_agreement",
    "is_empty",
    "jaccard",
    "normalise_stored",
    "replace_values",
    "same_value",
    "state_from_rows",
    "suggest",
    "suggest_field",
]
