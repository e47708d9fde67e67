"""Stopping rules: when may a reviewer stop screening the prioritised records?

The rule a review can cite is :class:`StatisticalStopping`, the hypergeometric test
of Callaghan & Müller-Hansen (2020). Two heuristics are kept for comparison:
:class:`ConsecutiveIrrelevant` ("stop after N irrelevant records in a row") and
:class:`KneeStopping` (the knee method of Cormack & Grossman, 2016).

Every rule follows scikit-learn conventions: ``__init__`` stores settings, ``fit``
reads the screening history so far (decisions in screening order, which of them
came from a random sample, and the number of records in the review) and returns
``self``; the outcome is in ``stop_`` and the other attributes ending in ``_``.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Self

import numpy as np

from scopewise.errors import UsageError

__all__ = [
    "STOPPING_RULES",
    "ConsecutiveIrrelevant",
    "KneeStopping",
    "StatisticalStopping",
    "StopReport",
    "StoppingRule",
    "get_stopping_rule",
    "recall_p_value",
]


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



def _hypergeom_cdf(k: Any, urn: Any, relevant: Any, drawn: Any) -> Any:
    """``scipy.stats.hypergeom.cdf``, imported on first use (scipy.stats takes ~0.7 s
    to import, which every ``scopewise simulate`` run would pay otherwise)."""
    from scipy.stats import hypergeom

    return hypergeom.cdf(k, urn, relevant, drawn)

def recall_p_value(found_before: int, sample_relevant: Any, sample_size: Any,
                   urn_size: int, target_recall: float) -> Any:
    """p-value of "recall is below ``target_recall``" after a random sample.

    Callaghan & Müller-Hansen (2020) treat the records not yet screened when random
    sampling began as an urn of ``urn_size`` records. ``found_before`` relevant
    records were found before sampling and ``sample_relevant`` in the
    ``sample_size`` records drawn since. If recall were below the target, the urn
    would hold at least ``K = floor((found_before + sample_relevant) / target -
    found_before) + 1`` relevant records; the p-value is the hypergeometric
    probability of seeing ``sample_relevant`` or fewer relevant records in the sample
    from such an urn. Fewer relevant records in the urn only make the observation
    likelier, so the smallest such ``K`` gives the largest (most cautious) p-value.

    ``sample_relevant`` and ``sample_size`` may be arrays of equal shape (e.g. the
    running counts after each draw); the result then has that shape.
    """
    k = np.asarray(sample_relevant, dtype=np.int64)
    n = np.asarray(sample_size, dtype=np.int64)
    found = found_before + k
    k_null = np.floor(found / target_recall - found_before + 1e-12).astype(np.int64) + 1
    if urn_size <= 0:
        p = np.ones(np.broadcast(k, n).shape)
    else:
        p = np.asarray(_hypergeom_cdf(k, urn_size, np.minimum(k_null, urn_size), n),
                       dtype=float)
        # the urn cannot hold enough relevant records for recall to be this low
        p = np.where(k_null > urn_size, 0.0, p)
        p = np.where(n <= 0, 1.0, p)
    return float(p) if p.ndim == 0 else p


class StatisticalStopping(StoppingRule):
    """The statistical stopping rule of Callaghan & Müller-Hansen (2020).

    Screening goes in two phases. First the reviewer screens in the ranker's order.
    Once the ranker seems to have run dry (``patience`` irrelevant records in a row
    after at least ``min_screened`` records), the remaining records are screened in a
    random order, and after each one a hypergeometric test (:func:`recall_p_value`)
    asks whether recall could still be below ``target_recall``. Screening stops as
    soon as that hypothesis is rejected at level ``alpha``: the reviewer may then
    report recall of at least ``target_recall`` with confidence ``1 - alpha``, and
    the number of records left unscreened.

    As in the paper, the test is repeated after every draw and screening stops at
    the first rejection. Repeated testing makes the error rate slightly larger than
    ``alpha`` when many relevant records are left and recall is just below the
    target (Monte-Carlo, ``tests/screening/test_stopping_sequential.py``: about
    0.06-0.075 at ``alpha = 0.05``); with few relevant records left it stays at
    ``alpha``.

    Reference: Callaghan, M. W. & Müller-Hansen, F. (2020). Statistical stopping
    criteria for automated screening in systematic reviews. *Systematic Reviews*
    9, 273. https://doi.org/10.1186/s13643-020-01521-4

    Parameters
    ----------
    target_recall:
        The recall the review wants to be confident of (0.95 by default).
    alpha:
        Significance level of the test (0.05: 95 % confidence).
    patience:
        Irrelevant records in a row, in ranked order, before random sampling starts.
        ``None`` means 5 % of the review, at least 50.
    min_screened:
        Records to screen in ranked order before sampling may start; ``None``
        means 10 % of the review.
    """

    name = "statistical"

    def __init__(self, target_recall: float = 0.95, alpha: float = 0.05,
                 patience: int | None = None, min_screened: int | None = None) -> None:
        self.target_recall = target_recall
        self.alpha = alpha
        self.patience = patience
        self.min_screened = min_screened

    def _patience(self, n_records: int) -> int:
        return self.patience if self.patience is not None else max(50, math.ceil(0.05 * n_records))

    def _min_screened(self, n_records: int) -> int:
        if self.min_screened is not None:
            return self.min_screened
        return math.ceil(0.10 * n_records)

    def wants_random_sample(self, labels: np.ndarray, n_records: int) -> bool:
        labels = np.asarray(labels)
        if labels.size < self._min_screened(n_records):
            return False
        patience = self._patience(n_records)
        return labels.size >= patience and not labels[-patience:].any()

    def fit(self, labels: Sequence[int] | np.ndarray, n_records: int,
            sampled: Sequence[bool] | np.ndarray | None = None) -> Self:
        labels = np.asarray(labels, dtype=np.int64)
        flags = (np.zeros(labels.size, dtype=bool) if sampled is None
                 else np.asarray(sampled, dtype=bool))
        if flags.size != labels.size:
            raise ValueError("sampled must have one flag per decision")
        start = int(np.argmax(flags)) if flags.any() else labels.size
        found_before = int(labels[:start].sum())
        sample = labels[start:]
        urn = n_records - start
        self.sample_size_ = int(sample.size)
        self.sample_relevant_ = int(sample.sum())
        self.p_value_ = recall_p_value(found_before, self.sample_relevant_, self.sample_size_,
                                       urn, self.target_recall)
        self.screened_ = int(labels.size)
        self.unscreened_ = n_records - labels.size
        self.relevant_found_ = int(labels.sum())
        self.stop_ = bool(self.sample_size_ > 0 and self.p_value_ < self.alpha) or (
            self.unscreened_ == 0)
        # point estimate: the sample's rate extrapolated to the unsampled remainder
        rate = self.sample_relevant_ / self.sample_size_ if self.sample_size_ else float("nan")
        missing = rate * self.unscreened_ if self.sample_size_ else float("nan")
        self.estimated_recall_ = (self.relevant_found_ / (self.relevant_found_ + missing)
                                  if self.relevant_found_ + (missing or 0) > 0 else float("nan"))
        self.found_before_ = found_before
        self.urn_ = urn
        return self

    def recall_lower_bound(self) -> float | None:
        """One-sided ``1 - alpha`` lower confidence bound on recall, once sampling began.

        The largest number of relevant records the unscreened part of the urn may
        still hold, at level ``alpha``, turned into a recall.
        """
        if self.sample_size_ == 0 or self.relevant_found_ == 0:
            return None
        k, n, urn = self.sample_relevant_, self.sample_size_, self.urn_
        candidates = np.arange(k, urn - (n - k) + 1)
        plausible = candidates[_hypergeom_cdf(k, urn, candidates, n) >= self.alpha]
        worst = int(plausible.max()) if plausible.size else k
        return self.relevant_found_ / (self.relevant_found_ + worst - k)

    def report(self) -> StopReport:
        return StopReport(
            rule=self.name, stop=self.stop_, screened=self.screened_,
            unscreened=self.unscreened_, relevant_found=self.relevant_found_,
            estimated_recall=self.estimated_recall_,
            recall_lower_bound=self.recall_lower_bound(),
            p_value=self.p_value_,
            detail=(f"random sample of {self.sample_size_} records, "
                    f"{self.sample_relevant_} relevant; H0 recall < {self.target_recall:g}: "
                    f"p = {self.p_value_:.3g}"),
        )


class ConsecutiveIrrelevant(StoppingRule):
    """Heuristic: stop after ``n`` irrelevant records in a row.

    Common in practice and easy to explain, but it makes no claim about recall and
    its right ``n`` depends on the size and prevalence of the review (see the
    comparison in Callaghan & Müller-Hansen, 2020).

    Parameters
    ----------
    n:
        Irrelevant records in a row; ``None`` means 5 % of the review, at least 50.
    """

    name = "irrelevant-in-a-row"

    def __init__(self, n: int | None = None) -> None:
        self.n = n

    def fit(self, labels: Sequence[int] | np.ndarray, n_records: int,
            sampled: Sequence[bool] | np.ndarray | None = None) -> Self:
        labels = np.asarray(labels, dtype=np.int64)
        n = self.n if self.n is not None else max(50, math.ceil(0.05 * n_records))
        relevant = np.flatnonzero(labels)
        self.run_ = int(labels.size - (relevant[-1] + 1 if relevant.size else 0))
        self.screened_ = int(labels.size)
        self.unscreened_ = n_records - labels.size
        self.relevant_found_ = int(labels.sum())
        self.stop_ = self.run_ >= n or self.unscreened_ == 0
        self.threshold_ = n
        return self

    def report(self) -> StopReport:
        return StopReport(
            rule=self.name, stop=self.stop_, screened=self.screened_, unscreened=self.unscreened_,
            relevant_found=self.relevant_found_,
            detail=f"{self.run_} irrelevant in a row (stops at {self.threshold_})",
        )


class KneeStopping(StoppingRule):
    """Heuristic: the knee method of Cormack & Grossman (2016).

    The gain curve (relevant found against records screened) bends flat once most
    relevant records are found. The knee is the point of the curve farthest from the
    straight line joining its start and its current end; screening stops when the
    slope before the knee is at least ``ratio`` times the slope after it (with one
    relevant record added after the knee to smooth small counts), once at least
    ``min_screened`` records are screened.

    Reference: Cormack, G. V. & Grossman, M. R. (2016). Engineering quality and
    reliability in technology-assisted review. *SIGIR '16*, 75-84.
    https://doi.org/10.1145/2911451.2911510
    """

    name = "knee"

    def __init__(self, ratio: float = 6.0, min_screened: int = 150) -> None:
        self.ratio = ratio
        self.min_screened = min_screened

    def fit(self, labels: Sequence[int] | np.ndarray, n_records: int,
            sampled: Sequence[bool] | np.ndarray | None = None) -> Self:
        labels = np.asarray(labels, dtype=np.int64)
        self.screened_ = int(labels.size)
        self.unscreened_ = n_records - labels.size
        self.relevant_found_ = int(labels.sum())
        self.slope_ratio_ = 0.0
        self.knee_ = 0
        if labels.size >= self.min_screened and self.relevant_found_ > 0:
            gain = np.cumsum(labels)
            x = np.arange(1, labels.size + 1, dtype=float)
            # distance from the line (0, 0) -> (s, gain[-1]), up to a constant factor
            distance = gain * labels.size - x * gain[-1]
            knee = int(np.argmax(distance))
            before = gain[knee] / (knee + 1)
            after = (gain[-1] - gain[knee] + 1) / max(labels.size - knee - 1, 1)
            self.knee_ = knee + 1
            self.slope_ratio_ = float(before / after)
        self.stop_ = self.slope_ratio_ >= self.ratio or self.unscreened_ == 0
        return self

    def report(self) -> StopReport:
        return StopReport(
            rule=self.name, stop=self.stop_, screened=self.screened_, unscreened=self.unscreened_,
            relevant_found=self.relevant_found_,
            detail=f"knee at {self.knee_}, slope ratio {self.slope_ratio_:.1f} (stops at "
                   f"{self.ratio:g})",
        )


STOPPING_RULES: dict[str, type[StoppingRule]] = {
    rule.name: rule for rule in (StatisticalStopping, ConsecutiveIrrelevant, KneeStopping)
}


def get_stopping_rule(name: str, **params: Any) -> StoppingRule:
    """A new stopping rule by name: ``statistical``, ``irrelevant-in-a-row`` or ``knee``."""
    if name not in STOPPING_RULES:
        raise UsageError(
            f"unknown stop rule {name!r}: choose one of {', '.join(sorted(STOPPING_RULES))}"
        )
    return STOPPING_RULES[name](**params)
