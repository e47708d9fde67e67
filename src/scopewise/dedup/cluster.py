"""Duplicate groups from sure pairs, with a guard against chaining.

Plain connected components let one bad link join two unrelated groups (A~B, B~C, so
A~C). Here two groups are joined only if every member of one is compatible with
every member of the other (the check sees conflicting DOIs, years, part numbers,
erratum flags, and titles), and the strongest links are tried first.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable

__all__ = ["MAX_GROUP", "cluster_pairs"]

#: A group never grows beyond this: real duplicate groups have a handful of members.
MAX_GROUP = 25


def cluster_pairs(
    links: Iterable[tuple[int, int, float]],
    compatible: Callable[[int, int], bool],
    *,
    fixed: Iterable[Collection[int]] = (),
    cannot_link: Collection[tuple[int, int]] = (),
    max_group: int = MAX_GROUP,
) -> list[list[int]]:
    """Join items into groups along ``links`` while all members stay compatible.

    Parameters
    ----------
    links:
        ``(a, b, score)`` sure-duplicate links; tried from the highest score down.
    compatible:
        ``compatible(a, b)`` is False when ``a`` and ``b`` must never share a group.
    fixed:
        Groups that already exist (earlier merges or a person's decision); they are
        kept whole and may grow.
    cannot_link:
        Pairs ``(a, b)`` with ``a < b`` a person said are different.
    max_group:
        Largest group allowed.

    Returns
    -------
    list of list of int
        Groups of two or more items, each sorted.
    """
    group_of: dict[int, int] = {}
    members: dict[int, list[int]] = {}
    for gid, existing in enumerate(fixed):
        items = sorted(set(existing))
        members[gid] = items
        for item in items:
            group_of[item] = gid
    next_gid = len(members)
    forbidden = {(min(a, b), max(a, b)) for a, b in cannot_link}

    def group(item: int) -> int:
        nonlocal next_gid
        if item not in group_of:
            group_of[item] = next_gid
            members[next_gid] = [item]
            next_gid += 1
        return group_of[item]

    for a, b, _score in sorted(links, key=lambda link: -link[2]):
        ga, gb = group(a), group(b)
        if ga == gb:
            continue
        left, right = members[ga], members[gb]
        if len(left) + len(right) > max_group:
            continue
        if any(
            (min(x, y), max(x, y)) in forbidden or not compatible(x, y) for x in left for y in right
        ):
            continue
        if len(left) < len(right):
            ga, gb, left, right = gb, ga, right, left
        left.extend(right)
        for item in right:
            group_of[item] = ga
        del members[gb]
    return [sorted(items) for items in members.values() if len(items) > 1]
