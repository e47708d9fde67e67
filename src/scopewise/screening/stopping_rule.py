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
    make no statistical claim. ``detail`` begins with one plain sentence ("You can
    stop: ..." or "Keep screening: ...") before any statistics. A rule that models the
    ranking gives its estimate of the relevant records left with an interval
    (``relevant_left``, ``relevant_left_low``, ``relevant_left_high``); a rule that
    needs a random sample says how many more records it expects to draw
    (``sample_needed``). ``promise`` says in words what the rule's answer is worth.
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
    relevant_left: float | None = None
    relevant_left_low: float | None = None
    relevant_left_high: float | None = None
    sample_needed: int | None = None
    promise: str = ""

    @property
    def bound_words(self) -> str:
        """What ``recall_lower_bound`` is, in words: a 95 % bound for the rules with a
        guarantee at level 5 %, a bound under the model for the point-process rule (its
        level depends on the records found; see its module notes)."""
        return "lower bound under the model" if self.rule == "point-process" else "95% lower bound"

    def as_dict(self) -> dict[str, Any]:
        """The report as a plain dict (for JSON and tables)."""
        return {name: getattr(self, name) for name in self.__slots__}


class StoppingRule(ABC):
    """Decides, from the decisions so far, whether screening may stop."""

    name: ClassVar[str] = ""
    #: True for rules whose random sample is drawn before ranked screening and kept
    #: from the ranker (the target method, the quantile-binomial bound).
    sample_first: ClassVar[bool] = False

    def wants_random_sample(self, labels: np.ndarray, n_records: int) -> bool:
        """True when the next record should be drawn at random from the unscreened.

        Rules that do not sample never ask for it.
        """
        return False

    @abstractmethod
    def fit(self, labels: Sequence[int] | np.ndarray, n_records: int,
            sampled: Sequence[bool] | np.ndarray | None = None,
            reached: Sequence[bool] | np.ndarray | None = None) -> Self:
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
        reached:
            For rules whose sample is hidden from the ranker (:attr:`sample_first`):
            for each decision, whether the ranked review has reached that record.
            ``None``: exactly the records not drawn at random. Other rules ignore it.
        """

    @abstractmethod
    def report(self) -> StopReport:
        """The outcome of the last :meth:`fit`."""
