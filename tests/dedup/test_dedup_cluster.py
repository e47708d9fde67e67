"""Clustering: one bad link must not chain unrelated records into one group."""

from __future__ import annotations

from scopewise.dedup import cluster_pairs


def test_chain_through_one_bad_link_is_refused() -> None:
    # 1~2 and 2~3 are links, but 1 and 3 conflict (say, different DOIs)
    links = [(1, 2, 0.99), (2, 3, 0.90)]
    groups = cluster_pairs(links, lambda a, b: {a, b} != {1, 3})
    assert groups == [[1, 2]]


def test_compatible_records_form_one_group() -> None:
    links = [(1, 2, 0.99), (2, 3, 0.95), (3, 4, 0.97)]
    assert cluster_pairs(links, lambda a, b: True) == [[1, 2, 3, 4]]


def test_strongest_link_wins_the_contested_record() -> None:
    # 2 may join 1 or 3 but not both (1 and 3 conflict); the stronger link decides
    links = [(2, 3, 0.80), (1, 2, 0.99)]
    groups = cluster_pairs(links, lambda a, b: {a, b} != {1, 3})
    assert [1, 2] in groups and not any(3 in g for g in groups)


def test_existing_groups_stay_whole_and_a_person_s_different_is_respected() -> None:
    groups = cluster_pairs(
        [(5, 6, 0.99), (6, 7, 0.99)],
        lambda a, b: True,
        fixed=[[1, 2]],
        cannot_link=[(6, 7)],
    )
    assert sorted(groups) == [[1, 2], [5, 6]]


def test_groups_never_exceed_the_cap() -> None:
    links = [(i, i + 1, 0.99) for i in range(30)]
    groups = cluster_pairs(links, lambda a, b: True, max_group=10)
    assert max(len(g) for g in groups) <= 10
