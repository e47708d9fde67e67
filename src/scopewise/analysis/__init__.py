"""scopewise.analysis: pure aggregation (PRISMA flow, source overlap)."""

from scopewise.analysis.overlap import SourceOverlap, source_overlap
from scopewise.analysis.prisma import (
    INVARIANTS,
    DuplicateMember,
    Flow,
    FlowData,
    StageOutcome,
    check_invariants,
    compute_flow,
)

__all__ = [
    "INVARIANTS",
    "DuplicateMember",
    "Flow",
    "FlowData",
    "SourceOverlap",
    "StageOutcome",
    "check_invariants",
    "compute_flow",
    "source_overlap",
]
