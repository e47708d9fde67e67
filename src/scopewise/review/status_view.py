"""The review's counts per stage as people read them: one list of rows, in one
vocabulary, for the ``scopewise status`` table and the dashboard, so the two never
disagree on a number or its name."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["STATUS_ROWS", "status_rows"]

STATUS_ROWS: tuple[tuple[str, str], ...] = (
    ("searches", "searches imported"),
    ("identified", "records identified"),
    ("duplicates_removed", "duplicates removed"),
    ("possible_duplicates_queued", "possible duplicates to check"),
    ("removed_other_reasons", "removed before screening (other reasons)"),
    ("unique_records", "records to screen"),
    ("screening.screened", "title/abstract: screened"),
    ("screening.open_title_abstract", "title/abstract: still open"),
    ("screening.not_screened_after_stop", "title/abstract: not screened (screening stopped)"),
    ("screening.excluded_title_abstract", "title/abstract: excluded"),
    ("screening.sought_for_retrieval", "full text: sought"),
    ("screening.not_retrieved", "full text: not retrieved"),
    ("screening.assessed_full_text", "full text: retrieved for assessment"),
    ("screening.pending_full_text", "full text: still open"),
    ("screening.excluded_full_text", "full text: excluded"),
    ("screening.included", "included"),
)
"""(key in :meth:`Review.status`'s counts, ``screening.`` for the nested ones; label).
Records to screen = identified - duplicates removed - removed before screening; the
records retrieved for assessment are the excluded, the included and those still open."""

_SHOWN_IF_ANY = {"screening.not_screened_after_stop", "removed_other_reasons"}


def status_rows(counts: Mapping[str, Any]) -> list[tuple[str, int]]:
    """The rows of :data:`STATUS_ROWS` with their numbers; the rows that only say
    something when they are not zero (records left by a stop, removals) left out then."""
    rows = []
    for key, label in STATUS_ROWS:
        where: Any = counts
        for part in key.split("."):
            where = where.get(part, 0) if isinstance(where, Mapping) else 0
        value = int(where or 0)
        if key in _SHOWN_IF_ANY and not value:
            continue
        rows.append((label, value))
    return rows
