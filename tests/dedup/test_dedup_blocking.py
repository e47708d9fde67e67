"""Blocking: candidate pairs grow close to linearly, never all pairs."""

from __future__ import annotations

import random
from typing import Any

from scopewise.dedup import MatchKeys, candidate_pairs, match_keys
from scopewise.records import Author, Record


def rec(title: str = "", authors: str = "", **fields: Any) -> Record:
    """A record from a title, ``"Family, Given; Family, Given"`` authors and fields."""
    people = tuple(Author.parse(a) for a in authors.split(";") if a.strip())
    return Record(title=title, authors=people, **fields)


def keys(record: Record, record_id: int = 1) -> MatchKeys:
    return match_keys(record_id, record)


WORDS = [
    *("child", "adult", "trauma", "stress", "cohort", "trial", "review", "care", "nurse"),
    *("school", "risk", "sleep", "anxiety", "depression", "outcome", "model", "mental"),
    *("health", "family", "veteran"),
]


def distinct_records(n: int, seed: int = 3) -> list[MatchKeys]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        title = " ".join(rng.choice(WORDS) for _ in range(8)) + f" study {i}"
        out.append(keys(rec(title, f"Author{i % 97}, A", year=2000 + i % 20), i))
    return out


def test_pairs_are_far_fewer_than_all_pairs() -> None:
    records = distinct_records(2000)
    pairs = candidate_pairs(records)
    all_pairs = 2000 * 1999 // 2
    assert len(pairs) < all_pairs / 50
    assert all(i < j for i, j in pairs)


def test_cost_grows_close_to_linearly_even_when_everyone_shares_a_key() -> None:
    # worst case for blocking: one author, one year, so one ever-growing block
    def same_author(n: int) -> list[MatchKeys]:
        rng = random.Random(n)
        return [
            keys(rec(" ".join(rng.choice(WORDS) for _ in range(9)), "Wang, Li", year=2020), i)
            for i in range(n)
        ]

    small = len(candidate_pairs(same_author(1000)))
    large = len(candidate_pairs(same_author(4000)))
    # all pairs would grow 16-fold; capped blocks keep the growth near 4-fold
    assert large < small * 6
    assert large < 4000 * 3999 / 2 / 50


def test_a_huge_block_is_windowed_not_compared_in_full() -> None:
    same = [keys(rec("Letter to the editor", "Doe, J", year=2001), i) for i in range(500)]
    pairs = candidate_pairs(same, max_block=50, window=5)
    assert 0 < len(pairs) <= 500 * 5 * 2


def test_duplicate_with_a_typo_still_meets_its_original() -> None:
    a = keys(rec("Posttraumatic stress in children after injury: a cohort study",
                 "Smith, A", year=2010), 0)  # fmt: skip
    b = keys(rec("Posttraumatic stres in children after injury: a cohort study",
                 "Smith, A", year=2010), 1)  # fmt: skip
    assert (0, 1) in candidate_pairs([a, b])


def test_incremental_mode_keeps_only_pairs_with_a_new_record() -> None:
    title = "Sleep problems in veterans with PTSD"
    records = [keys(rec(title, "Lee, C", year=2015), i) for i in range(4)]
    pairs = candidate_pairs(records, only_with={3})
    assert pairs == {(0, 3), (1, 3), (2, 3)}
