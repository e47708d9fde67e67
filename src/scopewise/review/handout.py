"""HandOutMixin: the next record for a reviewer in the web app, handed out under a lock.

Several reviewers (and several server processes) ask for records at once. When a
record needs only one more decision, two reviewers must not both be given it, or it
ends up with three. So a record handed out is *leased* to its reviewer (in the
database, for :data:`LEASE` at most) and, while the lease lasts, counts as if that
reviewer had decided it: a record whose decisions plus colleagues' leases reach
``reviewers_per_record`` is passed over. The check and the lease are one short
transaction behind a lock on the project row (PostgreSQL; SQLite serialises writers
anyway), so two processes cannot both take the last place. Deciding ends the lease;
a reviewer holds one lease per stage (asking again hands the old record back).
Pilot records are screened by everyone and are not leased.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from scopewise.errors import NotFound, ProjectLocked
from scopewise.records import Record
from scopewise.review.fulltext import FullTextMixin
from scopewise.review.screening_queue import NextRecord
from scopewise.screening.decisions import Decision
from scopewise.store import accounts as db
from scopewise.store import now
from scopewise.store.screening import (
    decision_rows,
    screening_records,
    stopping_sample,
    user_roles,
)

__all__ = ["LEASE", "HandOutMixin"]

LEASE = timedelta(minutes=10)
TRIES = 20  # hand-outs lost to colleagues in a row before the page asks to reload


class HandOutMixin(FullTextMixin):
    """Handing out records with database leases (see the module notes)."""

    def _full(self, reviewer_id: int, stage: str, record_ids: Sequence[int] | None) -> set[int]:
        """Records that colleagues' decisions and leases fill up for this reviewer."""
        needed = self.protocol.screening.reviewers_per_record
        with self.store.reading() as conn:
            leases = db.active_leases(conn, stage, record_ids)
            others = {r: who - {reviewer_id} for r, who in leases.items()}
            others = {r: who for r, who in others.items() if who}
            screeners = db.screeners_at(conn, list(others), stage) if others else {}
        return {
            r for r, who in others.items()
            if reviewer_id not in screeners.get(r, set())
            and len(who | screeners.get(r, set())) >= needed
        }

    def hand_out(self, reviewer: str, stage: str | None = None) -> NextRecord | None:
        """The next record for ``reviewer``, leased to them (see the module notes)."""
        self._load_protocol()
        with self.store.reading() as conn:
            reviewer_id = self._screener(conn, reviewer)
        exclude: set[int] = set()
        found: NextRecord | None = None
        for s in [stage] if stage else list(self.protocol.screening.stages):
            exclude |= self._full(reviewer_id, s, None)
        for _ in range(TRIES):
            found = self.next_record(reviewer, stage, exclude=frozenset(exclude))
            if found is None or found.pilot:
                return found
            needed = self.protocol.screening.reviewers_per_record
            rid = found.record_id
            with self.store.transaction() as conn:
                db.lock_hand_out(conn)
                leased = db.active_leases(conn, found.stage, [rid]).get(rid, set())
                screeners = db.screeners_at(conn, [rid], found.stage).get(rid, set())
                taken = (leased | screeners) - {reviewer_id}
                if len(taken) < needed and reviewer_id not in screeners:
                    db.put_lease(conn, rid, found.stage, reviewer_id, now() + LEASE)
                    return found
            # taken meanwhile: pass over it and everything else colleagues now hold
            exclude.add(rid)
            exclude |= self._full(reviewer_id, found.stage, None)
        # never serve a record that is already taken: the page asks to try again
        raise ProjectLocked(
            "the records at the top of your queue were all just taken by colleagues; "
            "reload the page for the next one"
        )

    def decide_handed_out(
        self,
        record_id: int,
        decision: str,
        reviewer: str,
        stage: str | None = None,
        reasons: Sequence[str] = (),
        note: str = "",
    ) -> Decision:
        """:meth:`decide`, then the reviewer's lease on the record ends."""
        made = self.decide(record_id, decision, reviewer, stage, reasons, note)
        with self.store.transaction() as conn:
            db.release_lease(conn, record_id, made.stage, user_roles(conn)[reviewer][0])
        return made

    def screening_record(self, record_id: int) -> Record:
        """One record as reviewers see it.

        Raises
        ------
        NotFound
            No such record.
        """
        with self.store.reading() as conn:
            found = screening_records(conn, [record_id])
        if record_id not in found:
            raise NotFound(f"no record {record_id}")
        return found[record_id]

    # -- for the dashboard ------------------------------------------------------------

    def decision_counts(self) -> dict[tuple[str, str], int]:
        """(reviewer, stage) -> records each reviewer screened (pilot rounds aside)."""
        with self.store.reading() as conn:
            return db.decision_counts(conn)

    def screening_curve(self) -> list[tuple[int, int]]:
        """Relevant records found against records screened at title/abstract, one point
        per final outcome, in the order they were reached (the stopping rule's history)."""
        self._load_protocol()
        with self.store.reading() as conn:
            state = self._screening_state(conn)
            sample = stopping_sample(conn)
        labels, _drawn = self._history(state, sample)
        points, found = [(0, 0)], 0
        for i, label in enumerate(labels, 1):
            found += label
            points.append((i, found))
        return points

    def decision_log(self, viewer: str) -> list[Decision]:
        """Every decision, oldest first (the decisions file), for a lead only: it shows
        every reviewer's decisions, so blinding allows no one else to have it.

        Raises
        ------
        ScreeningError
            ``viewer`` is not a lead.
        """
        self._load_protocol()
        with self.store.reading() as conn:
            self._screener(conn, viewer, ("lead",))
            rows = decision_rows(conn)
        return sorted(rows, key=lambda d: d.id)
