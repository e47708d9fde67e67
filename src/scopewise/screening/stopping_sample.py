"""Stopping rules certified by a random sample hidden from the ranker.

Both rules here draw a uniform random sample of the whole review *before* ranked
screening and keep its labels from the ranker. The relevant records in that sample
are then a uniform random subset of all relevant records, whatever the ranking does,
so how many of them the ranked review has reached says how much of the whole it has
reached. That gives a guarantee that needs no model of the ranking:

- :class:`TargetStopping`, the target method (Cormack & Grossman, 2016): sample until
  ``k`` relevant records are found (the "target set"), then screen in ranked order
  until the ranking has reached all ``k``. If recall were below ``t``, each target
  record would have been reached with chance below ``t``, all ``k`` with chance below
  ``t ** k``; with ``k = ceil(log(alpha) / log(t))`` that is at most ``alpha``
  (``k`` = 29, 59 and 299 for ``t`` = 0.9, 0.95 and 0.99 at ``alpha`` = 0.05).
- :class:`QuantileBinomialStopping`, the quantile binomial coefficient bound of Lewis,
  Yang & Frieder (2021) for one-phase reviews: a sample of fixed size holds ``r``
  relevant records; recall when the ranking has reached ``j`` of them is at least
  the ``j``-th smallest of ``r`` uniform variables, which is below ``t`` with chance
  ``P(Binomial(r, t) >= j)``. The rule stops at the smallest ``j`` for which that is
  at most ``alpha``. With a large sample (many relevant) ``j < r``: it need not reach
  every sampled relevant record, which is what makes it cheaper than the target
  method. If the sample holds too few relevant records for any ``j`` (fewer than the
  target method's ``k``), sampling continues until it does.

The price is the sample: to certify recall 0.95 it must hold about 60 relevant
records, which for a review with 2 % relevant records is 3,000 records drawn at
random. Both rules say how many more they expect to draw.

How the sample stays hidden. In ``scopewise simulate`` the sample is drawn first
(:attr:`StoppingRule.sample_first`); its records stay in the ranker's queue and the
ranker learns their labels only when its order reaches them (at no extra cost, the
reviewer has already decided them). ``reached`` in :meth:`fit` says which sampled
records the ranking has reached. The review workflow does not serve a hidden sample
yet, so these rules run in simulations and the benchmark only.

References: Cormack, G. V. & Grossman, M. R. (2016). Engineering quality and
reliability in technology-assisted review. *SIGIR '16*, 75-84.
https://doi.org/10.1145/2911451.2911510 -- Lewis, D. D., Yang, E. & Frieder, O.
(2021). Certifying one-phase technology-assisted reviews. *CIKM '21*, 893-902.
https://doi.org/10.1145/3459637.3482415
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import ClassVar, Self

import numpy as np

from scopewise.errors import UsageError
from scopewise.screening.stopping_rule import StoppingRule, StopReport

__all__ = ["QuantileBinomialStopping", "TargetStopping", "target_size"]


def target_size(target_recall: float, alpha: float) -> int:
    """Relevant records the target method's sample must hold: ``ceil(log a / log t)``."""
    if not 0 < target_recall < 1 or not 0 < alpha < 1:
        raise UsageError("target recall and alpha must be between 0 and 1")
    return math.ceil(math.log(alpha) / math.log(target_recall) - 1e-12)


def quantile_binomial_j(positives: int, target_recall: float, alpha: float) -> int | None:
    """The smallest ``j`` with ``P(Binomial(positives, target) >= j) <= alpha``, if any."""
    if positives < 1:
        return None
    from scipy.stats import binom

    tail = binom.sf(np.arange(positives), positives, target_recall)  # P(X >= j), j=1..r
    ok = np.flatnonzero(tail <= alpha)
    return int(ok[0]) + 1 if ok.size else None


