"""Source overlap: how many records each source contributed and how many only it found.

A *study record* here is a duplicate group (all the records that are one bibliographic
record) or a record that is in no group. A source "found" a study record when at
least one of its members came from that source.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from itertools import combinations

from scopewise.analysis.prisma import DuplicateMember

__all__ = ["SourceOverlap", "source_overlap"]


@dataclass(frozen=True, slots=True)
class SourceOverlap:
    """Overlap tallies between sources.

    Attributes
    ----------
    contributed:
        Records imported per source (duplicates included).
    unique:
        Distinct study records per source after merging duplicates.
    only_here:
        Study records found by this source and no other.
    within_source_duplicates:
        Records of a source that duplicate another record of the same source.
    pairs:
        Study records found by both sources of each pair, keyed ``(a, b)`` with ``a < b``
        in source order.
    """

    sources: tuple[str, ...]
    contributed: dict[str, int]
    unique: dict[str, int]
    only_here: dict[str, int]
    within_source_duplicates: dict[str, int]
    pairs: dict[tuple[str, str], int]

    def rows(self) -> list[dict[str, object]]:
        """One row per source, for tables."""
        return [
            {
                "source": s,
                "contributed": self.contributed[s],
                "unique": self.unique[s],
                "only_here": self.only_here[s],
                "within_source_duplicates": self.within_source_duplicates[s],
            }
            for s in self.sources
        ]


def source_overlap(
    record_sources: Mapping[int, str],
    duplicates: Iterable[DuplicateMember],
    source_order: Iterable[str] = (),
) -> SourceOverlap:
    """Tally the overlap between sources from record provenance and duplicate groups."""
    cluster_of: dict[int, int] = {}
    for member in duplicates:
        # Group ids and record ids live in different spaces: negate group ids.
        cluster_of[member.record_id] = -member.group_id
    members: dict[int, list[str]] = defaultdict(list)
    for record_id, source in record_sources.items():
        members[cluster_of.get(record_id, record_id)].append(source)

    counts = Counter(record_sources.values())
    order = [s for s in source_order if s in counts]
    order += sorted(s for s in counts if s not in order)

    unique: Counter[str] = Counter()
    only_here: Counter[str] = Counter()
    within: Counter[str] = Counter()
    pairs: Counter[tuple[str, str]] = Counter()
    rank = {s: i for i, s in enumerate(order)}
    for found_by in members.values():
        distinct = sorted(set(found_by), key=rank.__getitem__)
        for source in distinct:
            unique[source] += 1
        if len(distinct) == 1:
            only_here[distinct[0]] += 1
        for source, n in Counter(found_by).items():
            within[source] += n - 1
        for a, b in combinations(distinct, 2):
            pairs[(a, b)] += 1
    return SourceOverlap(
        sources=tuple(order),
        contributed={s: counts[s] for s in order},
        unique={s: unique[s] for s in order},
        only_here={s: only_here[s] for s in order},
        within_source_duplicates={s: within[s] for s in order},
        pairs=dict(pairs),
    )
