"""PRISMA flow counts and invariants on hand-built per-record evidence."""

from __future__ import annotations

import pytest

from scopewise.analysis.prisma import (
    OPEN,
    DuplicateMember,
    Flow,
    FlowData,
    StageOutcome,
    check_invariants,
    compute_flow,
)
from scopewise.errors import ReportError

INC = StageOutcome("include")


def exc(*reasons: str) -> StageOutcome:
    return StageOutcome("exclude", reasons)


def complete_data() -> FlowData:
    # Records 1-6 from PubMed, 7-10 from CINAHL; 7 duplicates 1 and 8 duplicates 2.
    sources = {i: "PubMed" for i in range(1, 7)} | {i: "CINAHL" for i in range(7, 11)}
    duplicates = [
        DuplicateMember(1, 100, 1),
        DuplicateMember(7, 100, 1),
        DuplicateMember(2, 101, 2),
        DuplicateMember(8, 101, 2),
    ]
    # Unique records: 1, 2, 3, 4, 5, 6, 9, 10 (8 records).
    ta = {1: INC, 2: INC, 3: INC, 4: INC, 5: exc("E1"), 6: exc(), 9: exc(), 10: exc()}
    status = {1: "attached", 2: "attached", 3: "attached", 4: "not_retrieved"}
    ft = {1: exc("E2", "E1"), 2: exc("E1"), 3: INC}
    return FlowData(
        record_sources=sources,
        duplicates=duplicates,
        title_abstract=ta,
        full_text=ft,
        full_text_status=status,
        source_order=("PubMed", "CINAHL"),
    )


def test_complete_review_counts_every_box() -> None:
    flow = compute_flow(complete_data())
    assert flow.sources == {"PubMed": 6, "CINAHL": 4}
    assert flow.identified == 10
    assert flow.duplicates_removed == 2
    assert flow.screened == 8
    assert flow.excluded_title_abstract == 4
    assert flow.sought == 4
    assert flow.not_retrieved == 1
    assert flow.assessed == 3
    # A report excluded for several reasons counts under its first reason.
    assert flow.excluded_full_text == {"E1": 1, "E2": 1}
    assert flow.included == 1
    assert flow.complete


def test_json_has_the_documented_keys() -> None:
    out = compute_flow(complete_data()).to_json()
    for key in (
        "identified",
        "duplicates_removed",
        "screened",
        "excluded_title_abstract",
        "sought",
        "not_retrieved",
        "assessed",
        "excluded_full_text",
        "included",
        "sources",
    ):
        assert key in out
    assert out["duplicates_removed"] + out["screened"] == out["identified"]


def test_review_in_progress_shows_open_counts() -> None:
    data = complete_data()
    ta = dict(data.title_abstract)
    del ta[10]  # not decided yet
    ta[9] = INC  # passed, full text not found yet
    ft = dict(data.full_text)
    ft[3] = StageOutcome(OPEN)  # one reviewer of two has decided
    flow = compute_flow(
        FlowData(
            record_sources=data.record_sources,
            duplicates=data.duplicates,
            title_abstract=ta,
            full_text=ft,
            full_text_status=data.full_text_status,
        )
    )
    assert flow.open_title_abstract == 1
    assert flow.sought == 5
    assert flow.awaiting_retrieval == 1
    assert flow.open_full_text == 1
    assert flow.included == 0
    assert not flow.complete
    assert flow.to_json()["open"] == {"title_abstract": 1, "awaiting_retrieval": 1, "full_text": 1}


def test_decisions_on_removed_duplicates_do_not_count() -> None:
    data = complete_data()
    flow = compute_flow(
        FlowData(
            record_sources=data.record_sources,
            duplicates=data.duplicates,
            title_abstract={**data.title_abstract, 7: exc(), 8: INC},
            full_text=data.full_text,
            full_text_status=data.full_text_status,
        )
    )
    assert flow.excluded_title_abstract == 4
    assert flow.sought == 4


def test_a_record_removed_twice_breaks_the_duplicates_invariant() -> None:
    data = complete_data()
    chained = [*data.duplicates, DuplicateMember(7, 102, 3), DuplicateMember(3, 102, 3)]
    with pytest.raises(ReportError, match=r"identified = duplicates removed \+ screened"):
        compute_flow(
            FlowData(
                record_sources=data.record_sources,
                duplicates=chained,
                title_abstract=data.title_abstract,
                full_text=data.full_text,
                full_text_status=data.full_text_status,
            )
        )


