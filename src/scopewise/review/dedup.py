"""DedupMixin: the dedup part of the Review facade."""

from __future__ import annotations

from scopewise.review.core import ReviewCore

__all__ = ["DedupMixin"]


class DedupMixin(ReviewCore):
    """Review methods for dedup."""
