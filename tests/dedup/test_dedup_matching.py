"""find_duplicates end to end on small fixtures: groups, reasons, queue, incremental."""

from __future__ import annotations

from typing import Any

import pytest

from scopewise.dedup import find_duplicates
from scopewise.errors import UsageError
from scopewise.records import Author, Record


def rec(title: str = "", authors: str = "", **fields: Any) -> Record:
    """A record from a title, ``"Family, Given; Family, Given"`` authors and fields."""
    people = tuple(Author.parse(a) for a in authors.split(";") if a.strip())
    return Record(title=title, authors=people, **fields)


ORIGINAL = rec(
    "Trauma-focused therapy for adolescents: a randomised trial",
    "Brown, Alice; Green, Tom",
    year=2015,
    journal="Journal of Traumatic Stress",
    volume="28",
    issue="4",
    pages="301-309",
    doi="10.1002/jts.22001",
)
COPY = rec(
    "TRAUMA-FOCUSED THERAPY FOR ADOLESCENTS: A RANDOMIZED TRIAL",
    "Brown A; Green T",
    year=2015,
    journal="J Trauma Stress",
    volume="28",
    issue="4",
    pages="301-9",
)
UNRELATED = rec("Sleep hygiene in nursing homes", "White, Ed", year=2015, journal="Sleep")
MAYBE = rec(
    "Trauma-focused therapy for adolescents: a randomised trial",
    "Brown, Alice; Green, Tom",
    year=2015,
)


def test_sure_duplicates_are_grouped_with_reason_and_primary() -> None:
    result = find_duplicates([(10, ORIGINAL), (11, COPY), (12, UNRELATED)])
    assert [g.record_ids for g in result.groups] == [(10, 11)]
    group = result.groups[0]
    assert group.primary_id == 10  # the more complete record (it has the DOI)
    link = group.reason["links"][0]
    assert {link["a"], link["b"]} == {10, 11}
    assert "volume" in link["matched"] and link["score"] == group.score
    assert result.duplicate_pairs() == {(10, 11)}


def test_possible_duplicates_are_queued_not_merged() -> None:
    no_year = MAYBE.with_changes(year=None, authors=())
    result = find_duplicates([(1, UNRELATED), (2, no_year), (3, COPY)])
    assert result.groups == ()
    assert [(c.a, c.b) for c in result.candidates] == [(2, 3)]
    assert result.candidates[0].reason["outcome"] == "possible"


def test_incremental_run_extends_a_known_group() -> None:
    earlier = rec(ORIGINAL.title, "Brown, A.; Green, T.", year=2015, journal="J Trauma Stress",
                  volume="28", issue="4", pages="301")  # fmt: skip
    result = find_duplicates(
        [(1, ORIGINAL), (2, earlier), (3, COPY), (4, UNRELATED)],
        known_groups={7: [1, 2]},
        new_ids=[3, 4],
    )
    assert len(result.groups) == 1
    group = result.groups[0]
    assert group.known_group == 7 and group.record_ids == (1, 2, 3) and group.primary_id == 1


def test_incremental_run_leaves_old_pairs_alone() -> None:
    result = find_duplicates([(1, ORIGINAL), (2, COPY), (3, UNRELATED)], new_ids=[3])
    assert result.groups == () and result.compared == 0


def test_a_pair_a_person_called_different_is_not_merged_again() -> None:
    result = find_duplicates([(1, ORIGINAL), (2, COPY)], different_pairs=[(2, 1)])
    assert result.groups == () and result.candidates == ()


def test_record_ids_must_be_unique() -> None:
    with pytest.raises(UsageError, match="unique"):
        find_duplicates([(1, ORIGINAL), (1, COPY)])


def test_a_title_with_and_spelled_once_and_written_once_as_ampersand_merges() -> None:
    """PubMed spells "and" where Scopus writes "&": with only title, authors and year
    to go on, the pair was queued for a person; a shorter title was not even paired.
    Written "&amp;" (an entity left undecoded by the export) it reads the same."""
    pubmed = rec("Anxiety and depression in carers", "Brown, Alice; Green, Tom", year=2015)
    scopus = rec("Anxiety & depression in carers", "Brown A.; Green T.", year=2015)
    result = find_duplicates([(1, pubmed), (2, scopus), (3, UNRELATED)])
    assert [g.record_ids for g in result.groups] == [(1, 2)] and result.candidates == ()
    short = find_duplicates([(1, rec("Sleep and mood", "Brown, Alice", year=2015)),
                             (2, rec("Sleep &amp; mood", "Brown A.", year=2015))])
    assert [g.record_ids for g in short.groups] == [(1, 2)]  # as if both spelled "and"