def test_full_text_decision_on_a_record_excluded_at_title_abstract_is_reported() -> None:
    data = complete_data()
    with pytest.raises(ReportError, match="sought = not retrieved") as info:
        compute_flow(
            FlowData(
                record_sources=data.record_sources,
                title_abstract=data.title_abstract,
                duplicates=data.duplicates,
                full_text={**data.full_text, 5: INC},
                full_text_status=data.full_text_status,
            )
        )
    assert "invariant broken" in str(info.value)
    assert "\n" not in str(info.value)


def test_report_both_not_retrieved_and_assessed_is_reported() -> None:
    data = complete_data()
    with pytest.raises(ReportError, match="sought = not retrieved"):
        compute_flow(
            FlowData(
                record_sources=data.record_sources,
                duplicates=data.duplicates,
                title_abstract=data.title_abstract,
                full_text={**data.full_text, 4: exc("E1")},
                full_text_status=data.full_text_status,
            )
        )


def test_check_invariants_names_the_broken_one() -> None:
    flow = compute_flow(complete_data())
    fields = {name: getattr(flow, name) for name in Flow.__dataclass_fields__}
    bad = Flow(**{**fields, "excluded_full_text": {"E1": 5}})
    with pytest.raises(ReportError, match="assessed = excluded at full text"):
        check_invariants(bad)
    bad = Flow(**{**fields, "sources": {"PubMed": 6}})
    with pytest.raises(ReportError, match="identified = sum of records identified per source"):
        check_invariants(bad)


def test_title_abstract_only_review_includes_what_passes() -> None:
    data = complete_data()
    flow = compute_flow(
        FlowData(
            record_sources=data.record_sources,
            duplicates=data.duplicates,
            title_abstract=data.title_abstract,
            stages=("title_abstract",),
        )
    )
    assert flow.included == 4
    assert flow.sought == flow.assessed == 0
    assert not flow.full_text_stage


def test_exclusion_without_reason_is_counted_as_unspecified() -> None:
    data = complete_data()
    flow = compute_flow(
        FlowData(
            record_sources=data.record_sources,
            duplicates=data.duplicates,
            title_abstract=data.title_abstract,
            full_text={**data.full_text, 3: exc()},
            full_text_status=data.full_text_status,
        )
    )
    assert flow.excluded_full_text == {"E1": 1, "E2": 1, "unspecified": 1}
    assert flow.included == 0


def test_empty_project_has_an_empty_flow() -> None:
    flow = compute_flow(FlowData(record_sources={}))
    assert flow.identified == flow.screened == flow.included == 0
    assert flow.complete


def _with_removed(removed: dict[int, str], **extra: object) -> FlowData:
    base = complete_data()
    sources = dict(base.record_sources) | {11: "CINAHL", 12: "CINAHL", 13: "PubMed"}
    fields = {f: getattr(base, f) for f in FlowData.__dataclass_fields__}
    return FlowData(**(fields | {"record_sources": sources, "removed_other": removed} | extra))


def test_records_removed_for_other_reasons_count_by_reason_and_reconcile() -> None:
    flow = compute_flow(_with_removed({11: "Retracted", 12: "Retracted", 13: "Out of scope"}))
    assert flow.identified == 13
    assert flow.removed_other == {"Retracted": 2, "Out of scope": 1}
    assert flow.removed_other_total == 3
    assert flow.screened == 8  # the complete review's screening, untouched
    assert flow.identified == flow.duplicates_removed + flow.removed_other_total + flow.screened
    out = flow.to_json()
    assert out["removed_other_reasons"] == 3
    assert out["removed_other_reasons_by_reason"] == {"Retracted": 2, "Out of scope": 1}


def test_a_removed_record_that_became_a_duplicate_counts_once() -> None:
    data = _with_removed(
        {11: "Retracted", 7: "Retracted"},  # 7 is a non-primary duplicate of 1
        not_screened=frozenset({11, 12, 13}), stop_recall=0.95,
        title_abstract={**complete_data().title_abstract},
    )
    flow = compute_flow(data)
    assert flow.duplicates_removed == 2
    assert flow.removed_other == {"Retracted": 1}
    assert flow.not_screened == 2  # 12 and 13; 11 is removed, not left unscreened
    assert flow.identified == (flow.duplicates_removed + flow.removed_other_total
                               + flow.screened + flow.not_screened)


def test_a_screened_record_marked_removed_is_a_contradiction() -> None:
    with pytest.raises(ReportError, match="record 5 was removed before screening"):
        compute_flow(_with_removed({5: "Retracted"}))
