"""DedupMixin: the deduplication part of the Review facade.

``dedup()`` merges sure duplicates automatically and queues possible ones; every
merge stores its reason and writes an audit event, and can be undone. A re-run after
a search update compares the new records with all earlier ones (screened or not);
when a new record duplicates a screened one, the screened record stays the group's
primary, so its decisions carry over (the decisions table is only read here).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any

from sqlalchemy.engine import Connection

from scopewise.analysis.overlap import SourceOverlap, source_overlap
from scopewise.errors import UsageError
from scopewise.records import Record
from scopewise.review.core import DEFAULT_ACTOR, ReviewCore
from scopewise.store import dedup as store_dedup
from scopewise.store.dedup import Candidate, DuplicateGroupRow
from scopewise.store.flow import duplicate_members
from scopewise.store.records import iter_records

if TYPE_CHECKING:  # the matching itself loads when a run needs it (0.1-0.15 s)
    from scopewise.dedup import DuplicateGroup, MergedRecord

__all__ = ["DedupMixin", "DedupSummary"]

_DECISIONS = {"same": "same", "different": "different", "skip": "skipped"}


@dataclass(frozen=True, slots=True)
class DedupSummary:
    """What one deduplication run did."""

    records: int
    new_records: int  # compared against all others (all records on a first run)
    incremental: bool
    compared: int  # candidate pairs scored
    groups_created: int
    groups_extended: int
    duplicates_merged: int  # records that joined a group in this run
    queued: int  # possible duplicates added to the queue
    seconds: float
    notices_attached: int = 0  # groups in which a notice (erratum, reply...) joined its article
    retractions_attached: int = 0  # of those, groups with a retraction notice


class DedupMixin(ReviewCore):
    """Review methods for deduplication."""

    def dedup(
        self,
        auto_only: bool = False,
        *,
        full: bool = False,
        actor: str = DEFAULT_ACTOR,
        progress: Callable[[str], None] | None = None,
    ) -> DedupSummary:
        """Find duplicates: merge the sure ones, queue the possible ones.

        Parameters
        ----------
        auto_only:
            Merge sure duplicates only; leave the queue of possible ones untouched.
        full:
            Compare every record with every other (through blocking) even when an
            earlier run exists; by default only records imported since are compared
            with all the others.
        actor:
            Who runs it (audit).
        progress:
            Called with a short sentence at each step.
        """
        start = time.perf_counter()
        say = progress or (lambda _: None)
        say("Reading records")
        with self.store.reading() as conn:
            records = store_dedup.matching_records(conn)
            groups = store_dedup.active_groups(conn)
            blocked = store_dedup.blocked_pairs(conn)
            known_pairs = store_dedup.known_candidate_pairs(conn)
            screened = store_dedup.decided_records(conn)
            last = None if full else store_dedup.last_dedup_record_id(conn)
        new_ids = None if last is None else [rid for rid, _ in records if rid > last]
        say("Comparing records")
        from scopewise.dedup import find_duplicates

        result = find_duplicates(
            records,
            known_groups={g.id: list(g.record_ids) for g in groups},
            new_ids=new_ids,
            different_pairs=blocked,
        )
        say("Saving groups")
        created = extended = merged = queued = 0
        with self.store.transaction() as conn:
            new_groups: list[store_dedup.NewGroup] = []
            for group in result.groups:
                if group.known_group is not None:
                    merged += self._extend_group(conn, group, actor)
                    extended += 1
                else:
                    new_groups.append(_new_group(group, screened))
                    merged += len(group.record_ids) - 1
                    created += 1
            ids = store_dedup.insert_groups(conn, new_groups)
            store_dedup.audit_many(
                conn,
                actor,
                "dedup.merge",
                [_merge_detail(gid, g, screened) for gid, g in zip(ids, new_groups, strict=True)],
            )
            if not auto_only:
                fresh = [
                    (c.a, c.b, c.score, c.reason)
                    for c in result.candidates
                    if (c.a, c.b) not in known_pairs
                ]
                queued = store_dedup.insert_candidates(conn, fresh)
            summary = DedupSummary(
                records=len(records),
                new_records=len(records) if new_ids is None else len(new_ids),
                incremental=new_ids is not None,
                compared=result.compared,
                groups_created=created,
                groups_extended=extended,
                duplicates_merged=merged,
                queued=queued,
                seconds=time.perf_counter() - start,
                notices_attached=sum(bool(_notice_kinds(g)) for g in result.groups),
                retractions_attached=sum("retraction" in _notice_kinds(g) for g in result.groups),
            )
            detail: dict[str, Any] = {
                "last_record_id": max((rid for rid, _ in records), default=last or 0),
                "auto_only": auto_only,
                **_summary_dict(summary),
            }
            self.store.audit(conn, actor, "dedup.run", detail)
        return summary

    def _extend_group(self, conn: Connection, group: DuplicateGroup, actor: str) -> int:
        assert group.known_group is not None
        before = set(store_dedup.get_group(conn, group.known_group).record_ids)
        added = [m for m in group.record_ids if m not in before]
        links = [
            link
            for link in group.reason.get("links", [])
            if link["a"] in added or link["b"] in added
        ]
        store_dedup.add_group_members(conn, group.known_group, added, links)
        self.store.audit(
            conn,
            actor,
            "dedup.merge",
            {
                "group": group.known_group,
                "records": added,
                "extends": True,
                "rule": group.reason.get("rule", ""),
                "score": group.score,
            },
        )
        return len(added)

    def undo_merge(self, group_id: int, actor: str = DEFAULT_ACTOR) -> DuplicateGroupRow:
        """Undo a merge: the group is kept but marked undone, its members screened apart.

        Its members are never merged automatically again.

        Raises
        ------
        NotFound
            No group has this id.
        UsageError
            The group was already undone.
        """
        with self.store.transaction() as conn:
            group = store_dedup.undo_group(conn, group_id, actor)
            self.store.audit(
                conn,
                actor,
                "dedup.undo",
                {"group": group_id, "records": list(group.record_ids)},
            )
        return group

    def duplicate_groups(self, include_undone: bool = False) -> list[DuplicateGroupRow]:
        """Active duplicate groups (primary first in each), oldest first."""
        with self.store.reading() as conn:
            if not include_undone:
                return store_dedup.active_groups(conn)
            active = {g.id for g in store_dedup.active_groups(conn)}
            ids = sorted(active | store_dedup.undone_group_ids(conn))
            return [store_dedup.get_group(conn, i) for i in ids]

    def duplicate_queue(self) -> list[tuple[Candidate, Record, Record]]:
        """Possible duplicates still open (queued, then skipped ones) with both records."""
        with self.store.reading() as conn:
            queue = store_dedup.list_candidates(conn, ("queued", "skipped"))
            wanted = {c.record_a for c in queue} | {c.record_b for c in queue}
            records = {rid: rec for rid, _, rec in iter_records(conn, wanted)} if wanted else {}
        return [(c, records[c.record_a], records[c.record_b]) for c in queue]

    def resolve_candidate(
        self, candidate_id: int, decision: str, actor: str = DEFAULT_ACTOR
    ) -> Candidate:
        """Record a person's answer on a possible duplicate: ``same``, ``different`` or ``skip``.

        ``same`` merges the two records (joining the group either already belongs to);
        ``different`` keeps them apart for good; ``skip`` leaves the pair for later.

        Raises
        ------
        NotFound
            No candidate has this id.
        UsageError
            ``decision`` is not one of the three.
        """
        if decision not in _DECISIONS:
            raise UsageError(
                f"decision {decision!r} is not one of same, different, skip; pick one of those"
            )
        with self.store.transaction() as conn:
            pair = store_dedup.candidate(conn, candidate_id)
            store_dedup.set_candidate_status(conn, candidate_id, _DECISIONS[decision], actor)
            detail: dict[str, Any] = {
                "candidate": candidate_id,
                "records": [pair.record_a, pair.record_b],
                "decision": decision,
            }
            if decision == "same":
                detail["group"] = self._merge_by_hand(conn, pair, actor)
            self.store.audit(conn, actor, "dedup.resolve", detail)
        return pair

    def _merge_by_hand(self, conn: Connection, pair: Candidate, actor: str) -> int:
        groups = store_dedup.active_groups(conn)
        group_of = {m: g for g in groups for m in g.record_ids}
        ga, gb = group_of.get(pair.record_a), group_of.get(pair.record_b)
        link = {
            "a": pair.record_a,
            "b": pair.record_b,
            "rule": "a person said they are the same",
            "by": actor,
            "candidate": pair.id,
            "score": pair.score,
        }
        if ga is not None and gb is not None and ga.id == gb.id:
            return ga.id
        if ga is None and gb is None:
            screened = store_dedup.decided_records(conn)
            members = (pair.record_a, pair.record_b)
            primary = min(members, key=lambda m: (-screened.get(m, 0), m))
            group_id = store_dedup.insert_group(
                conn, members, primary, {"rule": link["rule"], "links": [link]}, pair.score, actor
            )
            added = list(members)
        elif ga is not None and gb is not None:
            # two groups become one: the younger is undone and its members join the older
            keep, drop = (ga, gb) if ga.id < gb.id else (gb, ga)
            store_dedup.undo_group(conn, drop.id, actor)
            store_dedup.add_group_members(conn, keep.id, drop.record_ids, [link])
            group_id, added = keep.id, list(drop.record_ids)
        else:
            target = ga or gb
            assert target is not None
            other = pair.record_b if target is ga else pair.record_a
            store_dedup.add_group_members(conn, target.id, [other], [link])
            group_id, added = target.id, [other]
        self.store.audit(
            conn,
            actor,
            "dedup.merge",
            {"group": group_id, "records": added, "rule": link["rule"], "by_hand": True},
        )
        return group_id

    def merged_record(self, group_id: int) -> MergedRecord:
        """The merged view of a group: best value per field and each field's source record."""
        with self.store.reading() as conn:
            group = store_dedup.get_group(conn, group_id)
            records = {rid: rec for rid, _, rec in iter_records(conn, group.record_ids)}
        members = [(rid, records[rid]) for rid in group.record_ids]
        from scopewise.dedup import merge_records

        return merge_records(members, primary_id=group.primary_record_id)

    def source_overlap(self) -> SourceOverlap:
        """Per source: records contributed, distinct records, and records only it found."""
        with self.store.reading() as conn:
            sources = store_dedup.record_sources(conn)
            members = duplicate_members(conn)
        order = [sources[rid] for rid in sorted(sources)]
        return source_overlap(sources, members, dict.fromkeys(order))


def _new_group(group: DuplicateGroup, screened: dict[int, int]) -> store_dedup.NewGroup:
    # A screened member stays primary so its decisions carry over to the group.
    decided = [m for m in group.record_ids if m in screened]
    primary = min(decided, key=lambda m: (-screened[m], m)) if decided else group.primary_id
    return store_dedup.NewGroup(group.record_ids, primary, group.reason, group.score, "auto")


def _merge_detail(
    group_id: int, group: store_dedup.NewGroup, screened: dict[int, int]
) -> dict[str, Any]:
    return {
        "group": group_id,
        "records": list(group.record_ids),
        "primary": group.primary_id,
        "rule": group.reason.get("rule", ""),
        "score": group.score,
        "screened_members": [m for m in group.record_ids if m in screened],
    }


def _notice_kinds(group: DuplicateGroup) -> set[str]:
    """Kinds of the notices (erratum, retraction, reply...) a group's links attached."""
    return {str(link["notice"]) for link in group.reason.get("links", ()) if link.get("notice")}


def _summary_dict(summary: DedupSummary) -> dict[str, Any]:
    return {f.name: getattr(summary, f.name) for f in fields(summary) if f.name != "seconds"}
