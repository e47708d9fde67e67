"""The Review facade: what the CLI, the web app and user scripts call.

>>> from scopewise.review import Review
>>> review = Review.create("my-review", protocol_path="protocol.toml")  # doctest: +SKIP
"""

from __future__ import annotations

from scopewise.review.accounts import AccountsMixin
from scopewise.review.chart_tools import ChartingToolsMixin
from scopewise.review.consultation import ConsultationMixin
from scopewise.review.core import ReviewCore
from scopewise.review.dedup import DedupMixin
from scopewise.review.fulltext import FullTextMixin
from scopewise.review.handout import HandOutMixin
from scopewise.review.imports import ImportsMixin
from scopewise.review.records_view import RecordsViewMixin
from scopewise.review.removals import RemovalsMixin
from scopewise.review.report import ReportMixin
from scopewise.review.rounds import RoundsMixin

__all__ = ["Review"]


class Review(
    AccountsMixin,
    HandOutMixin,
    RecordsViewMixin,
    ImportsMixin,
    RemovalsMixin,
    DedupMixin,
    FullTextMixin,
    ChartingToolsMixin,
    ReportMixin,
    ConsultationMixin,
    RoundsMixin,
    ReviewCore,
):
    """A scoping review project: every stage, one facade."""
