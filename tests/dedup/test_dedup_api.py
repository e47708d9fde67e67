"""The public names of scopewise.dedup are pinned: changing them is a deliberate act."""

from __future__ import annotations

import scopewise.dedup


def test_dedup_api() -> None:
    assert set(scopewise.dedup.__all__) == {
        "CandidatePair",
        "DedupResult",
        "DuplicateGroup",
        "MatchKeys",
        "MergedRecord",
        "Outcome",
        "PairEvidence",
        "Verdict",
        "blocking_keys",
        "candidate_pairs",
        "classify",
        "cluster_pairs",
        "compare",
        "find_duplicates",
        "match_keys",
        "merge_records",
        "normalise_journal",
        "normalise_title",
    }
    for name in scopewise.dedup.__all__:
        assert getattr(scopewise.dedup, name).__doc__
