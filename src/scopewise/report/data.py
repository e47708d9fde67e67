"""What the report is made from: plain, frozen values gathered by the Review facade."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from scopewise.analysis.overlap import SourceOverlap
from scopewise.analysis.prisma import Flow
from scopewise.protocol import Protocol
from scopewise.screening.agreement import PairAgreement

__all__ = [
    "ExcludedReport",
    "IncludedRecord",
    "ReportData",
    "RoundFlow",
    "ScreeningSummary",
    "SearchInfo",
    "StoppingSummary",
]


@dataclass(frozen=True, slots=True)
class SearchInfo:
    """One imported search: where, how, when and how many records."""

    id: int
    source: str
    platform: str
    query: str
    searched_on: str
    method: str
    file_name: str
    record_count: int


@dataclass(frozen=True, slots=True)
class IncludedRecord:
    """A source of evidence included in the review."""

    id: int
    title: str
    authors: tuple[str, ...]
    year: int | None
    journal: str
    doi: str
    source: str
    volume: str = ""
    issue: str = ""
    pages: str = ""
    url: str = ""
    publication_type: str = ""

    @property
    def citation_authors(self) -> str:
        """``Family, G.; Family, G.`` shortened to three names and *et al.*"""
        if not self.authors:
            return ""
        shown = "; ".join(self.authors[:3])
        return shown + (" et al." if len(self.authors) > 3 else "")


@dataclass(frozen=True, slots=True)
class StoppingSummary:
    """Where the stopping rule stands: estimated recall and what is left unscreened."""

    rule: str
    screened: int
    total: int
    target_recall: float
    can_stop: bool
    estimated_recall: float | None = None
    confidence: str = ""
    stopped_after: int | None = None
    note: str = ""
    advice: str = ""  # what screen --stopping opens with (verdict, reason, estimate), if known

    @classmethod
    def from_detail(cls, detail: dict[str, Any]) -> StoppingSummary:
        """The summary of a ``screening.stopping`` audit event's detail (keys it does
        not know are left out; ``TypeError`` when one it needs is missing)."""
        known = set(cls.__dataclass_fields__)
        return cls(**{k: v for k, v in detail.items() if k in known})

    @property
    def left_unscreened(self) -> int:
        """Records the rule would leave unscreened (at the point it allows stopping)."""
        point = self.stopped_after if self.stopped_after is not None else self.screened
        return max(self.total - point, 0)


@dataclass(frozen=True, slots=True)
class ScreeningSummary:
    """Stages, reviewers, agreement, conflicts and the stopping estimate."""

    stages: tuple[str, ...]
    reviewers_per_record: int
    reviewers: dict[str, tuple[str, ...]] = field(default_factory=dict)
    agreement: tuple[tuple[str, PairAgreement], ...] = ()  # (stage, reviewer pair)
    resolutions: dict[str, int] = field(default_factory=dict)
    resolvers: dict[str, tuple[str, ...]] = field(default_factory=dict)
    left_unscreened: int = 0
    ranker: str = ""
    stopping: StoppingSummary | None = None


@dataclass(frozen=True, slots=True)
class ExcludedReport:
    """A report excluded at full text, with its reason codes (first = the one counted)."""

    id: int
    citation: str
    reasons: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class RoundFlow:
    """One update round: its name, when it started, and its own flow."""

    number: int
    name: str
    started_at: str
    flow: Flow


@dataclass(frozen=True, slots=True)
class ReportData:
    """Everything one report shows.

    ``charting`` and ``consultation`` are the facade's ``ChartingResults`` and
    ``ConsultationReport`` (duck-typed here, so the report works without them);
    ``texts`` holds the sections the team writes (discussion, conclusion, ...).
    ``rounds`` lists the update rounds in order (empty: the review has one round).
    """

    protocol: Protocol
    flow: Flow
    searches: tuple[SearchInfo, ...] = ()
    overlap: SourceOverlap | None = None
    screening: ScreeningSummary | None = None
    included: tuple[IncludedRecord, ...] = ()
    generated_at: str = ""
    notes: tuple[str, ...] = ()
    texts: dict[str, str] = field(default_factory=dict)
    excluded: tuple[ExcludedReport, ...] = ()
    charting: Any = None
    consultation: Any = None
    rounds: tuple[RoundFlow, ...] = ()
