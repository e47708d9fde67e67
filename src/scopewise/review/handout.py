"""HandOutMixin: the next record for a reviewer in the web app, handed out under a lock.

Several reviewers (and several server processes) ask for records at once. When a
record needs only one more decision, two reviewers must not both be given it, or it
ends up with three. So a record handed out is *leased* to its reviewer (in the
database, for :data:`LEASE` at most) and, while the lease lasts, counts as if that
reviewer had decided it: a record whose decisions plus colleagues' leases reach
``reviewers_per_record`` is passed over. The check and the lease are one short
transaction behind a lock on the project row (PostgreSQL; SQLite serialises writers
anyway), so two processes cannot both take the last place. Under that lock the
hand-out takes the first free record among the top of the reviewer's ranked queue (its
first 32 records), so reviewers asking at the same moment, who all rank the same
record first, are given the next ones instead of ranking their queue again for each
record a colleague took. A reviewer holds one lease per stage. Pilot records are
screened by everyone and are not leased.

Leases are taken where state changes anyway, never by showing a page (a GET changes
nothing): :meth:`HandOutMixin.decide_handed_out` stores the decision and then leases
the reviewer's next record, ending the lease on the one decided in the same
transaction (and audits the stopping estimate there too).
:meth:`HandOutMixin.screening_page` only reads: the record the reviewer holds a lease
on, or, before their first decision (or after a lease ran out), the top of their
queue without a lease. A decision on a record the reviewer holds no lease on is
checked under the same lock as a hand-out, and refused when colleagues' decisions and
leases fill the record already; the reviewer's next record is leased then too.

Stages: the page serves the stage the reviewer chose (its tabs show how many records
are left for them at each, :meth:`HandOutMixin.screening_left`), and without a
choice the first stage with work left, except that once a lead accepted the
stopping rule's stop at title/abstract it serves full text while the reviewer has
full-text work (:meth:`HandOutMixin.default_stage`): the title/abstract records left
are reported as not screened, and full text is the work that remains. The record
handed out after a decision is at the same stage the page served.

The page after a decision shows what the decision's hand-out chose (its queue length,
ranking and stopping estimate), kept for a few seconds in this process's memory so
the page does not rank the queue a second time. It is only a shortcut: another
process, or a page shown later, reads the lease from the database and ranks again.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from collections.abc import Set as AbstractSet
from contextlib import suppress
from dataclasses import dataclass, replace
from datetime import timedelta

from sqlalchemy.engine import Connection

from scopewise.errors import NotFound, ProjectLocked
from scopewise.records import Record
from scopewise.review.fulltext import FullTextMixin
from scopewise.review.screening_queue import NextRecord
from scopewise.screening.decisions import Decision, validate_stage
from scopewise.store import accounts as db
from scopewise.store import now
from scopewise.store.screening import (
    screening_records,
    stopping_sample,
)
from scopewise.store.screening_stop import latest_stop

__all__ = ["LEASE", "HandOutMixin", "ScreeningView"]

LEASE = timedelta(minutes=10)
HANDED_FOR = 10.0  # seconds a hand-out's queue details are shown without ranking again
TRIES = 20  # hand-outs lost to colleagues in a row before the page asks to reload
TAKEN = (
    "a colleague took that record meanwhile and it needs no more decisions; "
    "your decision was not stored, here is your next record"
)


def _filled(leased: set[int], screened: set[int], reviewer_id: int, needed: int) -> bool:
    """Whether colleagues' leases (``leased``) and decisions (``screened``, user ids)
    fill a record that ``reviewer_id`` has not decided, so it is not theirs to take."""
    return reviewer_id not in screened and len((leased | screened) - {reviewer_id}) >= needed


@dataclass(frozen=True, slots=True)
class ScreeningView:
    """What the screening page shows: records left per stage, the stage served, and
    its record (``None``: nothing left there)."""

    left: dict[str, int]
    stage: str | None
    found: NextRecord | None


class HandOutMixin(FullTextMixin):
    """Handing out records with database leases (see the module notes)."""

    def _full(self, reviewer_id: int, stage: str, record_ids: Sequence[int] | None) -> set[int]:
        """Records that colleagues' decisions and leases fill up for this reviewer."""
        with self.store.reading() as conn:
            return self._full_in(conn, reviewer_id, stage, record_ids)

    def _full_in(self, conn: Connection, reviewer_id: int, stage: str,
                 record_ids: Sequence[int] | None) -> set[int]:
        """:meth:`_full` inside the caller's read."""
        needed = self.protocol.screening.reviewers_per_record
        leases = db.active_leases(conn, stage, record_ids)
        others = {r: who - {reviewer_id} for r, who in leases.items()}
        others = {r: who for r, who in others.items() if who}
        screeners = db.screeners_at(conn, list(others), stage) if others else {}
        return {
            r for r, who in others.items()
            if _filled(who, screeners.get(r, set()), reviewer_id, needed)
        }

    def _exclusions(self, reviewer_id: int, stage: str | None) -> set[int]:
        exclude: set[int] = set()
        for s in [stage] if stage else list(self.protocol.screening.stages):
            exclude |= self._full(reviewer_id, s, None)
        return exclude

    def hand_out(
        self,
        reviewer: str,
        stage: str | None = None,
        release: tuple[int, str] | None = None,
    ) -> NextRecord | None:
        """The next record for ``reviewer``, leased to them (see the module notes).

        ``release`` (record id, stage) is a lease of theirs to end in the same
        transaction (the record they just decided). The stopping estimate is audited
        in that transaction too.
        """
        self._load_protocol()
        with self.store.reading() as conn:
            reviewer_id = self._screener(conn, reviewer)
        return self._hand_out(reviewer, reviewer_id, stage, release)

    def _hand_out(
        self,
        reviewer: str,
        reviewer_id: int,
        stage: str | None,
        release: tuple[int, str] | None,
    ) -> NextRecord | None:
        """:meth:`hand_out` for a reviewer the caller has checked (``reviewer_id``)."""
        exclude = self._exclusions(reviewer_id, stage)
        found: NextRecord | None = None
        for _ in range(TRIES):
            found = self._next_record(reviewer, stage, frozenset(exclude), False)
            if found is None or found.pilot:
                self._settle(reviewer, reviewer_id, found, release, None)
                return found
            chosen = self._lease_first_free(reviewer, reviewer_id, found, release)
            if chosen is not None:
                return chosen
            # all taken meanwhile: pass over them and everything else colleagues now hold
            exclude.update(found.head or (found.record_id,))
            exclude |= self._full(reviewer_id, found.stage, None)
        # never serve a record that is already taken: the page asks to try again
        self._settle(reviewer, reviewer_id, None, release, None)
        raise ProjectLocked(
            "the records at the top of your queue were all just taken by colleagues; "
            "reload the page for the next one"
        )

    def _lease_first_free(
        self,
        reviewer: str,
        reviewer_id: int,
        found: NextRecord,
        release: tuple[int, str] | None,
    ) -> NextRecord | None:
        """Lease the first record of ``found``'s queue head that colleagues' decisions
        and leases leave room for, under the hand-out lock; ``None`` when they fill
        every one. Reviewers asking at the same moment are given the same ranked
        head, so the later ones take the next free record in it instead of ranking
        their queue again for each record taken."""
        needed = self.protocol.screening.reviewers_per_record
        head = list(found.head or (found.record_id,))
        with self.store.transaction() as conn:
            db.lock_hand_out(conn)
            leased = db.active_leases(conn, found.stage, head)
            screeners = db.screeners_at(conn, head, found.stage)
            for rid in head:
                done = screeners.get(rid, set())
                if reviewer_id in done or _filled(leased.get(rid, set()), done, reviewer_id,
                                                  needed):
                    continue
                if rid != found.record_id:
                    record = screening_records(conn, [rid]).get(rid)
                    if record is None:
                        continue
                    found = replace(found, record_id=rid, record=record,
                                    head=tuple(head[head.index(rid):]))
                self._settle(reviewer, reviewer_id, found, release, conn)
                db.put_lease(conn, rid, found.stage, reviewer_id, now() + LEASE)
                handed = self.__dict__.setdefault("_handed", {})
                handed[reviewer] = (time.monotonic(), found)
                return found
        return None

    def _settle(
        self,
        reviewer: str,
        reviewer_id: int,
        found: NextRecord | None,
        release: tuple[int, str] | None,
        conn: Connection | None,
    ) -> None:
        """End the released lease and audit the stopping estimate, in ``conn``'s
        transaction or (nothing to lease) in one of their own."""
        if conn is None:
            if release is None and (found is None or found.stopping is None):
                return
            with self.store.transaction() as own:
                self._settle(reviewer, reviewer_id, found, release, own)
            return
        if release is not None:
            db.release_lease(conn, release[0], release[1], reviewer_id)
        if found is not None and found.stopping is not None:
            plan = self.protocol.screening
            self._record_estimate(found.stopping, found.total, plan.target_recall, reviewer, conn)

    def screening_left(self, reviewer: str) -> dict[str, int]:
        """Records left for ``reviewer`` at each stage of the protocol, as the stage tabs
        of the screening page show them: those they have not decided and that
        colleagues' decisions and leases do not fill (only reads; nothing is ranked)."""
        return self._left_and_held(reviewer)[0]

    def _left_and_held(self, reviewer: str) -> tuple[dict[str, int], dict[str, set[int]]]:
        """:meth:`screening_left`, and per stage the records colleagues fill for them."""
        self._load_protocol()
        with self.store.reading() as conn:  # one short read: the user, leases, state
            reviewer_id = self._screener(conn, reviewer)
            held: dict[str, set[int]] = {
                s: self._full_in(conn, reviewer_id, s, None) for s in self.protocol.screening.stages}
            state, pilot = self._left_inputs(conn)
        return self._left_counts(reviewer, state, pilot, held), held

    def screening_view(
        self, reviewer: str, stage: str | None = None, stopped: bool | None = None
    ) -> ScreeningView:
        """What the screening page shows when the reviewer asks for the next record:
        the records left at each stage, the stage served (``stage``, else
        :meth:`default_stage`) and its record (:meth:`screening_page`). ``stopped``:
        whether a lead accepted the stop, if the caller has read it. Colleagues' leases
        are read once for all three."""
        left, held = self._left_and_held(reviewer)
        serve = stage or self.default_stage(reviewer, left, stopped)
        return ScreeningView(left, serve, self.screening_page(reviewer, serve, held))

    def default_stage(
        self, reviewer: str, left: dict[str, int] | None = None, stopped: bool | None = None
    ) -> str | None:
        """The stage the screening page serves when the reviewer chose none: full text
        once a lead accepted the stop at title/abstract (``stopped``, if the caller has
        read it) and ``reviewer`` has full-text work left (``left``: :meth:`screening_left`,
        if the caller has it); else ``None``, the first stage with work left."""
        self._load_protocol()
        if not {"title_abstract", "full_text"} <= set(self.protocol.screening.stages):
            return None
        if stopped is None:
            with self.store.reading() as conn:
                stopped = latest_stop(conn) is not None
        if not stopped:
            return None
        if left is None:
            left = self.screening_left(reviewer)
        return "full_text" if left.get("full_text") else None

    def screening_page(
        self, reviewer: str, stage: str | None = None,
        held: Mapping[str, AbstractSet[int]] | None = None,
    ) -> NextRecord | None:
        """What ``reviewer``'s screening page shows, without changing anything: the
        record they hold a lease on, else the top of their queue (not leased; see the
        module notes). ``None`` when nothing is left for them. ``held``: per stage, the
        records colleagues fill for the reviewer, if the caller has read them."""
        self._load_protocol()
        with self.store.reading() as conn:
            reviewer_id = self._screener(conn, reviewer)
            leases = db.held_leases(conn, reviewer_id)
            shown = self._handed_out(conn, reviewer, reviewer_id, leases, stage)
        if shown is not None:
            return shown
        if held is None:
            exclude = frozenset(self._exclusions(reviewer_id, stage))
        else:
            stages = [stage] if stage else self.protocol.screening.stages
            exclude = frozenset().union(*(held.get(s, set()) for s in stages))
        found = self._next_record(reviewer, stage, exclude, False)
        if found is None or found.pilot:
            return found
        mine = [rid for rid, s in leases if s == found.stage and rid != found.record_id]
        if not mine:
            return found
        rid = mine[0]
        with self.store.reading() as conn:
            state = self._screening_state(conn)
            decided = reviewer_id in db.screeners_at(conn, [rid], found.stage).get(rid, set())
            record = screening_records(conn, [rid]).get(rid)
        if decided or record is None or rid not in state.index.stage(found.stage).waiting:
            return found  # the lease outlived its record: show the queue's top
        return replace(found, record_id=rid, record=record)

    def _handed_out(
        self, conn: Connection, reviewer: str, reviewer_id: int, held: list[tuple[int, str]],
        stage: str | None,
    ) -> NextRecord | None:
        """This process's latest hand-out to the reviewer, while it is recent and its
        lease is held and undecided (see the module notes); read through ``conn`` (the
        read that found the leases held)."""
        at, found = self.__dict__.get("_handed", {}).get(reviewer, (0.0, None))
        if found is None or time.monotonic() - at > HANDED_FOR:
            return None
        rid = found.record_id
        if (rid, found.stage) not in held or stage not in (None, found.stage):
            return None
        if reviewer_id in db.screeners_at(conn, [rid], found.stage).get(rid, set()):
            return None
        return found  # type: ignore[no-any-return]

    def decide_handed_out(
        self,
        record_id: int,
        decision: str,
        reviewer: str,
        stage: str | None = None,
        reasons: Sequence[str] = (),
        note: str = "",
        next_stage: str | None = None,
    ) -> tuple[Decision, NextRecord | None]:
        """:meth:`decide`, then the reviewer's next record is handed out (leased) and
        the lease on this one ends. The next record is at ``next_stage`` (the stage
        the reviewer chose on the page), else at :meth:`default_stage`.

        Raises
        ------
        ProjectLocked
            The reviewer held no lease on the record and colleagues' decisions and
            leases fill it already (nothing is stored).
        """
        needed = self.protocol.screening.reviewers_per_record
        checked: list[int] = []  # the reviewer's user id, as the decision's checks found it

        def guard(conn: Connection, made: Decision, reviewer_id: int) -> None:
            checked.append(reviewer_id)
            rid = made.record_id
            if made.kind == "pilot" or made.changed_from is not None:
                return
            if (rid, made.stage) in db.held_leases(conn, reviewer_id):
                return
            db.lock_hand_out(conn)
            leased = db.active_leases(conn, made.stage, [rid]).get(rid, set())
            screeners = db.screeners_at(conn, [rid], made.stage).get(rid, set())
            if _filled(leased, screeners, reviewer_id, needed):
                raise ProjectLocked(TAKEN)

        if next_stage is not None:
            validate_stage(self.protocol, next_stage)
        try:
            made = self._decide(record_id, decision, reviewer, stage, reasons, note, guard)
        except ProjectLocked:
            with suppress(ProjectLocked):  # refused: their next record is leased all the same
                self.hand_out(reviewer, next_stage or self.default_stage(reviewer))
            raise
        if next_stage is None:
            next_stage = self.default_stage(reviewer)
        try:  # the reviewer was checked with the decision: no second read of the users
            following = self._hand_out(reviewer, checked[-1], next_stage,
                                       (record_id, made.stage))
        except ProjectLocked:
            following = None  # the decision stands; the page shows the queue's top
        return made, following

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
