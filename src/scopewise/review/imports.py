"""ImportsMixin: the imports part of the Review facade."""

from __future__ import annotations

from scopewise.review.core import ReviewCore

__all__ = ["ImportsMixin"]


class ImportsMixin(ReviewCore):
    """Review methods for imports."""
