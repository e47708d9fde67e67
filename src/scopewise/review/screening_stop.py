"""StoppingMixin: a lead accepts the stopping rule's recommendation.

Accepting records the unique records nobody has decided at title/abstract as "not
screened" (a stop), audited; the PRISMA flow then shows them in a box of their own
("Records not screened (screening stopped by the prioritisation rule, estimated
recall >= X)") instead of leaving them as open work. A record someone screens after
the stop counts as screened again. The rule must say stop: a lead cannot record a
stop the rule does not support.
"""

from __future__ import annotations

from dataclasses import dataclass

from scopewise.errors import ScreeningError
from scopewise.review.decision_log import DecisionLogMixin
from scopewise.screening.stop_advice import advice
from scopewise.store.screening_stop import (
    ScreeningStop,
    insert_stop,
    latest_stop,
    still_unscreened,
)

__all__ = ["AcceptedStop", "StoppedScreening", "StoppingMixin"]


@dataclass(frozen=True, slots=True)
class StoppedScreening:
    """What accepting the stop recorded."""

    stop_id: int
    records: int
    rule: str
    target_recall: float
    estimated_recall: float | None

    @property
    def recall_text(self) -> str:
        """``≥ 95%``: what the rule vouches for."""
        return f"≥ {self.target_recall:.0%}"


@dataclass(frozen=True, slots=True)
class AcceptedStop:
    """The latest accepted stop as pages show it: who, when, by which rule, how many
    records it left unscreened and how many of those are still unscreened (``None``
    when not counted)."""

    stop: ScreeningStop
    still_unscreened: int | None

    @property
    def left(self) -> int:
        """Records left unscreened when the lead accepted the stop."""
        return len(self.stop.record_ids)


class StoppingMixin(DecisionLogMixin):
    """Review methods for accepting the stopping rule."""

    def accepted_stop(self, count: bool = True) -> AcceptedStop | None:
        """The latest stop a lead accepted, or ``None`` (screening goes on). ``count``:
        also count the records it left that are still unscreened (reads the screening
        state; a page that only says that screening was stopped leaves it out)."""
        if count:
            self._load_protocol()  # the screening state reads it (not inside the read)
        with self.store.reading() as conn:
            stop = latest_stop(conn)
            if stop is None or not count:
                return None if stop is None else AcceptedStop(stop, None)
            records = self._screening_state(conn).snapshot.records
        return AcceptedStop(stop, len(still_unscreened(stop, records)))

    def stop_screening(self, lead: str) -> StoppedScreening:
        """Record that ``lead`` accepted the rule: the records left are not screened.

        Raises
        ------
        ScreeningError
            ``lead`` is not a lead, the protocol has no title/abstract stage, or the
            rule does not say stop (the message starts with "Keep screening: ...").
        """
        self._load_protocol()
        with self.store.reading() as conn:
            self._screener(conn, lead, ("lead",))
        report = self.stopping_estimate(lead)
        if report is None:
            raise ScreeningError("the protocol has no title/abstract stage: nothing to stop")
        target = self.protocol.screening.target_recall
        if not report.stop:
            raise ScreeningError(f"{advice(report, target)} Screening was not stopped.")
        estimated = _number(report.estimated_recall)
        detail = {k: _number(v) if isinstance(v, float) else v
                  for k, v in report.as_dict().items() if k != "stop"}
        with self.store.transaction() as conn:
            state = self._screening_state(conn)
            left = sorted(
                rid for rid, o in state.snapshot.records.items()
                if o.title_abstract is not None and o.title_abstract.status == "undecided"
            )
            stop_id = insert_stop(
                conn, stopped_by=lead, rule=report.rule, target_recall=target,
                estimated_recall=estimated, record_ids=left, detail=detail,
            )
            self.store.audit(conn, lead, "screening.stopped", {
                "stop": stop_id, "rule": report.rule, "records_not_screened": len(left),
                "target_recall": target, "estimated_recall": estimated,
            })
        return StoppedScreening(stop_id, len(left), report.rule, target, estimated)


def _number(value: float | None) -> float | None:
    """A plain float, ``None`` for none or NaN (JSON and SQL hold neither NaN nor numpy)."""
    if value is None or value != value:
        return None
    return float(value)
