"""The PRISMA flow of a review, computed from what the store holds, never typed.

:class:`FlowData` is the per-record evidence the store hands over (which source each
record came from, which duplicate groups are active, the final decision per record
and stage, the full-text status); :func:`compute_flow` counts it into a
:class:`Flow` and checks that the boxes of the diagram add up.

Each count is taken from its own evidence (e.g. "not retrieved" counts the records
marked not retrieved, "assessed" counts the records with a full text or a full-text
decision), so a contradiction in the data (a record excluded at title/abstract that
also has a full-text decision, a record removed as a duplicate twice, a report both
not retrieved and assessed) breaks an invariant instead of vanishing into a
difference. A broken invariant raises :class:`~scopewise.errors.ReportError` naming it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from scopewise.errors import ReportError

__all__ = [
    "INVARIANTS",
    "OPEN",
    "UNSPECIFIED_REASON",
    "DuplicateMember",
    "Flow",
    "FlowData",
    "StageOutcome",
    "check_invariants",
    "compute_flow",
    "removed_but_screened",
]

#: Decision of a :class:`StageOutcome` that has started but is not final (full text).
OPEN = "open"

#: Reason code used when a full-text exclusion names no criterion.
UNSPECIFIED_REASON = "unspecified"

#: The invariants, by name, in the order they are checked.
INVARIANTS = (
    "identified = sum of records identified per source",
    "identified = duplicates removed + screened + not screened (screening stopped)"
    " + removed for other reasons",
    "screened = excluded at title/abstract + passed title/abstract + still undecided",
    "sought = not retrieved + assessed + awaiting retrieval",
    "assessed = excluded at full text + included + still undecided",
    "excluded at full text = sum of exclusions per reason",
)


@dataclass(frozen=True, slots=True)
class DuplicateMember:
    """A record's membership in an active duplicate group."""

    record_id: int
    group_id: int
    primary_record_id: int


