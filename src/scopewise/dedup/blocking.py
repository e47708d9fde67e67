"""Candidate pairs through blocking: only records that share a cheap key are compared.

Each record emits a handful of keys (identifier, start and end of the title, first
author with year, volume with first page). Records are compared only inside a
block, so the work grows with the number of records times the (capped) block size,
never with all pairs. A block larger than ``max_block`` is not compared in full: its
records are sorted by title and each is compared with its ``window`` neighbours.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Iterator, Sequence

from scopewise.dedup.keys import MatchKeys
from scopewise.dedup.rules import cochrane_id

__all__ = ["blocking_keys", "candidate_pairs"]


def blocking_keys(k: MatchKeys) -> list[str]:
    """The block keys of one record (several, so one typo cannot hide a duplicate)."""
    keys: list[str] = []
    if k.doi:
        keys.append("doi:" + (cochrane_id(k.doi) or k.doi))
    if k.pmid:
        keys.append("pmid:" + k.pmid)
    words = k.title_words
    if len(words) >= 2:
        keys.append("t0:" + " ".join(words[:4]))
        if len(words) > 4:
            keys.append("t1:" + " ".join(words[-4:]))
        if len(words) > 8:
            mid = len(words) // 2
            keys.append("tm:" + " ".join(words[mid - 2 : mid + 2]))
        main = k.main_title.split()
        if 2 <= len(main) < len(words):
            keys.append("t1:" + " ".join(main[-4:]))
    if k.first_author and k.year:
        keys.append(f"ay:{k.first_author}:{k.year}")
    if k.first_page and (k.volume or k.first_author):
        keys.append(f"vp:{k.volume or k.first_author}:{k.first_page}")
    return keys


def _window_pairs(
    members: list[int], keys: Sequence[MatchKeys], window: int
) -> Iterator[tuple[int, int]]:
    ordered = sorted(members, key=lambda i: keys[i].title)
    for pos, i in enumerate(ordered):
        for j in ordered[pos + 1 : pos + 1 + window]:
            yield (i, j) if i < j else (j, i)


def candidate_pairs(
    keys: Sequence[MatchKeys],
    *,
    only_with: Collection[int] | None = None,
    max_block: int = 60,
    window: int = 12,
) -> set[tuple[int, int]]:
    """Index pairs ``(i, j)``, ``i < j``, worth comparing.

    Parameters
    ----------
    keys:
        Match keys, indexed by position.
    only_with:
        Incremental mode: keep only pairs with at least one of these positions
        (the new records after a search update).
    max_block:
        Largest block compared in full.
    window:
        Neighbours compared per record inside a larger block.
    """
    blocks: dict[str, list[int]] = defaultdict(list)
    for i, k in enumerate(keys):
        for key in blocking_keys(k):
            block = blocks[key]
            if not block or block[-1] != i:
                block.append(i)
    new = set(only_with) if only_with is not None else None
    pairs: set[tuple[int, int]] = set()
    for members in blocks.values():
        if len(members) < 2:
            continue
        if new is not None and not any(m in new for m in members):
            continue
        found: Iterable[tuple[int, int]]
        if len(members) <= max_block:
            found = (
                (members[x], members[y])
                for x in range(len(members))
                for y in range(x + 1, len(members))
            )
        else:
            found = _window_pairs(members, keys, window)
        if new is None:
            pairs.update(found)
        else:
            pairs.update(p for p in found if p[0] in new or p[1] in new)
    return pairs
