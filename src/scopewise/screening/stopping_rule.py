"""What every stopping rule is: :class:`StoppingRule` (scikit-learn conventions) and
the :class:`StopReport` it gives. The rules themselves are in
:mod:`scopewise.screening.stopping` (the statistical rule a review can cite) and
:mod:`scopewise.screening.stopping_heuristics` (rules kept for comparison)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Self

import numpy as np

__all__ = ["RankerView", "StopReport", "StoppingRule"]


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
        return ("lower bound under the model" if self.rule.startswith("point-process")
                else "95% lower bound")

    def as_dict(self) -> dict[str, Any]:
        """The report as a plain dict (for JSON and tables)."""
        return {name: getattr(self, name) for name in self.__slots__}


@dataclass(frozen=True, slots=True)
class RankerView:
    """What a rule that reads the ranker (:attr:`StoppingRule.reads_ranker`) may ask
    at one fit, besides the decisions: valid for that fit only (the arrays may be the
    caller's own, changed by the next decision).

    ``screened`` holds the positions of the decided records in screening order, priors
    first, and ``decisions`` their decisions; ``unscreened`` is a mask over every
    position. ``scores`` gives the ranker's scores of every record, fitted on the
    decisions so far; ``words`` unit-length rows of the records' words (a sparse
    matrix, one row per position). Both are asked only when the rule needs them.
    ``checks`` is aligned with the decisions the rule's ``fit`` reads (priors left
    out): 0 for a record the ranking or a random draw chose, ``k`` for a record
    screened in the rule's ``k``-th check (:attr:`StoppingRule.check_`).
    ``check_open``: the latest check's records are handed out and not all decided
    (a team screening them in turn); the rule waits for them.
    """

    screened: np.ndarray
    decisions: np.ndarray
    unscreened: np.ndarray
    scores: Callable[[], np.ndarray]
    words: Callable[[], Any]
    checks: np.ndarray
    check_open: bool = False


class StoppingRule(ABC):
    """Decides, from the decisions so far, whether screening may stop."""

    name: ClassVar[str] = ""
    #: True for rules whose random sample is drawn before ranked screening and kept
    #: from the ranker (the target method, the quantile-binomial bound).
    sample_first: ClassVar[bool] = False
    #: True for rules that read the ranker as well as the decisions: the caller gives
    #: them a :class:`RankerView` (:meth:`see`) before each :meth:`fit`, and screens the
    #: records of :attr:`check_` next when the rule names any.
    reads_ranker: ClassVar[bool] = False
    #: Records the rule asks to screen next, as a check before it stops (positions,
    #: in the order to screen them); empty for rules that never check.
    check_: np.ndarray = np.empty(0, dtype=np.int64)

    def see(self, view: RankerView) -> None:  # noqa: B027 - a hook, no-op by default
        """Take the ranker's view for the next :meth:`fit` (rules that read the ranker)."""

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
