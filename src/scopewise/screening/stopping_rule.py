"""What every stopping rule is: :class:`StoppingRule` (scikit-learn conventions) and
the :class:`StopReport` it gives. The rules themselves are in
:mod:`scopewise.screening.stopping` (the statistical rule a review can cite) and
:mod:`scopewise.screening.stopping_heuristics` (rules kept for comparison)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Self

import numpy as np

__all__ = ["StopReport", "StoppingRule"]


@dataclass(frozen=True, slots=True)
class StopReport:
    """What a stopping rule says about the screening so far.

    ``estimated_recall`` and ``recall_lower_bound`` are ``None`` for heuristics that
    make no statistical claim.
    """

    rule: str
    stop: bool
    screened: int
    unscreened: int
    relevant_found: int
    estimated_recall: float | None = None
    recall_lower_bound: float | None = None
    p_value: float | None = None
    detail: str = ""

    def as_dict(self) -> dict[str, Any]:
        """The report as a plain dict (for JSON and tables)."""
        return {name: getattr(self, name) for name in self.__slots__}


class StoppingRule(ABC):
    """Decides, from the decisions so far, whether screening may stop."""

    name: ClassVar[str] = ""

    def wants_random_sample(self, labels: np.ndarray, n_records: int) -> bool:
        """True when the next record should be drawn at random from the unscreened.

        Rules that do not sample never ask for it.
        """
        return False

    @abstractmethod
    def fit(self, labels: Sequence[int] | np.ndarray, n_records: int,
            sampled: Sequence[bool] | np.ndarray | None = None) -> Self:
        """Read the screening history.

        Parameters
        ----------
        labels:
            Decisions in screening order (1 relevant, 0 irrelevant).
        n_records:
            Records in the review, screened or not.
        sampled:
            For each decision, whether its record was drawn at random from the
            unscreened records (rather than picked by the ranker).
        """

    @abstractmethod
    def report(self) -> StopReport:
        """The outcome of the last :meth:`fit`."""
