"""Protocol as code: the review's plan in a TOML file, validated and versioned."""

from __future__ import annotations

from scopewise.protocol.io import diff_protocols, dump_protocol, load_protocol, parse_protocol
from scopewise.protocol.model import (
    ChartingField,
    ChartingForm,
    Consultation,
    Criteria,
    Criterion,
    Pcc,
    Protocol,
    ReportSettings,
    ReviewInfo,
    ScreeningPlan,
    Source,
    TeamMember,
)
from scopewise.protocol.skeleton import SKELETON

__all__ = [
    "SKELETON",
    "ChartingField",
    "ChartingForm",
    "Consultation",
    "Criteria",
    "Criterion",
    "Pcc",
    "Protocol",
    "ReportSettings",
    "ReviewInfo",
    "ScreeningPlan",
    "Source",
    "TeamMember",
    "diff_protocols",
    "dump_protocol",
    "load_protocol",
    "parse_protocol",
]