@dataclass(frozen=True, slots=True)
class StageOutcome:
    """The final decision on a record at one stage (after conflicts are resolved).

    ``decision`` is ``include`` or ``exclude``. At title/abstract, records still open
    (one reviewer of two, a conflict) have no :class:`StageOutcome`; at full text, a
    record someone has started deciding on but that is not final has decision
    :data:`OPEN` (it counts as assessed, still to decide). ``reasons`` are the
    criteria codes of an exclusion, the first one being the one the flow counts.
    """

    decision: str
    reasons: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class FlowData:
    """Per-record evidence for the flow, as read from the store.

    Parameters
    ----------
    record_sources:
        Every imported record id and the source (database) its search came from.
    duplicates:
        Memberships of active duplicate groups (undone groups left out).
    title_abstract:
        Final title/abstract outcome per record id (undecided records absent).
    full_text:
        Final full-text outcome per record id (undecided records absent).
    full_text_status:
        Latest full-text retrieval status per record id: ``attached`` or ``not_retrieved``.
    stages:
        The protocol's screening stages.
    source_order:
        Sources in the order to show them (the order their searches were imported);
        sources missing from it follow alphabetically.
    not_screened:
        Records left unscreened when a lead accepted the stopping rule (and still
        undecided at title/abstract).
    stop_recall:
        The recall the stopping rule vouched for when screening stopped (the X of
        "estimated recall >= X"), or ``None`` when screening was not stopped.
    """

    record_sources: Mapping[int, str]
    duplicates: Sequence[DuplicateMember] = ()
    title_abstract: Mapping[int, StageOutcome] = field(default_factory=dict)
    full_text: Mapping[int, StageOutcome] = field(default_factory=dict)
    full_text_status: Mapping[int, str] = field(default_factory=dict)
    stages: tuple[str, ...] = ("title_abstract", "full_text")
    source_order: tuple[str, ...] = ()
    #: sources searched by other methods (websites, organisations, citation searching)
    other_sources: tuple[str, ...] = ()
    not_screened: frozenset[int] = frozenset()
    stop_recall: float | None = None
    #: records the lead removed before screening, with the reason (record id -> reason)
    removed_other: Mapping[int, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Flow:
    """The numbers of the PRISMA flow diagram.

    ``open_title_abstract``, ``awaiting_retrieval`` and ``open_full_text`` are the
    records of a review in progress that have not reached a final decision yet; a
    finished review has all three at zero (:attr:`complete`).
    """

    sources: dict[str, int]
    identified: int
    duplicates_removed: int
    screened: int
    excluded_title_abstract: int
    passed_title_abstract: int
    open_title_abstract: int
    sought: int
    not_retrieved: int
    awaiting_retrieval: int
    assessed: int
    excluded_full_text: dict[str, int]
    open_full_text: int
    included: int
    full_text_stage: bool = True
    #: False when the protocol screens at full text only: every unique record goes
    #: straight to full text (counted as screened and passed, none excluded there)
    title_abstract_stage: bool = True
    #: the sources of :attr:`sources` that were searched by other methods
    other_sources: tuple[str, ...] = ()
    not_screened: int = 0
    stop_recall: float | None = None
    #: records removed before screening for a reason other than duplication, per reason
    removed_other: dict[str, int] = field(default_factory=dict)

    @property
    def removed_other_total(self) -> int:
        """Records removed before screening for other reasons, all reasons together."""
        return sum(self.removed_other.values())

    @property
    def not_screened_label(self) -> str | None:
        """The title of the "not screened" box, when screening was stopped by the rule."""
        if self.stop_recall is None:
            return None
        return ("Records not screened (screening stopped by the prioritisation rule, "
                f"estimated recall ≥ {self.stop_recall:.0%})")

    @property
    def excluded_full_text_total(self) -> int:
        """Reports excluded at full text, all reasons together."""
        return sum(self.excluded_full_text.values())

    @property
    def complete(self) -> bool:
        """Whether every record has reached a final decision."""
        return not (self.open_title_abstract or self.awaiting_retrieval or self.open_full_text)

    def to_json(self) -> dict[str, Any]:
        """The flow as ``prisma.json`` holds it."""
        return {
            "identified": self.identified,
            "sources": dict(self.sources),
            "duplicates_removed": self.duplicates_removed,
            "removed_other_reasons": self.removed_other_total,
            "removed_other_reasons_by_reason": dict(self.removed_other),
            "screened": self.screened,
            "excluded_title_abstract": self.excluded_title_abstract,
            "sought": self.sought,
            "not_retrieved": self.not_retrieved,
            "assessed": self.assessed,
            "excluded_full_text": dict(self.excluded_full_text),
            "included": self.included,
            "open": {
                "title_abstract": self.open_title_abstract,
                "awaiting_retrieval": self.awaiting_retrieval,
                "full_text": self.open_full_text,
            },
            "complete": self.complete,
            "full_text_stage": self.full_text_stage,
            "title_abstract_stage": self.title_abstract_stage,
            "not_screened": self.not_screened,
            "not_screened_box": (
                None if self.not_screened_label is None
                else {"label": self.not_screened_label, "n": self.not_screened,
                      "estimated_recall_at_least": self.stop_recall}
            ),
        }


def _ordered_sources(counts: Counter[str], order: Iterable[str]) -> dict[str, int]:
    out: dict[str, int] = {}
    for name in order:
        if name in counts:
            out[name] = counts[name]
    for name in sorted(counts):
        out.setdefault(name, counts[name])
    return out


def compute_flow(data: FlowData) -> Flow:
    """Count the PRISMA flow from per-record evidence and check its invariants.

    Raises
    ------
    ReportError
        An invariant does not hold; the message names it and the numbers on each side.
    """
    identified_ids = set(data.record_sources)
    sources = _ordered_sources(Counter(data.record_sources.values()), data.source_order)

    removed = [m for m in data.duplicates if m.record_id != m.primary_record_id]
    removed_ids = {m.record_id for m in removed}
    # A record removed for another reason that later joined a duplicate group as a
    # non-primary member counts once, as a duplicate.
    other = {r: why for r, why in data.removed_other.items()
             if r in identified_ids and r not in removed_ids}
    _check_removed_unscreened(data, other)
    not_screened = (set(data.not_screened) & identified_ids) - removed_ids - set(other)
    if "title_abstract" not in data.stages:
        not_screened = set()
    # Full-text evidence is checked over every unique record (below), the stopped ones too.
    unique_ids = identified_ids - removed_ids - set(other)
    screened_ids = unique_ids - not_screened

    title_abstract_stage = "title_abstract" in data.stages
    if title_abstract_stage:
        ta = {rid: data.title_abstract[rid] for rid in screened_ids if rid in data.title_abstract}
        excluded_ta = {rid for rid, o in ta.items() if o.decision == "exclude"}
        passed_ta = {rid for rid, o in ta.items() if o.decision == "include"}
    else:  # screening at full text only: every record is sought
        excluded_ta, passed_ta = set(), set(screened_ids)
    open_ta = screened_ids - excluded_ta - passed_ta

    full_text_stage = "full_text" in data.stages
    if full_text_stage:
        sought_ids = passed_ta
        # Full-text evidence is counted over every unique record, not only those that
        # passed title/abstract, so that a full-text decision on a record excluded at
        # title/abstract shows up as a broken invariant.
        ft = {rid: data.full_text[rid] for rid in unique_ids if rid in data.full_text}
        status = {r: s for r, s in data.full_text_status.items() if r in unique_ids}
        not_retrieved = {r for r, s in status.items() if s == "not_retrieved" and r in sought_ids}
        assessed_ids = {r for r, s in status.items() if s == "attached"} | set(ft)
        awaiting = sought_ids - not_retrieved - assessed_ids
        excluded_ft = {rid for rid, o in ft.items() if o.decision == "exclude"}
        included_ids = {rid for rid, o in ft.items() if o.decision == "include"}
        open_ft = assessed_ids - excluded_ft - included_ids
        reasons = Counter(
            (ft[rid].reasons[0] if ft[rid].reasons else UNSPECIFIED_REASON) for rid in excluded_ft
        )
    else:
        sought_ids = set()
        not_retrieved = set()
        assessed_ids = set()
        awaiting = set()
        excluded_ft = set()
        included_ids = passed_ta
        open_ft = set()
        reasons = Counter()

    flow = Flow(
        sources=sources,
        identified=len(identified_ids),
        duplicates_removed=len(removed),
        screened=len(screened_ids),
        excluded_title_abstract=len(excluded_ta),
        passed_title_abstract=len(passed_ta),
        open_title_abstract=len(open_ta),
        sought=len(sought_ids),
        not_retrieved=len(not_retrieved),
        awaiting_retrieval=len(awaiting),
        assessed=len(assessed_ids),
        excluded_full_text=dict(sorted(reasons.items(), key=lambda kv: (-kv[1], kv[0]))),
        open_full_text=len(open_ft),
        included=len(included_ids),
        full_text_stage=full_text_stage,
        title_abstract_stage=title_abstract_stage,
        other_sources=tuple(n for n in sources if n in set(data.other_sources)),
        not_screened=len(not_screened),
        stop_recall=data.stop_recall if data.not_screened else None,
        removed_other=dict(sorted(Counter(other.values()).items(),
                                  key=lambda kv: (-kv[1], kv[0]))),
    )
    check_invariants(flow, excluded_full_text_records=len(excluded_ft))
    return flow


def removed_but_screened(record_id: int, reason: str) -> ReportError:
    """The error for a record removed before screening that was screened all the same."""
    return ReportError(
        f"PRISMA flow invariant broken: record {record_id} was removed before screening "
        f"({reason}) but has a screening decision or full text; undo the "
        f"removal (scopewise remove DIR {record_id} --undo) or the decision"
    )


def _check_removed_unscreened(data: FlowData, removed: Mapping[int, str]) -> None:
    """A record removed before screening has no screening evidence; raise if one has."""
    for rid in sorted(removed):
        if rid in data.title_abstract or rid in data.full_text or rid in data.full_text_status:
            raise removed_but_screened(rid, removed[rid])


def check_invariants(flow: Flow, excluded_full_text_records: int | None = None) -> None:
    """Raise :class:`ReportError` naming the first invariant of ``flow`` that does not hold."""
    excluded_records = (
        flow.excluded_full_text_total
        if excluded_full_text_records is None
        else excluded_full_text_records
    )
    checks: list[tuple[str, int, list[int]]] = [
        (INVARIANTS[0], flow.identified, list(flow.sources.values())),
        (
            INVARIANTS[1],
            flow.identified,
            [flow.duplicates_removed, flow.screened, flow.not_screened,
             flow.removed_other_total],
        ),
        (
            INVARIANTS[2],
            flow.screened,
            [flow.excluded_title_abstract, flow.passed_title_abstract, flow.open_title_abstract],
        ),
    ]
    if flow.full_text_stage:
        checks += [
            (
                INVARIANTS[3],
                flow.sought,
                [flow.not_retrieved, flow.assessed, flow.awaiting_retrieval],
            ),
            (INVARIANTS[4], flow.assessed, [excluded_records, flow.included, flow.open_full_text]),
            (INVARIANTS[5], excluded_records, list(flow.excluded_full_text.values())),
        ]
    for name, total, parts in checks:
        if total != sum(parts):
            shown = " + ".join(str(p) for p in parts) or "0"
            raise ReportError(
                f"PRISMA flow invariant broken: {name} ({total} != {shown}); "
                "the project data contradict each other, check recent decisions and merges"
            )
