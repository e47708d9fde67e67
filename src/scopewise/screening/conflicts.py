"""Conflicts and final outcomes: what the decisions on a record add up to at each stage.

Status of a record at a stage (computed from its ``screen`` and ``resolution``
decisions; ``pilot`` decisions never count here):

``undecided``
    nobody has decided it yet.
``awaiting_second_reviewer``
    fewer reviewers than the protocol's ``reviewers_per_record`` decided it, and
    those who did agree.
``conflict``
    two or more reviewers decided it and they disagree. At title/abstract a ``maybe``
    against anything (another ``maybe`` included) is a conflict: a ``maybe`` says the
    reviewer could not decide, so a lead or third reviewer looks at it. At full text
    include-versus-exclude is a conflict, and so are two exclusions for different
    reasons (as in Covidence; whoever resolves it picks the reasons), unless the
    protocol sets ``full_text_reason_conflicts = false``: then they agree and the final
    reasons are the union of both (in protocol order).
``included`` / ``excluded``
    the final decision: the latest ``resolution`` if there is one (it is final even if
    the reviewers later change their minds), else the reviewers' agreed decision.
``not_retrieved``
    full text only: the latest full-text entry says the report could not be obtained.

A record *passes* title/abstract when its final decision there is ``include`` or
``maybe``: ``maybe`` is only final when a single reviewer screens the record (or a
resolver chooses it), and an unsure record goes on to full text rather than being
lost; the final decision ``maybe`` is kept, so the report can count those records.

:func:`outcomes` gives both stages for every record at once (for the PRISMA flow).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from scopewise.errors import ScreeningError
from scopewise.screening.decisions import Decision, first_stage, latest_decisions
from scopewise.screening.fulltext import FullTextEntry, latest_full_texts

__all__ = [
    "STATUSES",
    "RecordOutcome",
    "StageOutcome",
    "check_resolver",
    "is_conflict",
    "outcomes",
    "record_outcome",
    "stage_outcome",
]

STATUSES = (
    "included",
    "excluded",
    "conflict",
    "awaiting_second_reviewer",
    "undecided",
    "not_retrieved",
)
_PASSING = ("include", "maybe")


@dataclass(frozen=True, slots=True)
class StageOutcome:
    """Where one record stands at one stage."""

    record_id: int
    stage: str
    status: str
    decision: str | None = None  # the final decision, when there is one
    reasons: tuple[str, ...] = ()
    decisions: tuple[Decision, ...] = ()  # latest screen decision per reviewer
    resolution: Decision | None = None

    @property
    def passes(self) -> bool:
        """Whether the record goes on to the next stage (final include or maybe)."""
        return self.status == "included"

    @property
    def reviewers(self) -> tuple[str, ...]:
        """Who screened the record at this stage."""
        return tuple(d.reviewer for d in self.decisions)


@dataclass(frozen=True, slots=True)
class RecordOutcome:
    """Both stages of one record, for the PRISMA flow.

    ``full_text`` is ``None`` when the record never reached full text (it did not pass
    title/abstract, or the protocol has no full-text stage); ``title_abstract`` is
    ``None`` when the protocol screens full texts only.
    """

    record_id: int
    title_abstract: StageOutcome | None
    full_text: StageOutcome | None
    full_text_entry: FullTextEntry | None = None

    @property
    def sought_for_retrieval(self) -> bool:
        """Whether the record reached the full-text stage."""
        return self.full_text is not None

    @property
    def not_retrieved(self) -> bool:
        """Whether the full text was sought but could not be obtained."""
        return self.full_text is not None and self.full_text.status == "not_retrieved"


def is_conflict(
    stage: str, decisions: Sequence[str], reasons: Sequence[Iterable[str]] | None = None
) -> bool:
    """Whether reviewers' decisions on one record at ``stage`` disagree (see module doc).

    ``reasons`` (each decision's reason codes, in the same order) are given when
    exclusions for different reasons count as a conflict at full text.
    """
    if len(decisions) < 2:
        return False
    if stage == "title_abstract" and "maybe" in decisions:
        return True
    if len(set(decisions)) > 1:
        return True
    if stage == "full_text" and reasons is not None and decisions[0] == "exclude":
        return len({frozenset(r) for r in reasons}) > 1
    return False


def check_resolver(resolver: str, role: str, screeners: Sequence[str]) -> None:
    """Raise unless ``resolver`` may settle a conflict: a lead, or a third reviewer.

    A reviewer who screened the record is not a third reviewer; a lead may resolve
    even a record they screened themselves (they lead the review).
    """
    if role != "lead" and resolver in screeners:
        raise ScreeningError(
            f"{resolver} screened this record; a lead or a third reviewer resolves the conflict"
        )
    if role not in ("lead", "reviewer"):
        raise ScreeningError(
            f"{resolver} is a {role.replace('_', ' ')}; a lead or a third reviewer "
            "resolves conflicts"
        )


def _ordered_reasons(decisions: Iterable[Decision], order: Sequence[str]) -> tuple[str, ...]:
    seen: list[str] = []
    for d in decisions:
        seen.extend(r for r in d.reasons if r not in seen)
    rank = {code: i for i, code in enumerate(order)}
    return tuple(sorted(seen, key=lambda code: (rank.get(code, len(rank)), code)))


def _final(decision: str) -> str:
    return "included" if decision in _PASSING else "excluded"


def stage_outcome(
    record_id: int,
    stage: str,
    decisions: Iterable[Decision],
    reviewers_per_record: int,
    criteria_order: Sequence[str] = (),
    reason_conflicts: bool = False,
) -> StageOutcome:
    """The status and final decision of one record at one stage.

    Parameters
    ----------
    record_id, stage:
        The record and stage; ``decisions`` of other records or stages are ignored.
    decisions:
        Stored decisions (any kinds; only ``screen`` and ``resolution`` count).
    reviewers_per_record:
        1 or 2, from the protocol.
    criteria_order:
        Criteria codes in protocol order, to order the final reasons.
    reason_conflicts:
        Whether full-text exclusions for different reasons conflict (the protocol's
        ``full_text_reason_conflicts``).
    """
    mine = [d for d in decisions if d.record_id == record_id and d.stage == stage]
    screened = sorted(latest_decisions(mine).values(), key=lambda d: d.id)
    resolutions = [d for d in mine if d.kind == "resolution"]
    resolution = max(resolutions, key=lambda d: d.id) if resolutions else None

    def make(
        status: str, decision: str | None = None, reasons: tuple[str, ...] = ()
    ) -> StageOutcome:
        return StageOutcome(
            record_id=record_id,
            stage=stage,
            status=status,
            decision=decision,
            reasons=reasons,
            decisions=tuple(screened),
            resolution=resolution,
        )

    if resolution is not None:
        return make(_final(resolution.decision), resolution.decision, resolution.reasons)
    if not screened:
        return make("undecided")
    values = [d.decision for d in screened]
    if is_conflict(stage, values, [d.reasons for d in screened] if reason_conflicts else None):
        return make("conflict")
    if len(screened) < reviewers_per_record:
        return make("awaiting_second_reviewer")
    decision = values[0]
    reasons = _ordered_reasons(screened, criteria_order) if decision == "exclude" else ()
    return make(_final(decision), decision, reasons)


def outcomes(
    record_ids: Iterable[int],
    decisions: Iterable[Decision],
    full_texts: Iterable[FullTextEntry],
    stages: Sequence[str],
    reviewers_per_record: int,
    criteria_order: Sequence[str] = (),
    reason_conflicts: bool = False,
) -> dict[int, RecordOutcome]:
    """Final outcomes at both stages for every record in ``record_ids``.

    A record reaches full text when it passes title/abstract (or at once, when the
    protocol has no title/abstract stage). At full text, a latest entry of
    ``not_retrieved`` makes the status ``not_retrieved`` whatever the decisions say.

    Parameters
    ----------
    record_ids:
        The unique records (primaries of duplicate groups and records in no group).
    decisions:
        Every stored decision row (any kind; pilot decisions are ignored).
    full_texts:
        Every stored full-text entry.
    stages:
        The protocol's stages, e.g. ``("title_abstract", "full_text")``.
    reviewers_per_record:
        1 or 2, from the protocol.
    criteria_order:
        Criteria codes in protocol order, to order exclusion reasons.
    reason_conflicts:
        As for :func:`stage_outcome`.
    """
    by_record: dict[int, list[Decision]] = defaultdict(list)
    for d in decisions:
        by_record[d.record_id].append(d)
    files = latest_full_texts(full_texts)
    return {
        rid: record_outcome(
            rid, by_record.get(rid, ()), files.get(rid), stages, reviewers_per_record,
            criteria_order, reason_conflicts,
        )
        for rid in record_ids
    }


def record_outcome(
    record_id: int,
    decisions: Sequence[Decision],
    entry: FullTextEntry | None,
    stages: Sequence[str],
    reviewers_per_record: int,
    criteria_order: Sequence[str] = (),
    reason_conflicts: bool = False,
) -> RecordOutcome:
    """Final outcomes at both stages for one record (see :func:`outcomes`), from its
    decisions (any kind, oldest first) and its latest full-text entry."""
    rid = record_id
    first = first_stage(stages)
    if not decisions and entry is None and first in stages:
        # Most records of a review in progress: nothing decided, nothing filed. Built
        # directly, this is a tenth of the cost of working it out.
        untouched = StageOutcome(record_id=rid, stage=first, status="undecided")
        return RecordOutcome(
            record_id=rid,
            title_abstract=untouched if first == "title_abstract" else None,
            full_text=None if first == "title_abstract" else untouched,
        )
    rows = list(decisions)
    ta = (
        stage_outcome(rid, "title_abstract", rows, reviewers_per_record, criteria_order)
        if "title_abstract" in stages
        else None
    )
    ft: StageOutcome | None = None
    if "full_text" in stages and (ta is None or ta.passes):
        ft = stage_outcome(rid, "full_text", rows, reviewers_per_record, criteria_order,
                           reason_conflicts)
        if entry is not None and entry.status == "not_retrieved":
            ft = StageOutcome(
                record_id=rid,
                stage="full_text",
                status="not_retrieved",
                reasons=(),
                decisions=ft.decisions,
            )
    return RecordOutcome(record_id=rid, title_abstract=ta, full_text=ft, full_text_entry=entry)
