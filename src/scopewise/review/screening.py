"""ScreeningMixin: the screening part of the Review facade.

Choices made here (and why):

- Reviewers are users known to the project (the protocol's ``[[team]]``); an unknown
  name is refused rather than created, because a typo would silently split one
  reviewer into two and corrupt dual screening and kappa. Leads and reviewers screen;
  a lead, or a reviewer who did not screen the record, resolves conflicts.
- Blinding: :meth:`ScreeningMixin.decisions_for` hides other reviewers' decisions on a
  record until the viewer has decided it at that stage (leads see everything; a
  protocol with ``blinding = false`` shows everything). The ranker serving
  :meth:`ScreeningMixin.next_record` learns only from records whose outcome is final
  and from the viewer's own decisions, so the order cannot leak a colleague's pending
  decision either.
- Without ``--stage``, a decision goes to full text if the record already passed
  title/abstract, else to title/abstract (the confirmation names the stage).
- Pilot round: :meth:`ScreeningMixin.start_pilot` (a lead) draws a random sample; while
  it is open, title/abstract decisions on those records are stored as ``pilot`` and
  served first. :meth:`ScreeningMixin.close_pilot` ends it; with ``adopt=True`` the
  lead's word makes the pilot decisions count, by appending copies as ``screen``
  decisions. Otherwise the sample is screened again in the main round.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Connection

from scopewise.errors import NotFound, ScopewiseError, ScreeningError, UsageError
from scopewise.records import Record
from scopewise.review.core import ReviewCore
from scopewise.screening.agreement import StageAgreement, agreement
from scopewise.screening.conflicts import (
    RecordOutcome,
    StageOutcome,
    check_resolver,
    is_conflict,
    outcomes,
)
from scopewise.screening.decisions import (
    STAGE_LABELS,
    Decision,
    latest_decisions,
    parse_decisions_csv,
    validate_decision,
    validate_stage,
)
from scopewise.screening.fulltext import FullTextEntry, file_pdf, latest_full_texts, sha256_file
from scopewise.store import now
from scopewise.store import screening as db
from scopewise.store.screening import ScreeningSnapshot

__all__ = ["NextRecord", "ScreeningMixin"]

SCREENERS = ("lead", "reviewer")


@dataclass(frozen=True, slots=True)
class NextRecord:
    """The record a reviewer should screen next."""

    record_id: int
    stage: str
    record: Record
    remaining: int  # records left for this reviewer at this stage, this one included
    ordered_by: str  # how the queue was ordered, in words
    pilot: bool = False


class ScreeningMixin(ReviewCore):
    """Review methods for screening."""

    # -- helpers ---------------------------------------------------------------

    def _load_protocol(self) -> None:
        # Read the protocol before opening a connection: on SQLite every connection
        # begins with BEGIN IMMEDIATE, so a second one inside a transaction would wait
        # for the first.
        _ = self.protocol

    def _screener(self, conn: Connection, name: str, allowed: Sequence[str] = SCREENERS) -> int:
        roles = db.user_roles(conn)
        if name not in roles:
            known = ", ".join(sorted(n for n, (_i, r) in roles.items() if r in SCREENERS))
            raise NotFound(
                f"unknown reviewer {name!r}; known reviewers: {known or '(none)'}; add new "
                "reviewers to the protocol's [[team]] and run scopewise protocol update"
            )
        user_id, role = roles[name]
        if role not in allowed:
            raise ScreeningError(
                f"{name} is a {role.replace('_', ' ')} in the team; "
                f"only a {' or '.join(allowed)} can do this"
            )
        return user_id

    def _outcome(self, conn: Connection, record_id: int) -> RecordOutcome:
        plan = self.protocol.screening
        return outcomes(
            [record_id],
            db.decision_rows(conn, [record_id], kinds=("screen", "resolution")),
            db.full_text_rows(conn, [record_id]),
            plan.stages,
            plan.reviewers_per_record,
            [c.code for c in self.protocol.all_criteria],
        )[record_id]

    def _default_stage(self, conn: Connection, record_id: int) -> str:
        stages = self.protocol.screening.stages
        if len(stages) == 1:
            return stages[0]
        ta = self._outcome(conn, record_id).title_abstract
        return "full_text" if ta is not None and ta.passes else "title_abstract"

    def _pilot_open(self, conn: Connection) -> dict[str, Any] | None:
        state = db.pilot_state(conn)
        return state if state and state.get("open") else None

    def _decide_in(
        self,
        conn: Connection,
        record_id: int,
        decision: str,
        reviewer: str,
        stage: str | None,
        reasons: Sequence[str],
        note: str,
    ) -> Decision:
        reviewer_id = self._screener(conn, reviewer)
        db.check_screenable(conn, record_id)
        stage = (
            validate_stage(self.protocol, stage) if stage else self._default_stage(conn, record_id)
        )
        cleaned = validate_decision(self.protocol, stage, decision, reasons)
        if stage == "full_text":
            outcome = self._outcome(conn, record_id)
            if outcome.full_text is None:
                status = outcome.title_abstract.status if outcome.title_abstract else "?"
                raise ScreeningError(
                    f"record {record_id} has not passed title/abstract screening "
                    f"(it is {status.replace('_', ' ')}); it cannot be screened at full text yet"
                )
            if outcome.not_retrieved:
                raise ScreeningError(
                    f"record {record_id} is marked as full text not retrieved; "
                    "attach its PDF first (scopewise screen DIR --attach)"
                )
        pilot = self._pilot_open(conn)
        in_pilot = pilot is not None and stage == "title_abstract"
        kind = "pilot" if in_pilot and record_id in (pilot or {}).get("records", []) else "screen"
        at = now()
        new_id = db.insert_decision(
            conn, record_id, stage, reviewer_id, decision, cleaned, note, kind, at
        )
        self.store.audit(
            conn,
            reviewer,
            "screening.decided",
            {
                "record": record_id,
                "stage": stage,
                "decision": decision,
                "reasons": list(cleaned),
                "kind": kind,
            },
        )
        return Decision(new_id, record_id, stage, reviewer, decision, cleaned, note, kind, at)

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

        Raises
        ------
        NotFound
            Unknown record or reviewer.
        ScreeningError
            A decision, reason or stage the protocol does not allow, a duplicate record,
            or a full-text decision on a record that has not reached full text.
        """
        self._load_protocol()
        with self.store.transaction() as conn:
            return self._decide_in(conn, record_id, decision, reviewer, stage, reasons, note)

    def import_decisions(self, path: str | Path, actor: str = "scopewise") -> int:
        """Record every decision of a CSV file, all or none; returns how many.

        Columns: record_id, reviewer, decision, and optionally stage (default: the
        protocol's first stage), reasons (codes separated by ``;``) and note.
        """
        file = Path(path)
        try:
            text = file.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise ScreeningError(f"{file}: cannot read the file as UTF-8 text ({exc})") from None
        rows = parse_decisions_csv(text, str(file), self.protocol.screening.stages[0])
        with self.store.transaction() as conn:
            for row in rows:
                try:
                    self._decide_in(
                        conn,
                        row.record_id,
                        row.decision,
                        row.reviewer,
                        row.stage,
                        row.reasons,
                        row.note,
                    )
                except ScopewiseError as exc:
                    raise type(exc)(f"{file}:{row.line}: {exc}") from None
            self.store.audit(
                conn,
                actor,
                "screening.imported",
                {"file": file.name, "sha256": sha256_file(file), "decisions": len(rows)},
            )
        return len(rows)

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
            return db.screening_snapshot(conn, self.protocol)

    def record_outcome(self, record_id: int) -> RecordOutcome:
        """Where one record stands at each stage."""
        self._load_protocol()
        with self.store.reading() as conn:
            db.check_screenable(conn, record_id)
            return self._outcome(conn, record_id)

    def conflicts(self, stage: str | None = None) -> list[StageOutcome]:
        """Records whose reviewers disagree and that nobody has resolved yet."""
        self._load_protocol()
        snapshot = self.screening_snapshot()
        found: list[StageOutcome] = []
        for o in snapshot.records.values():
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
            conflicted = [
                s
                for s in self.protocol.screening.stages
                if is_conflict(
                    s, [d.decision for k, d in latest_decisions(rows).items() if k[1] == s]
                )
            ]
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

    # -- pilot round -----------------------------------------------------------

    def start_pilot(self, n: int, seed: int = 0, actor: str = "") -> list[int]:
        """Draw ``n`` unique records at random (by ``seed``) for a calibration round.

        ``actor`` must be a lead. Returns the sampled record ids.
        """
        self._load_protocol()
        with self.store.transaction() as conn:
            self._screener(conn, actor, ("lead",))
            if self._pilot_open(conn):
                raise ScreeningError("a pilot round is already open; close it first")
            ids = db.unique_record_ids(conn)
            if n < 1 or n > len(ids):
                raise UsageError(f"the pilot sample must be 1 to {len(ids)} records, not {n}")
            sample = sorted(random.Random(seed).sample(ids, n))
            state = {"open": True, "records": sample, "seed": seed, "started_by": actor}
            db.set_pilot_state(conn, state)
            self.store.audit(
                conn, actor, "screening.pilot_started", {"records": sample, "seed": seed}
            )
        return sample

    def pilot_records(self) -> list[int]:
        """The records of the open pilot round (empty if none is open)."""
        self._load_protocol()
        with self.store.reading() as conn:
            state = self._pilot_open(conn)
        return list(state["records"]) if state else []

    def close_pilot(self, actor: str, adopt: bool = False) -> int:
        """End the pilot round; with ``adopt`` its decisions count for the main screening.

        Returns the number of pilot decisions adopted (0 without ``adopt``).
        """
        self._load_protocol()
        with self.store.transaction() as conn:
            self._screener(conn, actor, ("lead",))
            state = self._pilot_open(conn)
            if state is None:
                raise ScreeningError("no pilot round is open")
            adopted = 0
            if adopt:
                roles = db.user_roles(conn)
                latest = latest_decisions(db.decision_rows(conn, kinds=("pilot",)), ("pilot",))
                for d in sorted(latest.values(), key=lambda d: d.id):
                    db.insert_decision(
                        conn,
                        d.record_id,
                        d.stage,
                        roles[d.reviewer][0],
                        d.decision,
                        d.reasons,
                        d.note,
                        "screen",
                    )
                    adopted += 1
            db.set_pilot_state(conn, {**state, "open": False, "closed_by": actor, "adopted": adopt})
            self.store.audit(conn, actor, "screening.pilot_closed", {"adopted": adopted})
        return adopted

    # -- the next record -------------------------------------------------------

    def next_record(self, reviewer: str, stage: str | None = None) -> NextRecord | None:
        """The record ``reviewer`` should screen next, or ``None`` when nothing is left.

        Without ``stage``, the first stage (protocol order) with work left for the
        reviewer. Open pilot records come first. At title/abstract the queue is
        ordered by the protocol's ranker; at full text, in input order.
        """
        self._load_protocol()
        stages = [validate_stage(self.protocol, stage)] if stage else self.protocol.screening.stages
        # Short reads, ranking outside any connection: on SQLite an open connection
        # holds the write lock, and the other reviewers are waiting to write.
        with self.store.reading() as conn:
            self._screener(conn, reviewer)
            snapshot = db.screening_snapshot(conn, self.protocol)
            pilot = self._pilot_open(conn)
            rows = db.decision_rows(conn)
        for s in stages:
            queue, ordered_by, is_pilot = self._queue(snapshot, rows, pilot, reviewer, s)
            if queue:
                with self.store.reading() as conn:
                    record = db.screening_records(conn, queue[:1])[queue[0]]
                return NextRecord(queue[0], s, record, len(queue), ordered_by, is_pilot)
        return None

    def _queue(
        self,
        snapshot: ScreeningSnapshot,
        rows: list[Decision],
        pilot: dict[str, Any] | None,
        reviewer: str,
        stage: str,
    ) -> tuple[list[int], str, bool]:
        needed = self.protocol.screening.reviewers_per_record
        sample: list[int] = list(pilot["records"]) if pilot else []
        if stage == "title_abstract" and sample:
            done = {d.record_id for d in rows if d.kind == "pilot" and d.reviewer == reviewer}
            left = [r for r in sample if r not in done]
            if left:
                return left, "pilot sample (random)", True
        outcome_of = {
            rid: (o.title_abstract if stage == "title_abstract" else o.full_text)
            for rid, o in snapshot.records.items()
        }
        latest = latest_decisions(r for r in rows if r.stage == stage)
        screeners: dict[int, set[str]] = {}
        for rid, _s, who in latest:
            screeners.setdefault(rid, set()).add(who)
        candidates = [
            rid
            for rid, o in outcome_of.items()
            if o is not None
            and o.status in ("undecided", "awaiting_second_reviewer")
            and reviewer not in screeners.get(rid, set())
            and len(screeners.get(rid, set())) < needed
            and rid not in sample
        ]
        if stage != "title_abstract" or len(candidates) < 2:
            return candidates, "input order", False
        return self._ranked(snapshot, latest, reviewer, candidates)

    def _ranked(
        self,
        snapshot: ScreeningSnapshot,
        latest: dict[tuple[int, str, str], Decision],
        reviewer: str,
        candidates: list[int],
    ) -> tuple[list[int], str, bool]:
        try:
            import numpy as np

            from scopewise.screening.rankers import get_ranker

            name = self.protocol.screening.ranker
            name = "scopewise" if name == "default" else name
            ids = list(snapshot.records)
            # Learn only from final outcomes and the reviewer's own decisions: training
            # on a colleague's pending decision would leak it through the order.
            labels: dict[int, int] = {}
            for rid, o in snapshot.records.items():
                ta = o.title_abstract
                if ta is not None and ta.status in ("included", "excluded"):
                    labels[rid] = int(ta.passes)
            for (rid, _s, who), d in latest.items():
                if who == reviewer:
                    labels[rid] = int(d.decision != "exclude")
            position = {rid: i for i, rid in enumerate(ids)}
            # Preparing (text features of every record) is the slow part; keep the
            # prepared ranker for this process while the records and protocol stay.
            key = (name, tuple(ids), self.protocol.scope_text())
            cache: dict[Any, Any] = self.__dict__.setdefault("_prepared_rankers", {})
            ranker = cache.get(key)
            if ranker is None:
                with self.store.reading() as conn:
                    records = db.screening_records(conn, ids)
                ranker = get_ranker(name).prepare(
                    [records[r] for r in ids], criteria=self.protocol.scope_text()
                )
                cache.clear()
                cache[key] = ranker
            ranker.fit(
                np.array([position[r] for r in labels], dtype=np.int64),
                np.array(list(labels.values()), dtype=np.int64),
            )
            mask = np.zeros(len(ids), dtype=bool)
            mask[[position[r] for r in candidates]] = True
            order = [ids[int(p)] for p in ranker.ranking(mask)]
            return order, f"ranked by the {name} ranker", False
        except (ImportError, ScopewiseError, ValueError) as exc:
            return candidates, f"input order (ranker unavailable: {exc})", False

    # -- full texts ------------------------------------------------------------

    def attach_full_text(self, record_id: int, pdf_path: str | Path, actor: str) -> FullTextEntry:
        """Copy a PDF into the project (``files/<sha256>.pdf``) and attach it to a record.

        Raises
        ------
        ScreeningError
            The file is missing or not a PDF (checked by its ``%PDF-`` header).
        """
        self._load_protocol()
        source = Path(pdf_path)
        with self.store.transaction() as conn:
            db.check_screenable(conn, record_id)
            sha, dest = file_pdf(source, self.path / "files")
            relative = dest.relative_to(self.path).as_posix()
            new_id = db.insert_full_text(
                conn, record_id, "attached", actor, source.name, sha, relative
            )
            self.store.audit(
                conn,
                actor,
                "fulltext.attached",
                {"record": record_id, "file": source.name, "sha256": sha},
            )
        return FullTextEntry(
            new_id, record_id, "attached", source.name, sha, relative, "", None, actor
        )

    def mark_not_retrieved(self, record_id: int, reason: str, actor: str) -> FullTextEntry:
        """Record that a record's full text could not be obtained (a PRISMA number)."""
        self._load_protocol()
        reason = " ".join(reason.split())
        if not reason:
            raise UsageError("say why the full text was not retrieved (--reason)")
        with self.store.transaction() as conn:
            db.check_screenable(conn, record_id)
            outcome = self._outcome(conn, record_id)
            ta = outcome.title_abstract
            if ta is not None and ta.status == "excluded":
                raise ScreeningError(
                    f"record {record_id} was excluded at title/abstract; its full text is not sought"
                )
            if outcome.full_text is not None and outcome.full_text.decisions:
                raise ScreeningError(
                    f"record {record_id} already has full-text decisions, so its full text was read"
                )
            new_id = db.insert_full_text(conn, record_id, "not_retrieved", actor, reason=reason)
            self.store.audit(
                conn, actor, "fulltext.not_retrieved", {"record": record_id, "reason": reason}
            )
        return FullTextEntry(new_id, record_id, "not_retrieved", reason=reason, created_by=actor)

    def full_text(self, record_id: int) -> FullTextEntry | None:
        """The full-text entry that counts for a record (``None`` if there is none)."""
        self._load_protocol()
        with self.store.reading() as conn:
            return latest_full_texts(db.full_text_rows(conn, [record_id])).get(record_id)
