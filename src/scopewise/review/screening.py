"""ScreeningMixin: the screening part of the Review facade."""

from __future__ import annotations

from scopewise.review.core import ReviewCore

__all__ = ["ScreeningMixin"]


class ScreeningMixin(ReviewCore):
    """Review methods for screening."""
