"""Source overlap tallies."""

from __future__ import annotations

from scopewise.analysis.overlap import source_overlap
from scopewise.analysis.prisma import DuplicateMember


def test_overlap_counts_unique_only_here_and_pairs() -> None:
    # A: 1, 2, 3; B: 4, 5; C: 6. Groups: {1, 4} (A+B), {2, 3} (A twice), {5, 6} (B+C).
    sources = {1: "A", 2: "A", 3: "A", 4: "B", 5: "B", 6: "C"}
    groups = [
        DuplicateMember(1, 1, 1),
        DuplicateMember(4, 1, 1),
        DuplicateMember(2, 2, 2),
        DuplicateMember(3, 2, 2),
        DuplicateMember(5, 3, 5),
        DuplicateMember(6, 3, 5),
    ]
    o = source_overlap(sources, groups, ("C", "B", "A"))
    assert o.sources == ("C", "B", "A")
    assert o.contributed == {"C": 1, "B": 2, "A": 3}
    assert o.unique == {"C": 1, "B": 2, "A": 2}
    assert o.only_here == {"C": 0, "B": 0, "A": 1}
    assert o.within_source_duplicates == {"C": 0, "B": 0, "A": 1}
    assert o.pairs == {("B", "A"): 1, ("C", "B"): 1}
    assert [r["source"] for r in o.rows()] == ["C", "B", "A"]


def test_record_in_no_group_is_its_own_study_record() -> None:
    o = source_overlap({1: "A", 2: "B"}, [])
    assert o.only_here == {"A": 1, "B": 1}
    assert o.pairs == {}
