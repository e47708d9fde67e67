"""scopewise.report: the PRISMA flow diagram and the review report.

Pure rendering: the Review facade gathers a :class:`ReportData` from the store; this
package builds one document model from it (:mod:`scopewise.report.build`, the
PRISMA-ScR checklist in :mod:`scopewise.report.checklist`) and writes it as HTML,
DOCX, PDF, Markdown and JSON (:mod:`scopewise.report.write`).
"""

from typing import TYPE_CHECKING, Any

from scopewise.report.data import (
    IncludedRecord,
    ReportData,
    ScreeningSummary,
    SearchInfo,
    StoppingSummary,
)

if TYPE_CHECKING:
    from scopewise.report.write import FILE_NAMES, FORMATS, Written, parse_formats, write_report

_WRITE = ("FILE_NAMES", "FORMATS", "Written", "parse_formats", "write_report")


def __getattr__(name: str) -> Any:
    # the writers load on first use: they bring the figure, citation and document
    # libraries, which a command that only reads the flow numbers never needs
    if name in _WRITE:
        from scopewise.report import write

        return getattr(write, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

__all__ = [
    "FILE_NAMES",
    "FORMATS",
    "IncludedRecord",
    "ReportData",
    "ScreeningSummary",
    "SearchInfo",
    "StoppingSummary",
    "Written",
    "parse_formats",
    "write_report",
]
