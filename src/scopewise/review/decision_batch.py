"""Checking decisions before they are stored: :class:`DecisionBatch`.

A batch reads, once, everything the checks of a run of decisions need (roles, which
records can be screened, the open pilot round, the decisions and full texts stored
so far), then checks each decision as if it were recorded alone and counts it, so a
later full-text decision in the same batch sees the title/abstract outcome an
earlier one produced. Single decisions are a batch of one.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy.engine import Connection

from scopewise.errors import NotFound, ScreeningError
from scopewise.protocol import Protocol
from scopewise.screening.conflicts import RecordOutcome, is_conflict, outcomes
from scopewise.screening.decisions import (
    Decision,
    DecisionInput,
    latest_decisions,
    validate_decision,
    validate_stage,
)
from scopewise.screening.fulltext import FullTextEntry
from scopewise.store import screening as db
from scopewise.store.removals import removed_message, removed_reasons

__all__ = ["DecisionBatch", "decision_columns"]

_PENDING_ID = 2**62  # ids of checked, not yet stored decisions: after every stored one


@dataclass
class DecisionBatch:
    """What checking a batch of decisions needs, read once (:meth:`read`)."""

    roles: dict[str, tuple[int, str]]
    screenable: dict[int, int | None]
    removed: dict[int, str]
    """Records removed before screening, with the reason: refused like duplicates."""
    pilot: dict[str, Any] | None
    stages: tuple[str, ...]
    reviewers_per_record: int
    criteria: tuple[str, ...]
    reason_conflicts: bool = False
    settle_conflicts: bool = False
    """Whether a row on a record in conflict, by someone who may resolve it, settles
    it (a resolution): how an imported decision file carries resolutions."""
    history: bool = False
    """Whether the rows are earlier decisions read back from a file: reasons on an
    inclusion (refused for new decisions) are kept as they were stored."""
    decisions: dict[int, list[Decision]] = field(default_factory=dict)
    full_texts: dict[int, list[FullTextEntry]] = field(default_factory=dict)
    outcomes: dict[int, RecordOutcome] = field(default_factory=dict)
    pending: int = 0
    latest: dict[tuple[int, str], dict[str, Decision]] = field(default_factory=dict)
    """Per (record, stage), each reviewer's screening decision that counts, kept up to
    date as the batch counts decisions (a long file with many rows on one record would
    otherwise scan them all again for every row)."""

    @classmethod
    def read(cls, conn: Connection, protocol: Protocol, pilot: dict[str, Any] | None,
             record_ids: Iterable[int]) -> DecisionBatch:
        """Everything needed to check decisions on these records."""
        ids = list(dict.fromkeys(record_ids))
        plan = protocol.screening
        batch = cls(
            roles=db.user_roles(conn),
            screenable=db.screenability(conn, ids),
            removed=removed_reasons(conn, ids),
            pilot=pilot,
            stages=tuple(plan.stages),
            reviewers_per_record=plan.reviewers_per_record,
            criteria=tuple(c.code for c in protocol.all_criteria),
            reason_conflicts=plan.full_text_reason_conflicts,
        )
        for d in db.decision_rows(conn, ids, kinds=("screen", "resolution")):
            batch.decisions.setdefault(d.record_id, []).append(d)
        for e in db.full_text_rows(conn, ids):
            batch.full_texts.setdefault(e.record_id, []).append(e)
        return batch

    def outcome(self, record_id: int) -> RecordOutcome:
        """The record's outcome, counting the decisions checked so far in the batch."""
        if record_id not in self.outcomes:
            self.outcomes[record_id] = outcomes(
                [record_id],
                self.decisions.get(record_id, []),
                self.full_texts.get(record_id, []),
                self.stages,
                self.reviewers_per_record,
                self.criteria,
                self.reason_conflicts,
            )[record_id]
        return self.outcomes[record_id]

    def add(self, decision: Decision) -> None:
        """Count a checked decision, as if it were already stored (after every stored one)."""
        if decision.kind == "pilot":
            return  # pilot decisions never count for outcomes
        self.pending += 1
        rid = decision.record_id
        counted = replace(decision, id=_PENDING_ID + self.pending)
        self.decisions.setdefault(rid, []).append(counted)
        known = self.latest.get((rid, decision.stage))
        if known is not None and decision.kind == "screen":
            known[decision.reviewer] = counted  # the highest id so far: the one that counts
        # Only a title/abstract decision can change what the checks read (whether the
        # record reached full text); keep the cached outcome otherwise.
        if decision.stage == "title_abstract":
            self.outcomes.pop(rid, None)

    def check(self, protocol: Protocol, row: DecisionInput) -> Decision:
        """Check one decision as if it were recorded alone, and count it; returns the
        decision to store (its ``id`` still 0). The reviewer is checked by the caller;
        an empty ``row.stage`` means the record's current stage."""
        record_id, decision, stage = row.record_id, row.decision, row.stage
        if record_id not in self.screenable:
            raise NotFound(f"record {record_id} does not exist; check the record number")
        primary = self.screenable[record_id]
        if primary is not None:
            raise ScreeningError(
                f"record {record_id} is a duplicate of record {primary}; screen record {primary}"
            )
        if record_id in self.removed:
            raise ScreeningError(removed_message(record_id, self.removed[record_id]))
        if stage:
            stage = validate_stage(protocol, stage)
        elif len(self.stages) == 1:
            stage = self.stages[0]
        else:
            ta = self.outcome(record_id).title_abstract
            stage = "full_text" if ta is not None and ta.passes else "title_abstract"
        cleaned = validate_decision(protocol, stage, decision, row.reasons, self.history)
        if stage == "full_text":
            outcome = self.outcome(record_id)
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
        pilot = self.pilot
        in_pilot = pilot is not None and stage == "title_abstract"
        kind = "pilot" if in_pilot and record_id in (pilot or {}).get("records", []) else "screen"
        if kind == "screen" and self.settle_conflicts and self._settles(record_id, stage,
                                                                         row.reviewer):
            kind = "resolution"
        checked = Decision(0, record_id, stage, row.reviewer, decision, cleaned, row.note, kind)
        self.add(checked)
        return checked


    def _settles(self, record_id: int, stage: str, reviewer: str) -> bool:
        """Whether ``reviewer`` deciding now settles a conflict on the record at ``stage``."""
        latest = self.latest.get((record_id, stage))
        if latest is None:
            mine = [d for d in self.decisions.get(record_id, []) if d.stage == stage]
            latest = self.latest[record_id, stage] = {
                d.reviewer: d for d in latest_decisions(mine).values()}
        screened = sorted(latest.values(), key=lambda d: d.id)
        reasons = [d.reasons for d in screened] if self.reason_conflicts else None
        if not is_conflict(stage, [d.decision for d in screened], reasons):
            return False
        role = self.roles.get(reviewer, (0, ""))[1]
        return role == "lead" or reviewer not in {d.reviewer for d in screened}


def decision_columns(d: Decision) -> dict[str, Any]:
    """The decision's columns in the decisions table (without reviewer and time)."""
    return {
        "record_id": d.record_id,
        "stage": d.stage,
        "decision": d.decision,
        "reasons": d.reasons,
        "note": d.note,
        "kind": d.kind,
    }
