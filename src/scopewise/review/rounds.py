"""RoundsMixin: update rounds of a living review and the flow of each round.

``start_round`` opens a round; every search imported afterwards belongs to it and
its records are deduplicated against all earlier ones (screened records stay the
primary of their group, so a re-found study is removed as a duplicate of it).
``round_flows`` counts the PRISMA flow of each round on its own records, so the
rounds add up to the whole review (PRISMA 2020's template for updated reviews:
previous, new and total).
"""

from __future__ import annotations

from scopewise.analysis.prisma import FlowData, compute_flow
from scopewise.errors import UsageError
from scopewise.report.data import RoundFlow
from scopewise.review.core import ReviewCore
from scopewise.store import flow as db
from scopewise.store import rounds as store_rounds

__all__ = ["RoundsMixin"]


def _subset(data: FlowData, ids: set[int]) -> FlowData:
    return FlowData(
        record_sources={r: s for r, s in data.record_sources.items() if r in ids},
        duplicates=[m for m in data.duplicates if m.record_id in ids],
        title_abstract={r: o for r, o in data.title_abstract.items() if r in ids},
        full_text={r: o for r, o in data.full_text.items() if r in ids},
        full_text_status={r: s for r, s in data.full_text_status.items() if r in ids},
        stages=data.stages,
        source_order=data.source_order,
        other_sources=data.other_sources,
        removed_other={r: why for r, why in data.removed_other.items() if r in ids},
    )


class RoundsMixin(ReviewCore):
    """Review methods for update rounds."""

    def start_round(self, name: str, actor: str = "scopewise") -> store_rounds.RoundRow:
        """Open a new update round; later imports belong to it.

        Raises
        ------
        UsageError
            The name is blank or already used.
        """
        name = name.strip()
        if not name:
            raise UsageError("give the round a name, e.g. --name \"Update 2024\"")
        with self.store.transaction() as conn:
            known = {r.name.casefold() for r in store_rounds.list_rounds(conn)}
            if name.casefold() in known:
                raise UsageError(f"a round named {name!r} exists already")
            row = store_rounds.start_round(conn, name, actor)
            self.store.audit(conn, actor, "round.started", {"name": name, "number": row.number})
        return row

    def rounds(self) -> list[store_rounds.RoundRow]:
        """Every round, the first review included (number 1)."""
        with self.store.reading() as conn:
            return store_rounds.list_rounds(conn)

    def round_flows(self) -> list[RoundFlow]:
        """The flow of each round on its own records; empty while there is one round."""
        with self.store.reading() as conn:
            rounds = store_rounds.list_rounds(conn)
            if len(rounds) < 2:
                return []
            data = db.flow_data(conn, self.protocol)
            per_record = store_rounds.record_rounds(conn)
        out = []
        for r in rounds:
            ids = {rid for rid, number in per_record.items() if number == r.number}
            started = r.started_at.strftime("%Y-%m-%d") if r.started_at else "the start"
            out.append(RoundFlow(r.number, r.name, started, compute_flow(_subset(data, ids))))
        return out
