"""ScreeningMixin: the screening part of the Review facade.

Choices made here (and why):

- Reviewers are users known to the project (the protocol's ``[[team]]``); an unknown
  name is refused rather than created, because a typo would silently split one
  reviewer into two and corrupt dual screening and kappa. Leads and reviewers screen;
  a lead, or a reviewer who did not screen the record, resolves conflicts.
- Blinding: :meth:`ScreeningMixin.decisions_for` hides other reviewers' decisions on a
  record until the viewer has decided it at that stage (leads see everything; a
  protocol with ``blinding = false`` shows everything).
- Decisions in bulk (:meth:`ScreeningMixin.record_decisions`, and CSV imports through
  it) follow the rules of single decisions row by row, in order, as if each were
  recorded alone (a full-text row may follow the title/abstract rows that let its
  record pass), but are checked in memory and written with one executemany in one
  transaction, with one audit event for the batch (the checks are
  :class:`scopewise.review.decision_batch.DecisionBatch`). Blinding does not apply: whoever
  imports a file already holds every decision in it.
- Without ``--stage``, a decision goes to full text if the record already passed
  title/abstract, else to title/abstract (the confirmation names the stage).
- The pilot round, the queue and ranking (``--next``) and the stopping estimate live
  in :mod:`scopewise.review.screening_queue`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Connection

from scopewise.errors import NotFound, ScopewiseError, ScreeningError
from scopewise.review.decision_batch import DecisionBatch, decision_columns
from scopewise.review.screening_queue import NextRecord, ScreeningQueueMixin
from scopewise.screening.agreement import StageAgreement, agreement
from scopewise.screening.conflicts import (
    RecordOutcome,
    StageOutcome,
    check_resolver,
    is_conflict,
)
from scopewise.screening.decisions import (
    STAGE_LABELS,
    Decision,
    DecisionInput,
    describe,
    latest_decisions,
    parse_decisions_csv,
    validate_decision,
    validate_stage,
)
from scopewise.screening.fulltext import sha256_file
from scopewise.sources.textfile import read_small_file, small_file_text
from scopewise.store import now
from scopewise.store import screening as db
from scopewise.store.snapshot import ScreeningSnapshot

__all__ = ["NextRecord", "ScreeningMixin"]


def _changed_from(before: Sequence[Decision], new: Decision) -> str | None:
    """The same reviewer's earlier decision at the stage (same kind), when it differs."""
    earlier = [d for d in before
               if (d.stage, d.reviewer, d.kind) == (new.stage, new.reviewer, new.kind)]
    if not earlier:
        return None
    last = max(earlier, key=lambda d: d.id)
    if (last.decision, set(last.reasons)) == (new.decision, set(new.reasons)):
        return None
    return describe(last.decision, last.reasons)


MAX_DECISIONS_FILE_BYTES = 256 * 1024 * 1024
"""A decisions file larger than this is refused (about 5 million rows)."""


def _decisions_text(file: Path) -> str:
    """The text of a decisions file, its encoding found from its bytes."""
    data = read_small_file(
        file, MAX_DECISIONS_FILE_BYTES, ScreeningError, "decisions",
        "; split it and import the parts one after the other",
    )
    return small_file_text(file, data, ScreeningError, "save the decisions as CSV")


