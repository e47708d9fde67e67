"""The screening state a process keeps between reads, brought up to date incrementally.

Serving the next record needs every unique record's outcome, every decision and every
full-text entry. Reading all of them again after each decision costs about half a
second at 100,000 records, nearly all of it on records nobody has touched.

Decisions and full-text entries are append-only (scopewise never updates or deletes
them), so a :class:`ScreeningStateCache` keeps the last :class:`ScreeningState` and,
when only new decisions or full-text entries arrived (from this process or any other),
reads just those rows and works out again only the records they concern. Anything
else reads everything again:

- new records, or a duplicate group merged, extended or undone (the unique records
  change);
- another protocol (stages, reviewers per record or criteria);
- an append that does not add up: rows committed out of id order by concurrent
  writers on PostgreSQL, or rows deleted by hand.

"Adds up" is checked after the new rows are read: when the table then holds exactly
the rows the state knows, nothing was missed (rows are only ever added). The other
parts of the key are read before the rows they describe, so a change racing the read
makes the key older than the data and the next read starts again.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cache, partial
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from scopewise.protocol import Protocol
from scopewise.screening.conflicts import RecordOutcome, record_outcome
from scopewise.screening.decisions import Decision
from scopewise.screening.fulltext import FullTextEntry
from scopewise.store import schema as t
from scopewise.store.screening import decision_rows, full_text_rows, unique_record_ids
from scopewise.store.screening_index import ScreeningIndex, build_index, extend_index
from scopewise.store.snapshot import ScreeningSnapshot

__all__ = ["ScreeningState", "ScreeningStateCache"]

_COUNTED = ("screen", "resolution")  # the kinds that make an outcome (not pilot)


def _count_and_max(table: sa.Table) -> list[sa.ScalarSelect[int]]:
    return [
        sa.select(sa.func.count()).select_from(table).scalar_subquery(),
        sa.select(sa.func.coalesce(sa.func.max(table.c.id), 0)).scalar_subquery(),
    ]


@cache
def _structure_query() -> sa.Select[*tuple[Any, ...]]:
    """What decides which records are the unique ones: records, groups, members, and
    removals before screening (built once: building it took most of its cost)."""
    undone = (
        sa.select(sa.func.count())
        .select_from(t.duplicate_groups)
        .where(t.duplicate_groups.c.undone_at.is_not(None))
        .scalar_subquery()
    )
    members = sa.select(sa.func.count()).select_from(t.duplicate_members).scalar_subquery()
    # removals before screening (added, and undone) change which records are screened
    removals = t.record_removals
    undone_removals = (
        sa.select(sa.func.count())
        .select_from(removals)
        .where(removals.c.undone_at.is_not(None))
        .scalar_subquery()
    )
    return sa.select(
        *_count_and_max(t.records), *_count_and_max(t.duplicate_groups), undone, members,
        *_count_and_max(removals), undone_removals,
    )


@cache
def _appended_query() -> sa.Select[*tuple[Any, ...]]:
    return sa.select(*_count_and_max(t.decisions), *_count_and_max(t.full_texts))


def _structure(conn: Connection) -> tuple[int, ...]:
    """What decides which records are the unique ones (see :func:`_structure_query`)."""
    return tuple(int(v) for v in conn.execute(_structure_query()).one())


def _appended(conn: Connection) -> tuple[int, int, int, int]:
    """Count and highest id of the decisions, then of the full-text entries."""
    a, b, c, d = (int(v) for v in conn.execute(_appended_query()).one())
    return a, b, c, d


Rules = tuple[tuple[str, ...], int, tuple[str, ...], bool]
"""Stages, reviewers per record, criteria order, full-text reason conflicts."""


def _rules(protocol: Protocol) -> Rules:
    plan = protocol.screening
    return (
        tuple(plan.stages),
        plan.reviewers_per_record,
        tuple(c.code for c in protocol.all_criteria),
        plan.full_text_reason_conflicts,
    )


@dataclass(frozen=True, slots=True)
class ScreeningState:
    """Everything screening reads, as of one moment.

    ``ids`` are the unique records in input order; ``decisions`` every stored decision
    (any kind, oldest first); ``full_texts`` every full-text entry (oldest first);
    ``touched`` the unique records with any decision or full-text entry (every other
    record is undecided at the first stage); ``snapshot`` the outcomes, as
    :func:`scopewise.store.snapshot.screening_snapshot` gives them; ``index`` what the
    queue, the ranking and the stopping rule read, kept up to date record by record
    (:mod:`scopewise.store.screening_index`).
    """

    ids: tuple[int, ...]
    decisions: tuple[Decision, ...]
    full_texts: tuple[FullTextEntry, ...]
    touched: frozenset[int]
    snapshot: ScreeningSnapshot
    structure: tuple[int, ...] = field(repr=False)
    rules: Rules = field(repr=False)
    # the index, or how to make it (None: from this state), worked out on first use:
    # a report reads the outcomes only and never pays for it
    index_box: list[ScreeningIndex | Callable[[], ScreeningIndex] | None] = field(
        default_factory=lambda: [None], repr=False, compare=False
    )

    @property
    def index(self) -> ScreeningIndex:
        """What the queue, ranking and stopping rule read (see the class notes)."""
        found = self.index_box[0]
        if isinstance(found, ScreeningIndex):
            return found
        made = found() if found is not None else build_index(
            self.decisions, self.snapshot.records, self.touched, self.rules[0], self.rules[1]
        )
        self.index_box[0] = made
        return made

    @property
    def appended(self) -> tuple[int, int, int, int]:
        """Count and highest id of the decisions and full-text entries read."""
        d, f = self.decisions, self.full_texts
        return len(d), d[-1].id if d else 0, len(f), f[-1].id if f else 0

    def touched_outcomes(self) -> Iterator[RecordOutcome]:
        """The outcomes of the touched records, in no particular order."""
        records = self.snapshot.records
        return (records[r] for r in self.touched)


class ScreeningStateCache:
    """The latest :class:`ScreeningState` of one project, shared by a process's threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._state: ScreeningState | None = None
        self._by_record: dict[int, list[Decision]] = {}  # screen and resolution only
        self._files: dict[int, FullTextEntry] = {}  # the latest full-text entry per record
        self.rebuilds = 0  # how often everything was read (for tests and benchmarks)

    def read(self, conn: Connection, protocol: Protocol) -> ScreeningState:
        """The state as the project stands, read through ``conn`` under ``protocol``."""
        rules = _rules(protocol)
        with self._lock:
            old = self._state
            if old is not None and old.rules == rules:
                structure = _structure(conn)
                if structure == old.structure:
                    count, _last, file_count, _last_file = _appended(conn)
                    known, _, known_files, _ = old.appended
                    if count <= known and file_count <= known_files:
                        # Nothing new; or this connection reads an older moment than
                        # another thread did (rows are only ever added): the newer
                        # state serves it as well.
                        return old
                    new = self._extend(conn, old)
                    if new is not None:
                        self._state = new
                        return new
            self._state = self._rebuild(conn, rules)
            return self._state

    def _rebuild(
        self, conn: Connection, rules: Rules
    ) -> ScreeningState:
        self.rebuilds += 1
        structure = _structure(conn)
        ids = tuple(unique_record_ids(conn))
        decisions = tuple(decision_rows(conn))
        full_texts = tuple(full_text_rows(conn))
        self._by_record, self._files = {}, {}
        for d in decisions:
            if d.kind in _COUNTED:
                self._by_record.setdefault(d.record_id, []).append(d)
        for e in full_texts:
            self._files[e.record_id] = e  # oldest first: the last one counts
        unique = set(ids)
        touched = frozenset(
            r for r in (*(d.record_id for d in decisions), *self._files) if r in unique
        )
        records = {r: self._outcome(r, rules) for r in ids}
        return ScreeningState(
            ids, decisions, full_texts, touched, self._snapshot(records, rules), structure, rules
        )

    def _extend(self, conn: Connection, old: ScreeningState) -> ScreeningState | None:
        """``old`` with the rows appended since, or ``None`` when they do not add up."""
        count, last, file_count, last_file = old.appended
        new = decision_rows(conn, after=last)
        new_files = full_text_rows(conn, after=last_file)
        if _appended(conn)[::2] != (count + len(new), file_count + len(new_files)):
            return None  # rows below the highest id read appeared, or rows went away
        for d in new:
            if d.kind in _COUNTED:
                self._by_record.setdefault(d.record_id, []).append(d)
        for e in new_files:
            self._files[e.record_id] = e
        unique = old.snapshot.records
        changed = {r for r in (*(d.record_id for d in new), *(e.record_id for e in new_files))}
        changed &= unique.keys()
        records = dict(unique)
        for r in changed:
            records[r] = self._outcome(r, old.rules)
        return ScreeningState(
            old.ids,
            old.decisions + tuple(new),
            old.full_texts + tuple(new_files),
            old.touched | changed,
            self._snapshot(records, old.rules),
            old.structure,
            old.rules,
            [self._carried(old, tuple(new), records, frozenset(changed))],
        )

    @staticmethod
    def _carried(
        old: ScreeningState,
        new: tuple[Decision, ...],
        records: dict[int, RecordOutcome],
        changed: frozenset[int],
    ) -> Callable[[], ScreeningIndex] | None:
        """How the extended state's index is made: carried forward from ``old``'s when
        that one was made, else (``None``) built from the new state on first use, so
        that states nobody indexed do not pile up behind each other."""
        made = old.index_box[0]
        if not isinstance(made, ScreeningIndex):
            return None
        return partial(extend_index, made, new, records, changed)

    def _outcome(
        self, record_id: int, rules: Rules
    ) -> RecordOutcome:
        stages, per_record, order, reason_conflicts = rules
        return record_outcome(
            record_id,
            self._by_record.get(record_id, ()),
            self._files.get(record_id),
            stages,
            per_record,
            order,
            reason_conflicts,
        )

    @staticmethod
    def _snapshot(
        records: dict[int, RecordOutcome], rules: Rules
    ) -> ScreeningSnapshot:
        return ScreeningSnapshot(stages=rules[0], reviewers_per_record=rules[1], records=records)
