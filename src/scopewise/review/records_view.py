"""RecordsViewMixin: the lead finds any record and sees where it stands.

A review lead answers questions like "what happened to the Smith 2019 paper?" or
"which records are still waiting for a second reviewer?" without the command line:

- ``record_rows`` lists the unique records with their outcome at each stage, filtered
  by words of the title, first author or record number and by where they stand
  (a status at a stage, or "not screened" for those an accepted stop left), a page
  at a time;
- ``record_history`` gives one record's decisions, every reviewer's, oldest first.

Both name every reviewer's decisions, so both are for a lead only (as blinding
requires). The outcomes come from the screening state the queue keeps, so a listing
reads the records' titles and nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.engine import Connection

from scopewise.errors import NotFound
from scopewise.records import Record
from scopewise.review.decision_log import query_words, words_match
from scopewise.review.screening import ScreeningMixin
from scopewise.screening.conflicts import STATUSES, RecordOutcome
from scopewise.screening.decisions import Decision
from scopewise.store import screening as db
from scopewise.store.removals import active_removals, removed_reasons
from scopewise.store.screening_stop import latest_stop, still_unscreened
from scopewise.store.status import active_duplicate_members

__all__ = ["RECORD_FILTERS", "RecordRow", "RecordsViewMixin"]

RECORDS_PAGE = 100

RECORD_FILTERS: dict[str, str] = {
    **{f"title_abstract:{s}": f"title/abstract: {s.replace('_', ' ')}"
       for s in STATUSES if s != "not_retrieved"},
    "not_screened": "title/abstract: not screened (screening stopped)",
    **{f"full_text:{s}": f"full text: {s.replace('_', ' ')}" for s in STATUSES},
    "removed": "removed before screening",
    "duplicate": "merged into another record as its duplicate",
}
"""Where a record may stand, as the records page offers it: ``stage:status``, or a
record taken out before screening (removed, or merged as a duplicate)."""


@dataclass(frozen=True, slots=True)
class RecordRow:
    """One unique record and where it stands."""

    record_id: int
    title: str
    first_author: str
    year: int | None
    title_abstract: str | None  # the status at title/abstract, None without that stage
    full_text: str | None  # the status at full text, None before it
    not_screened: bool  # left unscreened by an accepted stop
    removed: str | None = None  # the reason it was removed before screening
    duplicate_of: int | None = None  # the record it was merged into as a duplicate
    duplicates: tuple[int, ...] = ()  # the records merged into it as its duplicates
    duplicate_group: int | None = None  # its active duplicate group (record_history only)


def _status(outcome: RecordOutcome | None, stage: str) -> str | None:
    found = getattr(outcome, stage, None) if outcome is not None else None
    return None if found is None else str(found.status)


def _groups(conn: Connection) -> dict[int, tuple[int, int]]:
    """Each member of an active duplicate group -> (the group, its primary: the record
    the others were merged into)."""
    rows: list[Any] = list(conn.execute(active_duplicate_members()).all())
    return {int(row[0]): (int(row[1]), int(row[2])) for row in rows}


def _merged_into(conn: Connection) -> dict[int, int]:
    """Each record merged as a duplicate -> the record it was merged into."""
    return {rid: primary for rid, (_group, primary) in _groups(conn).items() if rid != primary}


class RecordsViewMixin(ScreeningMixin):
    """Review methods for the lead's records page."""

    def record_rows(
        self, lead: str, query: str = "", where: str | None = None, page: int = 1,
        per_page: int = RECORDS_PAGE,
    ) -> tuple[list[RecordRow], int]:
        """The unique records in input order, those whose title, first author or record
        number hold every word of ``query`` and that stand at ``where`` (a key of
        :data:`RECORD_FILTERS`), a page of them and how many in all.

        Raises
        ------
        NotFound
            Unknown name, or ``where`` is not a filter.
        ScreeningError
            ``lead`` is not a lead.
        """
        if where and where not in RECORD_FILTERS:
            raise NotFound(f"unknown filter {where!r}")
        self._load_protocol()
        words = query_words(query)
        with self.store.reading() as conn:
            self._screener(conn, lead, ("lead",))
            state = self._screening_state(conn)
            stop = latest_stop(conn)
            left = frozenset() if stop is None else still_unscreened(stop, state.snapshot.records)
            outcomes = state.snapshot.records
            removed = active_removals(conn) if where == "removed" else {}
            merged = _merged_into(conn) if where == "duplicate" else {}
            if where == "removed":
                ids = sorted(removed)
            elif where == "duplicate":
                ids = sorted(merged)
            else:
                ids = list(state.ids)
            if where == "not_screened":
                ids = [r for r in ids if r in left]
            elif where and ":" in where:  # those an accepted stop left have their own filter
                stage, status = where.split(":", 1)
                ids = [r for r in ids if _status(outcomes.get(r), stage) == status
                       and not (stage == "title_abstract" and r in left)]
            if words:
                texts = db.search_texts(conn, ids)
                ids = [r for r in ids if r in texts and words_match(words, *texts[r], r)]
            total = len(ids)
            start = (max(page, 1) - 1) * per_page
            shown = ids[start:start + per_page]
            records = db.screening_records(conn, shown)
        return [self._row(r, records.get(r), outcomes.get(r), r in left, removed.get(r),
                          merged.get(r)) for r in shown], total

    @staticmethod
    def _row(record_id: int, record: Record | None, outcome: RecordOutcome | None,
             left: bool, removed: str | None = None, duplicate_of: int | None = None,
             duplicates: tuple[int, ...] = (), duplicate_group: int | None = None) -> RecordRow:
        return RecordRow(
            record_id=record_id, title=record.title if record else "",
            first_author=record.first_author if record else "",
            year=record.year if record else None,
            title_abstract=_status(outcome, "title_abstract"),
            full_text=_status(outcome, "full_text"), not_screened=left,
            removed=removed, duplicate_of=duplicate_of, duplicates=duplicates,
            duplicate_group=duplicate_group,
        )

    def record_history(
        self, lead: str, record_id: int
    ) -> tuple[RecordRow, Record, list[Decision]]:
        """One record where it stands, the record itself, and every decision on it,
        oldest first (every kind: screening, resolutions and pilot decisions).

        Raises
        ------
        NotFound
            No such record, or an unknown name.
        ScreeningError
            ``lead`` is not a lead.
        """
        self._load_protocol()
        with self.store.reading() as conn:
            self._screener(conn, lead, ("lead",))
            records = db.screening_records(conn, [record_id])
            if record_id not in records:
                raise NotFound(f"no record {record_id}")
            state = self._screening_state(conn)
            stop = latest_stop(conn)
            decisions = sorted(db.decision_rows(conn, [record_id]), key=lambda d: d.id)
            removed = removed_reasons(conn, [record_id]).get(record_id)
            groups = _groups(conn)
        left = stop is not None and record_id in still_unscreened(stop, state.snapshot.records)
        group, primary = groups.get(record_id, (None, None))
        duplicates = tuple(sorted(r for r, (_g, p) in groups.items()
                                  if p == record_id and r != record_id))
        row = self._row(record_id, records[record_id], state.snapshot.records.get(record_id),
                        left, removed, primary if primary != record_id else None, duplicates,
                        group)
        return row, records[record_id], decisions
