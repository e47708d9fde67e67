"""Find duplicates in a set of records: keys -> blocks -> pair verdicts -> groups."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from scopewise.dedup.blocking import candidate_pairs
from scopewise.dedup.cluster import cluster_pairs
from scopewise.dedup.keys import MatchKeys, match_keys
from scopewise.dedup.rules import Outcome, Verdict, classify
from scopewise.errors import UsageError
from scopewise.records import Record

__all__ = ["CandidatePair", "DedupResult", "DuplicateGroup", "find_duplicates"]


@dataclass(frozen=True, slots=True)
class DuplicateGroup:
    """Records that are one bibliographic record (a sure duplicate group).

    ``reason`` holds the links that joined the group, each with its rule, the fields
    that matched and differed, and its score; ``score`` is the weakest link's.
    ``known_group`` is the id of an existing group this one extends (incremental mode).
    """

    record_ids: tuple[int, ...]
    primary_id: int
    reason: dict[str, Any]
    score: float
    known_group: int | None = None


@dataclass(frozen=True, slots=True)
class CandidatePair:
    """A possible duplicate for a person to decide (``a < b``)."""

    a: int
    b: int
    score: float
    reason: dict[str, Any]


@dataclass(frozen=True, slots=True)
class DedupResult:
    """What :func:`find_duplicates` found."""

    groups: tuple[DuplicateGroup, ...]
    candidates: tuple[CandidatePair, ...]
    records: int
    compared: int  # pairs scored (the cost; far below all pairs)
    stats: dict[str, int] = field(default_factory=dict)

    def duplicate_pairs(self) -> set[tuple[int, int]]:
        """Unordered record-id pairs inside groups (for pairwise precision/recall)."""
        out: set[tuple[int, int]] = set()
        for group in self.groups:
            ids = sorted(group.record_ids)
            out.update((x, y) for i, x in enumerate(ids) for y in ids[i + 1 :])
        return out


def _primary(ids: Sequence[int], keys: Mapping[int, MatchKeys]) -> int:
    # The article rather than a notice about it; then the most complete record, one
    # with a page range (the full article rather than its one-page abstract); then
    # the earliest imported (lowest id).
    def rank(i: int) -> tuple[bool, int, bool, int]:
        k = keys[i]
        return bool(k.notice), -k.filled, not k.last_page or k.last_page == k.first_page, i

    return min(ids, key=rank)


def find_duplicates(
    records: Sequence[tuple[int, Record]],
    *,
    known_groups: Mapping[int, Sequence[int]] | None = None,
    new_ids: Collection[int] | None = None,
    different_pairs: Collection[tuple[int, int]] = (),
) -> DedupResult:
    """Find sure duplicate groups and possible duplicate pairs.

    Parameters
    ----------
    records:
        ``(record_id, record)`` pairs; ids must be unique.
    known_groups:
        Existing groups, ``{group_id: [primary_id, other member ids...]}``; they are
        kept whole, never joined to each other, and new records may join them.
    new_ids:
        Incremental mode (after a search update): only pairs involving at least one
        of these records are compared. ``None`` compares everything (via blocking).
    different_pairs:
        Pairs a person said are different; never merged or queued again.

    Returns
    -------
    DedupResult
        New or grown groups (a grown group carries ``known_group``) and the queue.
    """
    ids = [rid for rid, _ in records]
    if len(set(ids)) != len(ids):
        raise UsageError("find_duplicates: record ids must be unique; pass each record once")
    keys = [match_keys(rid, rec) for rid, rec in records]
    by_id = {k.record_id: k for k in keys}
    position = {rid: i for i, rid in enumerate(ids)}
    known = {gid: [m for m in members if m in position]
             for gid, members in (known_groups or {}).items()}  # fmt: skip
    group_of_known = {m: gid for gid, members in known.items() for m in members}
    only = {position[i] for i in new_ids if i in position} if new_ids is not None else None

    pairs = candidate_pairs(keys, only_with=only)
    forbidden = {(min(a, b), max(a, b)) for a, b in different_pairs}
    verdicts: dict[tuple[int, int], Verdict] = {}
    for i, j in pairs:
        a, b = keys[i].record_id, keys[j].record_id
        pair = (a, b) if a < b else (b, a)
        if pair in forbidden:
            continue
        ga, gb = group_of_known.get(a), group_of_known.get(b)
        if ga is not None and ga == gb:
            continue
        verdicts[pair] = classify(by_id[pair[0]], by_id[pair[1]])

    def compatible(x: int, y: int) -> bool:
        gx, gy = group_of_known.get(x), group_of_known.get(y)
        if gx is not None and gy is not None:
            return gx == gy  # two existing groups are never joined automatically
        pair = (x, y) if x < y else (y, x)
        verdict = verdicts.get(pair)
        if verdict is None:
            verdict = verdicts[pair] = classify(by_id[pair[0]], by_id[pair[1]])
        return verdict.outcome is not Outcome.DISTINCT

    sure = [(a, b, v.score) for (a, b), v in verdicts.items() if v.outcome is Outcome.SURE]
    possible = [(a, b) for (a, b), v in verdicts.items() if v.outcome is Outcome.POSSIBLE]
    clusters = cluster_pairs(sure, compatible, fixed=list(known.values()), cannot_link=forbidden)

    in_group = {m: n for n, members in enumerate(clusters) for m in members}
    links_of: dict[int, list[dict[str, Any]]] = {}
    for a, b, _ in sorted(sure):
        n = in_group.get(a, -1)
        if n >= 0 and in_group.get(b) == n:
            links_of.setdefault(n, []).append({"a": a, "b": b, **verdicts[a, b].reason()})
    groups: list[DuplicateGroup] = []
    for n, members in enumerate(clusters):
        old = {group_of_known[m] for m in members if m in group_of_known}
        known_id = old.pop() if old else None
        if known_id is not None and len(members) == len(known[known_id]):
            continue  # unchanged existing group
        links = links_of.get(n, [])
        score = min((link["score"] for link in links), default=1.0)
        primary = known[known_id][0] if known_id is not None else _primary(members, by_id)
        rules = sorted({str(link["rule"]) for link in links})
        groups.append(
            DuplicateGroup(
                record_ids=tuple(members),
                primary_id=primary,
                reason={"rule": "; ".join(rules), "links": links},
                score=score,
                known_group=known_id,
            )
        )
    candidates = [
        CandidatePair(a, b, verdicts[a, b].score, verdicts[a, b].reason())
        for a, b in sorted(possible)
        if not (a in in_group and in_group.get(a) == in_group.get(b))
    ]
    candidates.sort(key=lambda c: -c.score)
    return DedupResult(
        groups=tuple(groups),
        candidates=tuple(candidates),
        records=len(records),
        compared=len(pairs),
        stats={
            "sure_pairs": len(sure),
            "possible_pairs": len(candidates),
            "groups": len(groups),
        },
    )