class ScreeningMixin(ScreeningQueueMixin):
    """Review methods for screening."""

    # -- checking decisions --------------------------------------------------------

    def _batch(
        self, conn: Connection, record_ids: Iterable[int], pilot: Any = False
    ) -> DecisionBatch:
        """Everything needed to check decisions on these records, read once (``pilot``:
        the open pilot round, if the caller read it already; ``False``: read it here)."""
        if pilot is False:
            pilot = self._pilot_open(conn)
        return DecisionBatch.read(conn, self.protocol, pilot, record_ids)

    def _check(self, batch: DecisionBatch, row: DecisionInput) -> tuple[int, Decision]:
        """Check one decision as if it were recorded alone; returns the reviewer's user id
        and the decision to store (its ``id`` still 0), counted in ``batch``."""
        reviewer_id = self._screener_of(batch.roles, row.reviewer)
        return reviewer_id, batch.check(self.protocol, row)

    # -- deciding --------------------------------------------------------------

    def decide(
        self,
        record_id: int,
        decision: str,
        reviewer: str,
        stage: str | None = None,
        reasons: Sequence[str] = (),
        note: str = "",
    ) -> Decision:
        """Record ``reviewer``'s decision on a record (appended; the latest counts).

        The returned decision's ``changed_from`` (and ``change``, "changed from X to
        Y") says when it replaces a different earlier decision of the same reviewer.

        Raises
        ------
        NotFound
            Unknown record or reviewer.
        ScreeningError
            A decision, reason or stage the protocol does not allow, a duplicate record,
            or a full-text decision on a record that has not reached full text.
        """
        return self._decide(record_id, decision, reviewer, stage, reasons, note)

    def _decide(
        self,
        record_id: int,
        decision: str,
        reviewer: str,
        stage: str | None = None,
        reasons: Sequence[str] = (),
        note: str = "",
        guard: Callable[[Connection, Decision, int], None] | None = None,
    ) -> Decision:
        """:meth:`decide`; ``guard(conn, decision, reviewer_id)`` runs inside the
        decision's transaction before it is stored and may refuse it by raising (the
        web app's hand-out check)."""
        self._load_protocol()
        with self.store.transaction() as conn:
            pilot = self._pilot_open(conn)
            batch = self._batch(conn, [record_id], pilot)
            before = list(batch.decisions.get(record_id, []))
            if pilot:
                before = db.decision_rows(conn, [record_id])
            row = DecisionInput(record_id, reviewer, decision, stage or "", tuple(reasons), note)
            user_id, d = self._check(batch, row)
            d = replace(d, changed_from=_changed_from(before, d))
            if guard is not None:
                guard(conn, d, user_id)
            at = now()
            new_id = db.insert_decision(
                conn, record_id, d.stage, user_id, decision, d.reasons, note, d.kind, at
            )
            self.store.audit(
                conn,
                reviewer,
                "screening.decided",
                {
                    "record": record_id,
                    "stage": d.stage,
                    "decision": decision,
                    "reasons": list(d.reasons),
                    "kind": d.kind,
                    **({"changed_from": d.changed_from} if d.changed_from else {}),
                },
            )
        self._decided(reviewer)
        return replace(d, id=new_id, created_at=at)

    def record_decisions(self, rows: Iterable[DecisionInput], actor: str = "scopewise") -> int:
        """Record many decisions at once, all or none; returns how many.

        Each row follows the rules of :meth:`decide`, in order (an empty ``stage``
        means the record's current stage), except blinding, which does not apply to
        a batch. Everything is checked before anything is written; the decisions are
        then written in one transaction with one audit event (``screening.recorded``).

        Raises
        ------
        NotFound, ScreeningError
            As :meth:`decide`, naming the row (``row N``, 1-based) at fault.
        """
        return self._record_batch(list(rows), actor, None, "screening.recorded", {})

    def import_decisions(self, path: str | Path, actor: str = "scopewise") -> int:
        """Record every decision of a CSV file, all or none; returns how many.

        Columns: record_id, reviewer, decision, and optionally stage (default: the
        protocol's first stage), reasons (codes separated by ``;``), note and
        decided_at (kept as the decision's time) -- the columns
        :meth:`export_decisions` writes. A row on a record whose reviewers disagree at
        that stage, by a lead or a reviewer who did not screen it, settles the
        conflict (a resolution), as ``--resolve`` would; comma,
        tab or semicolon separated; UTF-8, UTF-16 or cp1252 (as spreadsheets save
        them). The rows go through :meth:`record_decisions`, except that reasons on
        an inclusion (refused for new decisions) are kept as the file has them, so
        files of earlier decisions import as before; an error names ``file:line``. An empty, binary or oversized file is refused with one line.
        A reviewer written with other case or spacing than in the protocol's team
        ("ann  lee" for "Ann Lee", as other tools export names) is read as the team
        member, when only one member matches.
        """
        file = Path(path)
        rows = parse_decisions_csv(_decisions_text(file), str(file),
                                   self.protocol.screening.stages[0])
        rows = [replace(r, reviewer=self.team_name(r.reviewer)) for r in rows]
        detail = {"file": file.name, "sha256": sha256_file(file)}
        return self._record_batch(rows, actor, str(file), "screening.imported", detail,
                                  settle=True, history=True)

    def _record_batch(
        self,
        rows: list[DecisionInput],
        actor: str,
        source: str | None,
        action: str,
        detail: dict[str, Any],
        settle: bool = False,
        history: bool = False,
    ) -> int:
        self._load_protocol()
        if not rows:
            return 0
        with self.store.transaction() as conn:
            batch = self._batch(conn, (r.record_id for r in rows))
            batch.settle_conflicts = settle
            batch.history = history
            checked: list[tuple[int, Decision]] = []
            for number, r in enumerate(rows, 1):
                try:
                    checked.append(self._check(batch, r))
                except ScopewiseError as exc:
                    where = f"{source}:{r.line}" if source and r.line else f"row {number}"
                    raise type(exc)(f"{where}: {exc}") from None
            at = now()
            db.insert_decisions(
                conn,
                [
                    {**decision_columns(d), "reviewer_id": user_id,
                     "created_at": r.decided_at or at}
                    for (user_id, d), r in zip(checked, rows, strict=True)
                ],
            )
            decided = [d for _, d in checked]
            self.store.audit(
                conn,
                actor,
                action,
                {
                    **detail,
                    "decisions": len(decided),
                    "records": len({d.record_id for d in decided}),
                    "reviewers": sorted({d.reviewer for d in decided}),
                    "stages": dict(Counter(d.stage for d in decided)),
                    "kinds": dict(Counter(d.kind for d in decided)),
                },
            )
        for who in dict.fromkeys(d.reviewer for d in decided):
            self._decided(who)
        return len(checked)

    def decisions_for(
        self, record_id: int, viewer: str, stage: str | None = None
    ) -> list[Decision]:
        """Decisions on a record that ``viewer`` may see (blinding; see module notes)."""
        self._load_protocol()
        with self.store.reading() as conn:
            roles = db.user_roles(conn)
            rows = db.decision_rows(conn, [record_id])
        if viewer not in roles:
            raise NotFound(f"unknown reviewer {viewer!r}")
        rows = [d for d in rows if stage is None or d.stage == stage]
        if roles[viewer][1] == "lead" or not self.protocol.screening.blinding:
            return rows
        decided = {d.stage for d in rows if d.reviewer == viewer}
        return [d for d in rows if d.reviewer == viewer or d.stage in decided]

    # -- status and conflicts --------------------------------------------------

    def screening_snapshot(self) -> ScreeningSnapshot:
        """Final outcomes of every unique record at both stages (for the PRISMA flow)."""
        self._load_protocol()
        with self.store.reading() as conn:
            snapshot = self._screening_state(conn).snapshot
        # a dict of its own: the cached one is shared with the next reads
        return replace(snapshot, records=dict(snapshot.records))

    def record_outcome(self, record_id: int) -> RecordOutcome:
        """Where one record stands at each stage."""
        self._load_protocol()
        with self.store.reading() as conn:
            db.check_screenable(conn, record_id)
            return self._batch(conn, [record_id]).outcome(record_id)

    def conflicts(self, stage: str | None = None) -> list[StageOutcome]:
        """Records whose reviewers disagree and that nobody has resolved yet."""
        self._load_protocol()
        with self.store.reading() as conn:
            state = self._screening_state(conn)
        found: list[StageOutcome] = []
        for rid in state.ids:
            if rid not in state.touched:
                continue
            o = state.snapshot.records[rid]
            for s in (o.title_abstract, o.full_text):
                if s is not None and s.status == "conflict" and stage in (None, s.stage):
                    found.append(s)
        return found

    def resolve(
        self,
        record_id: int,
        decision: str,
        resolver: str,
        stage: str | None = None,
        reasons: Sequence[str] = (),
        note: str = "",
    ) -> Decision:
        """Settle a conflict: ``resolver`` (a lead or third reviewer) gives the final decision."""
        self._load_protocol()
        with self.store.transaction() as conn:
            resolver_id = self._screener(conn, resolver)
            db.check_screenable(conn, record_id)
            rows = db.decision_rows(conn, [record_id], kinds=("screen",))
            reason_conflicts = self.protocol.screening.full_text_reason_conflicts
            conflicted = []
            for s in self.protocol.screening.stages:
                votes = [d for k, d in latest_decisions(rows).items() if k[1] == s]
                given = [d.reasons for d in votes] if reason_conflicts else None
                if is_conflict(s, [d.decision for d in votes], given):
                    conflicted.append(s)
            if stage is None:
                if not conflicted:
                    raise ScreeningError(f"record {record_id} has no conflict to resolve")
                stage = conflicted[-1]
            validate_stage(self.protocol, stage)
            if stage not in conflicted:
                raise ScreeningError(
                    f"record {record_id} has no conflict at {STAGE_LABELS[stage]}; nothing to resolve"
                )
            screeners = [k[2] for k in latest_decisions(rows) if k[1] == stage]
            role = db.user_roles(conn)[resolver][1]
            check_resolver(resolver, role, screeners)
            cleaned = validate_decision(self.protocol, stage, decision, reasons)
            at = now()
            new_id = db.insert_decision(
                conn, record_id, stage, resolver_id, decision, cleaned, note, "resolution", at
            )
            self.store.audit(
                conn,
                resolver,
                "screening.resolved",
                {
                    "record": record_id,
                    "stage": stage,
                    "decision": decision,
                    "reasons": list(cleaned),
                },
            )
        self._decided(resolver)
        return Decision(
            new_id, record_id, stage, resolver, decision, cleaned, note, "resolution", at
        )

    def agreement(self, pilot: bool = False) -> list[StageAgreement]:
        """Agreement per stage (main screening, or the pilot round with ``pilot=True``)."""
        self._load_protocol()
        kind = "pilot" if pilot else "screen"
        with self.store.reading() as conn:
            rows = db.decision_rows(conn, kinds=(kind,))
        return [agreement(rows, s, kind) for s in self.protocol.screening.stages]
