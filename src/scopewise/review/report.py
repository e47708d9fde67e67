"""ReportMixin: the PRISMA flow and the report, computed from the project data."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scopewise.analysis.overlap import source_overlap
from scopewise.analysis.prisma import Flow, compute_flow
from scopewise.report import ReportData, ScreeningSummary, StoppingSummary
from scopewise.report.data import ExcludedReport, IncludedRecord, RoundFlow
from scopewise.review.core import ReviewCore
from scopewise.review.report_text import read_texts, write_text
from scopewise.screening.agreement import agreement
from scopewise.store import flow as db

if TYPE_CHECKING:
    from scopewise.report.write import Written

__all__ = ["STOPPING_EVENT", "ReportMixin"]


def _short_citation(r: IncludedRecord) -> str:
    who = r.authors[0].partition(",")[0] + (" et al." if len(r.authors) > 1 else "") \
        if r.authors else "Anon."
    return f"{who} ({r.year or 'n.d.'}). {r.title}"

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
            state = self._screening_state(conn)  # kept between calls: no second read
            data = db.flow_data(conn, self.protocol, state.snapshot)
        return compute_flow(data)

    def stopping_summary(self) -> StoppingSummary | None:
        """The latest stopping-rule estimate recorded in the audit trail, if any."""
        with self.store.reading() as conn:
            detail = db.latest_audit_detail(conn, STOPPING_EVENT)
        if detail is None:
            return None
        try:
            return StoppingSummary.from_detail(detail)
        except TypeError:
            return None  # an event written by an older version: show no estimate

    def report_data(self) -> ReportData:
        """Everything the report shows, gathered in one read."""
        protocol = self.protocol
        with self.store.reading() as conn:
            state = self._screening_state(conn)  # the same outcomes charting reads
            data = db.flow_data(conn, protocol, state.snapshot)
            flow = compute_flow(data)
            searches = tuple(db.search_rows(conn))
            decisions = [d for d in state.decisions if d.kind in ("screen", "resolution")]
            included_ids = [
                rid
                for rid, o in (
                    data.full_text if flow.full_text_stage else data.title_abstract
                ).items()
                if o.decision == "include"
            ]
            included = tuple(db.included_records(conn, included_ids))
            excluded_outcomes = {
                rid: o.reasons for rid, o in data.full_text.items()
                if o.decision == "exclude" and rid in data.record_sources
            } if flow.full_text_stage else {}
            excluded_records = db.included_records(conn, list(excluded_outcomes))
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
        excluded = tuple(
            ExcludedReport(r.id, _short_citation(r), excluded_outcomes[r.id])
            for r in excluded_records
        )
        return ReportData(
            protocol=protocol,
            flow=flow,
            searches=searches,
            overlap=source_overlap(data.record_sources, data.duplicates, data.source_order),
            screening=screening,
            included=included,
            generated_at=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
            texts=read_texts(self.path, protocol),
            excluded=excluded,
            charting=self._report_charting(),
            consultation=self._report_consultation(),
            rounds=self._report_rounds(),
        )

    # -- optional parts: charting and consultation come from their own mixins -----

    def _report_charting(self) -> Any:
        results = getattr(self, "charting_results", None)
        if results is None or not self.protocol.charting.active_fields:
            return None
        charted = results()
        return charted if getattr(charted, "sources", None) else None

    def _report_consultation(self) -> Any:
        report = getattr(self, "consultation_report", None)
        if report is None or not self.protocol.consultation.enabled:
            return None
        return report()

    def _report_rounds(self) -> tuple[RoundFlow, ...]:
        rounds = getattr(self, "round_flows", None)
        return tuple(rounds()) if rounds is not None else ()

    def set_report_text(self, section: str, text_file: str | Path, actor: str = "scopewise") -> Path:
        """Store the text of a report section the team writes (discussion, conclusion, ...).

        Raises
        ------
        UsageError
            Unknown section, or a missing, binary or empty file.
        """
        path = write_text(self.path, section, Path(text_file))
        with self.store.transaction() as conn:
            self.store.audit(conn, actor, "report.section", {"section": section})
        return path

    def _reference_cache(self) -> tuple[Path, dict[str, str]]:
        path = self.path / ".cache" / "references.json"
        try:
            cache = json.loads(path.read_text(encoding="utf-8"))
            return path, cache if isinstance(cache, dict) else {}
        except (OSError, ValueError):
            return path, {}

    def report(self, out_dir: str | Path, formats: str | Iterable[str] | None = None) -> Written:
        """Write the report (``prisma.json``, diagram, ``report.html``) into ``out_dir``.

        ``formats`` defaults to the protocol's ``[report] formats``. Nothing is written
        when a flow invariant is broken.

        Returns
        -------
        Written
            The files written (a list) and ``skipped``: format -> one line saying why.
        """
        from scopewise.report import parse_formats, write_report  # loaded on first use

        chosen = parse_formats(formats if formats is not None else self.protocol.report.formats)
        cache_path, cache = self._reference_cache()
        size = len(cache)
        written = write_report(self.report_data(), Path(out_dir), chosen, cache)
        if len(cache) != size:  # formatted references are kept for the next report
            with contextlib.suppress(OSError):
                cache_path.parent.mkdir(parents=True, exist_ok=True)
                cache_path.write_text(json.dumps(cache, ensure_ascii=False), encoding="utf-8")
        with self.store.transaction() as conn:
            self.store.audit(
                conn,
                "scopewise",
                "report.written",
                {"out_dir": str(out_dir), "files": [p.name for p in written]},
            )
        return written
