"""scopewise.report: the PRISMA flow diagram and the review report (JSON, SVG, PNG, HTML).

Pure rendering: the Review facade gathers a :class:`ReportData` from the store and
this package turns it into files.
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
    from scopewise.report.write import FILE_NAMES, FORMATS, parse_formats, write_report

_WRITE = ("FILE_NAMES", "FORMATS", "parse_formats", "write_report")


def __getattr__(name: str) -> Any:
    # the writers load on first use: they bring jinja2 (0.1-0.2 s), which a command
    # that only reads the flow numbers (screening, status) never needs
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
    "parse_formats",
    "write_report",
]
