"""ReportMixin: the PRISMA flow and the report, computed from the project data."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path

from scopewise.analysis.overlap import source_overlap
from scopewise.analysis.prisma import Flow, compute_flow
from scopewise.report import ReportData, ScreeningSummary, StoppingSummary
from scopewise.review.core import ReviewCore
from scopewise.screening.agreement import agreement
from scopewise.store import flow as db
from scopewise.store.screening import decision_rows

__all__ = ["STOPPING_EVENT", "ReportMixin"]

#: Audit action under which the latest stopping-rule estimate is recorded; its detail
#: holds the fields of :class:`~scopewise.report.StoppingSummary`.
STOPPING_EVENT = "screening.stopping"


class ReportMixin(ReviewCore):
    """Review methods for the PRISMA flow and the report."""

    def flow(self) -> Flow:
        """The PRISMA flow numbers, counted from the store.

        Raises
        ------
        ReportError
            A flow invariant does not hold (the message names it).
        """
        with self.store.reading() as conn:
            data = db.flow_data(conn, self.protocol)
        return compute_flow(data)

    def stopping_summary(self) -> StoppingSummary | None:
        """The latest stopping-rule estimate recorded in the audit trail, if any."""
        with self.store.reading() as conn:
            detail = db.latest_audit_detail(conn, STOPPING_EVENT)
        if detail is None:
            return None
        known = set(StoppingSummary.__dataclass_fields__)
        try:
            return StoppingSummary(**{k: v for k, v in detail.items() if k in known})
        except TypeError:
            return None  # an event written by an older version: show no estimate

    def report_data(self) -> ReportData:
        """Everything the report shows, gathered in one read."""
        protocol = self.protocol
        with self.store.reading() as conn:
            data = db.flow_data(conn, protocol)
            flow = compute_flow(data)
            searches = tuple(db.search_rows(conn))
            decisions = decision_rows(conn, kinds=("screen", "resolution"))
            included_ids = [
                rid
                for rid, o in (
                    data.full_text if flow.full_text_stage else data.title_abstract
                ).items()
                if o.decision == "include"
            ]
            included = tuple(db.included_records(conn, included_ids))
        plan = protocol.screening
        reviewers: dict[str, tuple[str, ...]] = {}
        resolutions: dict[str, int] = {}
        resolvers: dict[str, tuple[str, ...]] = {}
        for stage in plan.stages:
            names = [d.reviewer for d in decisions if d.stage == stage and d.kind == "screen"]
            reviewers[stage] = tuple(dict.fromkeys(names))
            settled = [d for d in decisions if d.stage == stage and d.kind == "resolution"]
            resolutions[stage] = len({d.record_id for d in settled})
            resolvers[stage] = tuple(dict.fromkeys(d.reviewer for d in settled))
        pairs = tuple(
            (stage, pair) for stage in plan.stages for pair in agreement(decisions, stage).pairs
        )
        screening = ScreeningSummary(
            stages=tuple(plan.stages),
            reviewers_per_record=plan.reviewers_per_record,
            reviewers=reviewers,
            agreement=pairs,
            resolutions=resolutions,
            resolvers=resolvers,
            left_unscreened=flow.open_title_abstract,
            ranker=plan.ranker,
            stopping=self.stopping_summary(),
        )
        return ReportData(
            protocol=protocol,
            flow=flow,
            searches=searches,
            overlap=source_overlap(data.record_sources, data.duplicates, data.source_order),
            screening=screening,
            included=included,
            generated_at=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        )

    def report(self, out_dir: str | Path, formats: str | Iterable[str] | None = None) -> list[Path]:
        """Write the report (``prisma.json``, diagram, ``report.html``) into ``out_dir``.

        ``formats`` defaults to the protocol's ``[report] formats``. Nothing is written
        when a flow invariant is broken.

        Returns
        -------
        list[Path]
            The files written.
        """
        from scopewise.report import parse_formats, write_report  # jinja2: on first use

        chosen = parse_formats(formats if formats is not None else self.protocol.report.formats)
        written = write_report(self.report_data(), Path(out_dir), chosen)
        with self.store.transaction() as conn:
            self.store.audit(
                conn,
                "scopewise",
                "report.written",
                {"out_dir": str(out_dir), "files": [p.name for p in written]},
            )
        return written
