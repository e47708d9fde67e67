"""ReportMixin: the report part of the Review facade."""

from __future__ import annotations

from scopewise.review.core import ReviewCore

__all__ = ["ReportMixin"]


class ReportMixin(ReviewCore):
    """Review methods for report."""
