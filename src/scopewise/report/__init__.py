"""scopewise.report: the PRISMA flow diagram and the review report (JSON, SVG, PNG, HTML).

Pure rendering: the Review facade gathers a :class:`ReportData` from the store and
this package turns it into files.
"""

from scopewise.report.data import (
    IncludedRecord,
    ReportData,
    ScreeningSummary,
    SearchInfo,
    StoppingSummary,
)
from scopewise.report.write import FILE_NAMES, FORMATS, parse_formats, write_report

__all__ = [
    "FILE_NAMES",
    "FORMATS",
    "IncludedRecord",
    "ReportData",
    "ScreeningSummary",
    "SearchInfo",
    "StoppingSummary",
    "parse_formats",
    "write_report",
]
