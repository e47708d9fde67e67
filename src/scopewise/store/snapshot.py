"""The final screening outcomes of every unique record, for the PRISMA flow.

:func:`screening_snapshot` returns one :class:`~scopewise.screening.RecordOutcome` per
unique record (records in no active duplicate group, plus the primary record of each
active group) with

- ``title_abstract``: the final title/abstract outcome (``status`` one of included,
  excluded, conflict, awaiting_second_reviewer, undecided; ``decision`` include,
  exclude or maybe once final; a final ``maybe`` passes to full text);
- ``full_text``: ``None`` unless the record passed title/abstract; otherwise its
  full-text outcome, with ``status`` ``not_retrieved`` when the latest full-text entry
  says so, and ``reasons`` (criteria codes, protocol order) for exclusions;
- ``full_text_entry``: the latest attached/not-retrieved entry (with the reason).

:meth:`ScreeningSnapshot.counts` adds up the PRISMA numbers from those outcomes.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from sqlalchemy.engine import Connection

from scopewise.protocol import Protocol
from scopewise.screening.conflicts import RecordOutcome, outcomes
from scopewise.store.screening import (
    decision_rows,
    full_text_rows,
    stored_protocol,
    unique_record_ids,
)

__all__ = ["ScreeningSnapshot", "screening_snapshot"]


@dataclass(frozen=True, slots=True)
class ScreeningSnapshot:
    """Final screening outcomes of every unique record, in input order."""

    stages: tuple[str, ...]
    reviewers_per_record: int
    records: dict[int, RecordOutcome]

    def counts(self) -> dict[str, Any]:
        """PRISMA numbers: screened, excluded, sought, not retrieved, assessed, included.

        Records whose outcome is not final yet (undecided, awaiting a second reviewer,
        in conflict) are counted under ``pending_title_abstract`` and
        ``pending_full_text``.
        """
        pending = ("undecided", "awaiting_second_reviewer", "conflict")
        c: Counter[str] = Counter()
        reasons: Counter[str] = Counter()
        for o in self.records.values():
            ta, ft = o.title_abstract, o.full_text
            if ta is not None:
                c["pending_title_abstract" if ta.status in pending else "screened"] += 1
                c["excluded_title_abstract"] += ta.status == "excluded"
            if ft is None:
                continue
            c["sought_for_retrieval"] += 1
            if ft.status == "not_retrieved":
                c["not_retrieved"] += 1
                continue
            c["assessed_full_text"] += 1
            c["pending_full_text"] += ft.status in pending
            c["excluded_full_text"] += ft.status == "excluded"
            c["included"] += ft.status == "included"
            if ft.status == "excluded":
                reasons.update(ft.reasons)
        if "full_text" not in self.stages:
            c["included"] = sum(
                1 for o in self.records.values() if o.title_abstract and o.title_abstract.passes
            )
        keys = (
            "screened",
            "pending_title_abstract",
            "excluded_title_abstract",
            "sought_for_retrieval",
            "not_retrieved",
            "assessed_full_text",
            "pending_full_text",
            "excluded_full_text",
            "included",
        )
        out: dict[str, Any] = {k: int(c[k]) for k in keys}
        out["full_text_exclusion_reasons"] = dict(sorted(reasons.items()))
        return out


def screening_snapshot(conn: Connection, protocol: Protocol | None = None) -> ScreeningSnapshot:
    """Final title/abstract and full-text outcomes of every unique record.

    Parameters
    ----------
    conn:
        A connection to the project database.
    protocol:
        The protocol to apply (stages, reviewers per record, criteria order); the
        latest stored version by default.
    """
    protocol = protocol or stored_protocol(conn)
    ids = unique_record_ids(conn)
    result = outcomes(
        ids,
        decision_rows(conn, kinds=("screen", "resolution")),
        full_text_rows(conn),
        protocol.screening.stages,
        protocol.screening.reviewers_per_record,
        [c.code for c in protocol.all_criteria],
        protocol.screening.full_text_reason_conflicts,
    )
    return ScreeningSnapshot(
        stages=tuple(protocol.screening.stages),
        reviewers_per_record=protocol.screening.reviewers_per_record,
        records=result,
    )