class _HiddenSampleRule(StoppingRule):
    """What both rules share: reading the sample and the ranked review's progress."""

    sample_first: ClassVar[bool] = True

    def __init__(self, target_recall: float = 0.95, alpha: float = 0.05) -> None:
        self.target_recall = target_recall
        self.alpha = alpha

    def _sample_done(self, drawn: int, positives: int, n_records: int) -> bool:
        raise NotImplementedError

    def wants_random_sample(self, labels: np.ndarray, n_records: int) -> bool:
        # asked before ranked screening starts: every decision so far is a draw
        labels = np.asarray(labels)
        return not self._sample_done(int(labels.size), int(labels.sum()), n_records)

    def _needed(self, positives: int) -> int | None:
        """Sample relevant records the ranking must reach (None: none certifies yet)."""
        raise NotImplementedError

    def fit(self, labels: Sequence[int] | np.ndarray, n_records: int,
            sampled: Sequence[bool] | np.ndarray | None = None,
            reached: Sequence[bool] | np.ndarray | None = None) -> Self:
        labels = np.asarray(labels, dtype=np.int64)
        flags = (np.zeros(labels.size, dtype=bool) if sampled is None
                 else np.asarray(sampled, dtype=bool))
        got = ~flags if reached is None else np.asarray(reached, dtype=bool)
        if flags.size != labels.size or got.size != labels.size:
            raise ValueError("sampled and reached must have one flag per decision")
        self.screened_ = int(labels.size)
        self.unscreened_ = n_records - labels.size
        self.relevant_found_ = int(labels.sum())
        self.drawn_ = int(flags.sum())
        self.sample_relevant_ = int(labels[flags].sum())
        self.reached_relevant_ = int((labels[flags] & got[flags]).sum())
        self.sample_done_ = self._sample_done(self.drawn_, self.sample_relevant_, n_records)
        self.needed_ = self._needed(self.sample_relevant_) if self.sample_done_ else None
        certified = self.needed_ is not None and self.reached_relevant_ >= self.needed_
        # a sample of the whole review leaves nothing to certify
        self.stop_ = certified or self.unscreened_ == 0 or self.drawn_ >= n_records
        self.certified_ = certified
        return self

    def sample_needed(self, n_records: int) -> int:
        """Records the sample is still expected to need, at the share seen so far."""
        raise NotImplementedError

    def promise(self) -> str:
        return (f"recall of at least {self.target_recall:.0%} with probability at least "
                f"{1 - self.alpha:.0%}, whatever the ranking (a random-sample guarantee)")

    def report(self) -> StopReport:
        n_records = self.screened_ + self.unscreened_
        more = 0 if self.sample_done_ else self.sample_needed(n_records)
        if self.stop_ and self.certified_:
            head = (f"You can stop: the ranking has reached {self.reached_relevant_} of the "
                    f"{self.sample_relevant_} relevant records in the random sample, enough "
                    f"for recall of at least {self.target_recall:.0%}.")
        elif self.stop_:
            head = "You can stop: every record is screened."
        elif not self.sample_done_:
            head = (f"Keep screening: the random sample needs about {more:,} more records "
                    f"(it has {self.sample_relevant_} relevant in {self.drawn_:,}).")
        else:
            head = (f"Keep screening: the ranking has reached {self.reached_relevant_} of the "
                    f"{self.needed_} sample relevant records it must reach "
                    f"({self.sample_relevant_} in a sample of {self.drawn_:,}).")
        return StopReport(
            rule=self.name, stop=self.stop_, screened=self.screened_,
            unscreened=self.unscreened_, relevant_found=self.relevant_found_,
            detail=f"{head} Promise: {self.promise()}.",
            sample_needed=more, promise=self.promise(),
        )


class TargetStopping(_HiddenSampleRule):
    """The target method of Cormack & Grossman (2016); see the module notes.

    Parameters
    ----------
    target_recall:
        Recall to certify (0.9, 0.95 or 0.99, or any value in (0, 1)).
    alpha:
        Chance of stopping below that recall (0.05: 95 % confidence).
    """

    name = "target"

    def _sample_done(self, drawn: int, positives: int, n_records: int) -> bool:
        return positives >= target_size(self.target_recall, self.alpha) or drawn >= n_records

    def _needed(self, positives: int) -> int | None:
        return positives if positives >= target_size(self.target_recall, self.alpha) else None

    def sample_needed(self, n_records: int) -> int:
        short = target_size(self.target_recall, self.alpha) - self.sample_relevant_
        rate = (self.sample_relevant_ + 1) / (self.drawn_ + 2)
        return min(n_records - self.drawn_, math.ceil(short / rate))


class QuantileBinomialStopping(_HiddenSampleRule):
    """Quantile binomial coefficient bound of Lewis, Yang & Frieder (2021); see the
    module notes.

    Parameters
    ----------
    target_recall, alpha:
        As for :class:`TargetStopping`.
    sample_size:
        The random sample: a share of the review if below 1, else a number of records
        (10 % by default). Extended while it holds too few relevant records to certify.
    """

    name = "quantile-binomial"

    def __init__(self, target_recall: float = 0.95, alpha: float = 0.05,
                 sample_size: float = 0.1) -> None:
        super().__init__(target_recall, alpha)
        self.sample_size = sample_size

    def _size(self, n_records: int) -> int:
        size = (math.ceil(self.sample_size * n_records) if self.sample_size < 1
                else int(self.sample_size))
        return min(n_records, max(1, size))

    def _sample_done(self, drawn: int, positives: int, n_records: int) -> bool:
        if drawn >= n_records:
            return True
        return drawn >= self._size(n_records) and positives >= target_size(
            self.target_recall, self.alpha)

    def _needed(self, positives: int) -> int | None:
        return quantile_binomial_j(positives, self.target_recall, self.alpha)

    def sample_needed(self, n_records: int) -> int:
        by_size = self._size(n_records) - self.drawn_
        short = target_size(self.target_recall, self.alpha) - self.sample_relevant_
        rate = (self.sample_relevant_ + 1) / (self.drawn_ + 2)
        by_relevant = math.ceil(short / rate) if short > 0 else 0
        return min(n_records - self.drawn_, max(by_size, by_relevant))
