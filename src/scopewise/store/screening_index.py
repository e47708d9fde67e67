"""What the screening queue, the team ranking and the stopping rule read from the
screening state, kept up to date record by record.

Handing out the next record needs, at each stage, the decision that counts per
(record, reviewer), who screened each record and which records still wait for a
reviewer; the ranking needs the team's labels; the stopping rule the order in which
records reached a final title/abstract outcome. Working these out from every decision
on each hand-out cost time in proportion to the decisions made: about 60 ms of CPU
per decision once a review held 10,000 decisions, most of it Python loops over
decisions that had not changed.

A :class:`ScreeningIndex` is built once from the whole state (:func:`build_index`)
and then carried forward by :func:`extend_index` with only the decisions appended
since and the records they concern, as :mod:`scopewise.store.screening_state`
carries the outcomes forward. Each index is a new object (its dictionaries are
copied, a C-level copy, before the changed records are written), so a thread still
holding an older state keeps a consistent view.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from scopewise.screening.conflicts import RecordOutcome
from scopewise.screening.decisions import Decision

__all__ = ["REACHED_MEMO", "ScreeningIndex", "StageIndex", "build_index", "extend_index"]

TITLE_ABSTRACT = "title_abstract"
REACHED_MEMO = "reached:"
"""Memo keys with this prefix name values worked out from ``reached`` alone (and
settings in the key): an extended index whose ``reached`` did not change keeps them."""
FINAL = ("included", "excluded")
WAITING = ("undecided", "awaiting_second_reviewer")


@dataclass(frozen=True, slots=True)
class StageIndex:
    """One stage: ``latest`` is the decision that counts per (record, stage,
    reviewer) (the latest ``screen`` decision, as
    :func:`~scopewise.screening.decisions.latest_decisions` picks it); ``screeners``
    the reviewers with such a decision per record; ``waiting`` the touched records
    that wait for a (further) reviewer at this stage."""

    latest: dict[tuple[int, str, str], Decision]
    screeners: dict[int, frozenset[str]]
    waiting: frozenset[int]
    decided_by: dict[str, frozenset[int]]  # reviewer -> records with their decision here
    full: frozenset[int]  # records with as many reviewers as the protocol asks for


@dataclass(frozen=True, slots=True)
class ScreeningIndex:
    """The derived views of one screening state (see the module notes).

    ``labels``: the team's title/abstract training labels (final outcomes; on a record
    still waiting for a reviewer, include when any reviewer's counting decision is not
    an exclusion); ``pending``: the labelled records still waiting; ``reached``: per
    record with a final title/abstract outcome, the id of its first counting decision
    (or resolution) and whether it passed.
    """

    stages: dict[str, StageIndex]
    labels: dict[int, int]
    pending: frozenset[int]
    reached: dict[int, tuple[int, int]]
    per_record: int  # reviewers per record (the protocol's)
    memo: dict[str, object] = field(default_factory=dict, compare=False, repr=False)

    def stage(self, stage: str) -> StageIndex:
        """The index of ``stage`` (empty for a stage the protocol lacks)."""
        return self.stages.get(stage) or _empty_stage()

    def sorted_labels(self) -> tuple[tuple[int, int], ...]:
        """``labels`` as sorted (record, label) pairs, worked out once per index."""
        found = self.memo.get("sorted_labels")
        if found is None:
            found = self.memo["sorted_labels"] = tuple(sorted(self.labels.items()))
        return found  # type: ignore[return-value]


def _empty_stage() -> StageIndex:
    return StageIndex({}, {}, frozenset(), {}, frozenset())


def build_index(
    decisions: Iterable[Decision], records: Mapping[int, RecordOutcome], touched: Iterable[int],
    stages: Iterable[str], per_record: int,
) -> ScreeningIndex:
    """The index of a whole state: every decision, the outcomes, the touched records."""
    empty = ScreeningIndex({s: _empty_stage() for s in stages}, {}, frozenset(), {}, per_record)
    return extend_index(empty, decisions, records, touched)


def extend_index(
    old: ScreeningIndex,
    new: Iterable[Decision],
    records: Mapping[int, RecordOutcome],
    changed: Iterable[int],
) -> ScreeningIndex:
    """``old`` with the decisions ``new`` appended (oldest first) and the records
    ``changed`` (those decisions' records, and records with a new full-text entry)
    worked out again from their outcomes in ``records``."""
    latest = {s: dict(ix.latest) for s, ix in old.stages.items()}
    screeners = {s: dict(ix.screeners) for s, ix in old.stages.items()}
    decided_by = {s: dict(ix.decided_by) for s, ix in old.stages.items()}
    full = {s: set(ix.full) for s, ix in old.stages.items()}
    added: dict[tuple[str, str], set[int]] = {}  # (stage, reviewer) -> records new to them
    for d in new:
        if d.kind != "screen" or d.stage not in latest:
            continue
        key = (d.record_id, d.stage, d.reviewer)
        seen = latest[d.stage].get(key)
        if seen is None or d.id > seen.id:
            latest[d.stage][key] = d
        if seen is None:
            who = screeners[d.stage].get(d.record_id, frozenset()) | {d.reviewer}
            screeners[d.stage][d.record_id] = who
            added.setdefault((d.stage, d.reviewer), set()).add(d.record_id)
            if len(who) >= old.per_record:
                full[d.stage].add(d.record_id)
    for (stage, reviewer), rids in added.items():  # one copy per reviewer, not per record
        decided_by[stage][reviewer] = decided_by[stage].get(reviewer, frozenset()) | rids
    labels, reached = dict(old.labels), dict(old.reached)
    pending = set(old.pending)
    waiting = {s: set(ix.waiting) for s, ix in old.stages.items()}
    changed = set(changed)
    for rid in changed:
        outcome = records.get(rid)
        if outcome is None:
            continue
        for s, ids in waiting.items():
            at = outcome.title_abstract if s == TITLE_ABSTRACT else outcome.full_text
            if at is not None and at.status in WAITING:
                ids.add(rid)
            else:
                ids.discard(rid)
        _label(rid, outcome, latest.get(TITLE_ABSTRACT, {}),
               screeners.get(TITLE_ABSTRACT, {}), labels, pending, reached)
    index = ScreeningIndex(
        {s: StageIndex(latest[s], screeners[s], frozenset(waiting[s]), decided_by[s],
                       frozenset(full[s])) for s in latest},
        labels, frozenset(pending), reached, old.per_record,
    )
    carried = _carried_sorted_labels(old, labels, changed)
    if carried is not None:
        index.memo["sorted_labels"] = carried
    if all(reached.get(rid) == old.reached.get(rid) for rid in changed):
        # what was worked out from ``reached`` alone (the stopping estimate) still holds
        index.memo.update((k, v) for k, v in old.memo.items() if k.startswith(REACHED_MEMO))
    return index


def _carried_sorted_labels(
    old: ScreeningIndex, labels: dict[int, int], changed: set[int]
) -> tuple[tuple[int, int], ...] | None:
    """The old index's sorted labels with the changed records' labels put in (the
    same tuple when none changed); ``None`` when the old index never sorted them.
    Sorting every label again took a millisecond per decision at 5,000 labels."""
    before = old.memo.get("sorted_labels")
    if before is None:
        return None
    moved = sorted(rid for rid in changed if labels.get(rid) != old.labels.get(rid))
    if not moved:
        return before  # type: ignore[return-value]
    pairs: list[tuple[int, int]] = list(before)  # type: ignore[call-overload]
    for rid in moved:
        at = bisect.bisect_left(pairs, (rid,))  # (rid,) sorts before every (rid, label)
        present = at < len(pairs) and pairs[at][0] == rid
        if rid not in labels:
            if present:
                del pairs[at]
        elif present:
            pairs[at] = (rid, labels[rid])
        else:
            pairs.insert(at, (rid, labels[rid]))
    return tuple(pairs)


def _label(
    rid: int,
    outcome: RecordOutcome,
    latest: Mapping[tuple[int, str, str], Decision],
    screeners: Mapping[int, frozenset[str]],
    labels: dict[int, int],
    pending: set[int],
    reached: dict[int, tuple[int, int]],
) -> None:
    """Write one record's training label and stopping-history entry."""
    ta = outcome.title_abstract
    labels.pop(rid, None)
    pending.discard(rid)
    reached.pop(rid, None)
    if ta is not None and ta.status in FINAL:
        labels[rid] = int(ta.passes)
        ids = [d.id for d in ta.decisions] + ([ta.resolution.id] if ta.resolution else [])
        reached[rid] = (min(ids), int(ta.passes))
        return
    who = screeners.get(rid)
    if who:
        pending.add(rid)
        labels[rid] = max(
            int(latest[(rid, TITLE_ABSTRACT, r)].decision != "exclude") for r in who
        )
