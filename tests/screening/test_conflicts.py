"""Conflicts and final outcomes at each stage, and the per-record outcomes for PRISMA."""

from __future__ import annotations

import pytest

from scopewise.errors import ScreeningError
from scopewise.screening import (
    Decision,
    FullTextEntry,
    check_resolver,
    is_conflict,
    outcomes,
    stage_outcome,
)

TA, FT = "title_abstract", "full_text"


def d(
    i: int,
    reviewer: str,
    decision: str,
    stage: str = TA,
    record: int = 1,
    kind: str = "screen",
    reasons: tuple[str, ...] = (),
) -> Decision:
    return Decision(i, record, stage, reviewer, decision, reasons=reasons, kind=kind)


@pytest.mark.parametrize(
    ("stage", "values", "expected"),
    [
        (TA, ["include", "include"], False),
        (TA, ["exclude", "exclude"], False),
        (TA, ["include", "exclude"], True),
        (TA, ["maybe", "include"], True),
        (TA, ["maybe", "maybe"], True),  # 'maybe' against anything, see module doc
        (TA, ["maybe"], False),
        (FT, ["exclude", "exclude"], False),
        (FT, ["include", "exclude"], True),
    ],
)
def test_conflict_rule(stage: str, values: list[str], expected: bool) -> None:
    assert is_conflict(stage, values) is expected


def test_no_decision_is_undecided() -> None:
    assert stage_outcome(1, TA, [], 2).status == "undecided"


def test_one_of_two_reviewers_is_awaiting_the_second() -> None:
    out = stage_outcome(1, TA, [d(1, "Ann", "include")], 2)
    assert out.status == "awaiting_second_reviewer"
    assert out.decision is None and not out.passes


def test_single_reviewer_decision_is_final_and_maybe_passes() -> None:
    out = stage_outcome(1, TA, [d(1, "Ann", "maybe")], 1)
    assert (out.status, out.decision, out.passes) == ("included", "maybe", True)
    excluded = stage_outcome(1, TA, [d(1, "Ann", "exclude")], 1)
    assert (excluded.status, excluded.passes) == ("excluded", False)


def test_agreement_is_final_and_a_changed_mind_counts() -> None:
    rows = [d(1, "Ann", "exclude"), d(2, "Ben", "include"), d(3, "Ann", "include")]
    out = stage_outcome(1, TA, rows, 2)
    assert (out.status, out.decision) == ("included", "include")
    assert out.reviewers == ("Ben", "Ann")


def test_disagreement_is_a_conflict_until_resolved() -> None:
    rows = [d(1, "Ann", "include"), d(2, "Ben", "exclude")]
    assert stage_outcome(1, TA, rows, 2).status == "conflict"
    resolved = stage_outcome(1, TA, [*rows, d(3, "Lead", "exclude", kind="resolution")], 2)
    assert (resolved.status, resolved.decision) == ("excluded", "exclude")
    assert resolved.resolution is not None and resolved.resolution.reviewer == "Lead"


def test_the_latest_resolution_is_final_even_if_reviewers_change() -> None:
    rows = [
        d(1, "Ann", "include"),
        d(2, "Ben", "exclude"),
        d(3, "Lead", "include", kind="resolution"),
        d(4, "Ben", "exclude"),
    ]
    assert stage_outcome(1, TA, rows, 2).decision == "include"


def test_pilot_decisions_do_not_count() -> None:
    rows = [d(1, "Ann", "include", kind="pilot"), d(2, "Ben", "include", kind="pilot")]
    assert stage_outcome(1, TA, rows, 2).status == "undecided"


def test_full_text_exclusions_agree_with_the_union_of_reasons_in_protocol_order() -> None:
    rows = [
        d(1, "Ann", "exclude", FT, reasons=("NOFT",)),
        d(2, "Ben", "exclude", FT, reasons=("POP", "NOFT")),
    ]
    out = stage_outcome(1, FT, rows, 2, criteria_order=["POP", "NOTPEER", "NOFT"])
    assert (out.status, out.reasons) == ("excluded", ("POP", "NOFT"))


def test_resolver_must_be_a_lead_or_a_third_reviewer() -> None:
    check_resolver("Lead", "lead", ["Lead", "Ann"])
    check_resolver("Cat", "reviewer", ["Ann", "Ben"])
    with pytest.raises(ScreeningError, match="Ann screened this record"):
        check_resolver("Ann", "reviewer", ["Ann", "Ben"])
    with pytest.raises(ScreeningError, match="information specialist"):
        check_resolver("Ivy", "information_specialist", ["Ann", "Ben"])


def _ft(i: int, record: int, status: str, reason: str = "") -> FullTextEntry:
    return FullTextEntry(i, record, status, reason=reason)


def test_outcomes_follow_records_through_both_stages() -> None:
    rows = [
        # record 1: included at both stages
        d(1, "Ann", "include", record=1),
        d(2, "Ben", "include", record=1),
        d(3, "Ann", "include", FT, record=1),
        d(4, "Ben", "include", FT, record=1),
        # record 2: excluded at title/abstract
        d(5, "Ann", "exclude", record=2),
        d(6, "Ben", "exclude", record=2),
        # record 3: passed, full text not retrieved (despite a stray FT decision)
        d(7, "Ann", "include", record=3),
        d(8, "Ben", "include", record=3),
        # record 4: passed, then excluded at full text
        d(9, "Ann", "maybe", record=4),
        d(10, "Ben", "include", record=4),
        d(11, "Lead", "include", kind="resolution", record=4),
        d(12, "Ann", "exclude", FT, record=4, reasons=("NOTPEER",)),
        d(13, "Ben", "exclude", FT, record=4, reasons=("NOTPEER",)),
    ]
    files = [_ft(1, 3, "attached"), _ft(2, 3, "not_retrieved", "library had no copy")]
    result = outcomes([1, 2, 3, 4, 5], rows, files, (TA, FT), 2)
    assert result[1].full_text is not None and result[1].full_text.status == "included"
    assert result[2].title_abstract is not None and result[2].title_abstract.status == "excluded"
    assert result[2].full_text is None and not result[2].sought_for_retrieval
    assert result[3].not_retrieved
    assert result[3].full_text_entry is not None
    assert result[3].full_text_entry.reason == "library had no copy"
    four = result[4].full_text
    assert four is not None and (four.status, four.reasons) == ("excluded", ("NOTPEER",))
    assert result[5].title_abstract is not None
    assert result[5].title_abstract.status == "undecided"


def test_attaching_after_not_retrieved_makes_the_record_retrieved() -> None:
    rows = [d(1, "Ann", "include")]
    files = [_ft(1, 1, "not_retrieved", "none"), _ft(2, 1, "attached")]
    result = outcomes([1], rows, files, (TA, FT), 1)
    assert result[1].full_text is not None and result[1].full_text.status == "undecided"


def test_full_text_only_protocol_starts_every_record_at_full_text() -> None:
    result = outcomes([1], [d(1, "Ann", "include", FT)], [], (FT,), 1)
    assert result[1].title_abstract is None
    assert result[1].full_text is not None and result[1].full_text.status == "included"
