"""RemovalsMixin: the lead removes records before screening for a stated reason.

PRISMA 2020 has a line "records removed for other reasons" beside the duplicates:
records retracted, out of the review's scope on their face (e.g. published before
its date range), or marked ineligible by an automation tool. Each removal names
its reason, is audited, and can be undone; the flow counts the ones in force by
reason, and its invariant "identified = duplicates removed + screened + not
screened + removed for other reasons" holds them to account.
"""

from __future__ import annotations

from collections.abc import Iterable

from scopewise.errors import UsageError
from scopewise.review.core import ReviewCore
from scopewise.store import removals as store_removals

__all__ = ["RemovalsMixin"]

#: At most this many ids are named in a refusal; the rest are counted.
SHOWN = 5


class RemovalsMixin(ReviewCore):
    """Review methods for records removed before screening."""

    def _check_lead(self, actor: str) -> None:
        leads = [m.name for m in self.protocol.team if m.role == "lead"]
        if leads and actor not in leads:
            raise UsageError(
                f"only the review's lead removes records before screening; give --actor "
                f"with the lead's name ({', '.join(leads)})"
            )

    def remove_records(self, record_ids: Iterable[int], reason: str, actor: str) -> int:
        """Remove ``record_ids`` before screening for ``reason``; how many were removed.

        All or none: if one record may not be removed (it does not exist, is a
        duplicate, was removed already, or was screened), nothing is.

        Raises
        ------
        UsageError
            No ids, a blank reason, an actor who is not the protocol's lead, or a
            record that may not be removed (the message names it and why).
        """
        ids = list(dict.fromkeys(int(r) for r in record_ids))
        reason = " ".join(reason.split())
        if not ids:
            raise UsageError("name the records to remove, e.g. scopewise remove DIR 12 15")
        if not reason:
            raise UsageError('give the reason with --reason, e.g. --reason "Retracted"')
        if len(reason) > 300:
            raise UsageError("keep the reason under 300 characters; it is a label in the flow")
        self._check_lead(actor)
        with self.store.transaction() as conn:
            blocked = store_removals.removal_blockers(conn, ids)
            if blocked:
                shown = "; ".join(f"record {rid}: {why}" for rid, why in
                                  sorted(blocked.items())[:SHOWN])
                more = f" (and {len(blocked) - SHOWN} more)" if len(blocked) > SHOWN else ""
                raise UsageError(f"nothing removed: {shown}{more}")
            # one label per reason in the flow: an earlier removal's spelling wins over
            # this one's case ("retracted" is "Retracted")
            earlier = set(store_removals.active_removals(conn).values())
            reason = next((r for r in sorted(earlier) if r.casefold() == reason.casefold()),
                          reason)
            count = store_removals.insert_removals(conn, ids, reason, actor)
            self.store.audit(conn, actor, "records.removed",
                             {"records": ids, "reason": reason})
        return count

    def undo_removals(self, record_ids: Iterable[int], actor: str) -> list[int]:
        """Put removed records back to be screened; the ids that were removed.

        Raises
        ------
        UsageError
            No ids, an actor who is not the lead, or none of the records is removed.
        """
        ids = list(dict.fromkeys(int(r) for r in record_ids))
        if not ids:
            raise UsageError("name the records to put back, e.g. scopewise remove DIR 12 --undo")
        self._check_lead(actor)
        with self.store.transaction() as conn:
            undone = store_removals.undo_removals(conn, ids, actor)
            if not undone:
                raise UsageError("none of these records is removed; list removals with --list")
            self.store.audit(conn, actor, "records.removal_undone", {"records": undone})
        return undone

    def removals(self) -> list[store_removals.RemovalRow]:
        """Every removal before screening, oldest first, undone ones included."""
        with self.store.reading() as conn:
            return store_removals.removal_rows(conn)
