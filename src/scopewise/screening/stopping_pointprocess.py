"""A stopping rule that models the ranking: relevant records as a point process.

Why this rule. A random sample costs records, and on a review with few relevant
records it costs nearly all of them: to certify recall 0.95 by sampling, the sample
must contain about 60 relevant records (see :mod:`scopewise.screening.stopping_sample`),
which a review with 15 relevant records in 2,000 cannot give. The ranking itself
carries the information instead: as screening proceeds in ranked order, relevant
records become rarer, and the rate at which they still turn up says how many are
left. Sneyd & Stevenson (2021) model the relevant records found along the ranking
as an inhomogeneous Poisson process; Stevenson & Bin-Hezam (2023) compare rate
functions and add allowance for the rate itself being uncertain. This module is an
implementation of that idea written from those papers.

The model. Screening position ``x = 1, 2, ...`` (ranked order, priors left out); a
relevant record at ``x`` is an event of a Poisson process whose rate falls as a
power law, ``rate(x) = exp(a) * x ** -b``. The power law is the cautious choice among
the papers' rate functions: its tail falls slowly, so it does not declare the
ranking dry after one quiet stretch, and a flat curve (``b`` near 0) predicts many
relevant records left. ``a`` and ``b`` are fitted by maximum likelihood on every
decision so far (Newton's method on the profile likelihood of ``b``).

What is left. The expected number of relevant records in the unscreened positions
``s + 1 .. N`` is ``mu = sum(rate(x))``. Two allowances make the bound cautious:
the fitted parameters are uncertain (a normal bound on ``log mu`` from the Fisher
information, the delta method), and the count left is Poisson around its mean.
The upper bound on relevant records left is the ``1 - alpha`` Poisson quantile at
the upper ``1 - alpha`` bound of ``mu``. The rule stops when ``found / (found +
upper bound) >= target``, and only once it has seen ``min_relevant`` relevant records
and the last ``min_quiet`` decisions (``quiet`` share of the review) hold no relevant
record, so it never stops on a single lucky fit.

What it promises. Not a guarantee: the bound is exact only if the power-law model is
right, and real rankings are lumpier. The promise is empirical, measured on the 20
development sets (seeds 0-4, 1+1 priors, the default ranker; bench/stopping.py):
how often recall reached the target there is in ``PROMISE`` and in every report.

References: Sneyd, A. & Stevenson, M. (2021). Modelling stopping criteria for
search results using Poisson processes. *EMNLP 2021*, 3484-3489.
https://doi.org/10.18653/v1/2021.emnlp-main.321 -- Stevenson, M. & Bin-Hezam, R.
(2023). Stopping methods for technology-assisted reviews based on point processes.
*ACM TOIS* 42(3). https://doi.org/10.1145/3631990
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Self

import numpy as np

from scopewise.screening.stopping_rule import StoppingRule, StopReport

__all__ = ["PointProcessStopping", "fit_power_law"]

#: What the development sets showed (bench/stopping.py); quoted in every report.
PROMISE = ("no guarantee: an empirical rule; on the 20 development sets it reached the "
           "target recall in {share} of runs")


def _normal_quantile(p: float) -> float:
    from statistics import NormalDist

    return NormalDist().inv_cdf(p)


def _poisson_quantile(p: float, mean: float) -> int:
    """Smallest ``k`` with ``P(X <= k) >= p`` for ``X ~ Poisson(mean)``."""
    if mean <= 0:
        return 0
    from scipy.stats import poisson

    return int(poisson.ppf(p, mean))


def fit_power_law(labels: np.ndarray, start: tuple[float, float] | None = None
                  ) -> tuple[float, float, np.ndarray]:
    """Maximum-likelihood ``(a, b)`` of ``rate(x) = exp(a) x^-b`` for events ``labels``.

    Returns the estimates and the inverse Fisher information (their covariance).
    ``b`` is kept in ``[-1, 4]``: a rising rate beyond that is no model of a ranking.
    """
    y = np.asarray(labels, dtype=float)
    logx = np.log(np.arange(1, y.size + 1, dtype=float))
    total = float(y.sum())
    sum_ylog = float(y @ logx)
    b = start[1] if start is not None else 0.5
    for _ in range(50):
        w = np.exp(-b * logx)
        s0, s1, s2 = float(w.sum()), float(w @ logx), float(w @ (logx * logx))
        m1, m2 = s1 / s0, s2 / s0
        # profile log-likelihood in b (a at its optimum): -b*sum_ylog - total*log(s0)
        grad = -sum_ylog + total * m1
        hess = -total * (m2 - m1 * m1)
        if hess >= -1e-12:
            break
        step = grad / hess
        new_b = min(4.0, max(-1.0, b - step))
        if abs(new_b - b) < 1e-7:
            b = new_b
            break
        b = new_b
    w = np.exp(-b * logx)
    s0, s1, s2 = float(w.sum()), float(w @ logx), float(w @ (logx * logx))
    a = math.log(total / s0) if total > 0 else -math.inf
    scale = total / s0 if total > 0 else 0.0
    info = scale * np.array([[s0, -s1], [-s1, s2]])
    try:
        cov = np.linalg.inv(info)
    except np.linalg.LinAlgError:
        cov = np.full((2, 2), np.inf)
    return a, b, cov


class PointProcessStopping(StoppingRule):
    """Stop when the fitted rate of relevant records says too few can be left.

    See the module notes for the model and its promise.

    Parameters
    ----------
    target_recall:
        The recall to reach (0.95 by default; 0.9 and 0.99 work too).
    alpha:
        Allowance for chance in the bound on relevant records left (both the
        parameters' uncertainty and the Poisson count use ``1 - alpha``).
    min_relevant:
        Relevant records to find before the rule may stop.
    min_quiet:
        Irrelevant records in a row the latest decisions must show before stopping.
    quiet:
        The same as a share of the review; the larger of the two applies.
    """

    name = "point-process"

    def __init__(self, target_recall: float = 0.95, alpha: float = 0.05,
                 min_relevant: int = 3, min_quiet: int = 20, quiet: float = 0.0) -> None:
        self.target_recall = target_recall
        self.alpha = alpha
        self.min_relevant = min_relevant
        self.min_quiet = min_quiet
        self.quiet = quiet

    def _quiet_needed(self, n_records: int) -> int:
        return max(self.min_quiet, math.ceil(self.quiet * n_records))

    def fit(self, labels: Sequence[int] | np.ndarray, n_records: int,
            sampled: Sequence[bool] | np.ndarray | None = None,
            reached: Sequence[bool] | np.ndarray | None = None) -> Self:
        labels = np.asarray(labels, dtype=np.int64)
        if sampled is not None:  # the model reads the ranked decisions only
            labels = labels[~np.asarray(sampled, dtype=bool)]
        s = int(labels.size)
        self.screened_ = s
        self.unscreened_ = n_records - s
        self.relevant_found_ = int(labels.sum())
        hits = np.flatnonzero(labels)
        self.run_ = s - (int(hits[-1]) + 1 if hits.size else 0)
        self.quiet_needed_ = self._quiet_needed(n_records)
        self._labels = labels
        self._n_records = n_records
        self._modelled = False
        # the model is fitted only when it can decide (the other conditions hold) or
        # when a report asks for it: the simulation loop asks after every decision
        ready = self.relevant_found_ >= self.min_relevant and self.run_ >= self.quiet_needed_
        if ready or self.unscreened_ == 0:
            self._model()
        self.stop_ = self.unscreened_ == 0 or (
            ready and self.recall_lower_bound_ is not None
            and self.recall_lower_bound_ >= self.target_recall)
        return self

    def _model(self) -> None:
        """Fit the rate and bound the relevant records left (sets the estimates)."""
        labels, n_records, s = self._labels, self._n_records, self.screened_
        self._modelled = True
        self.left_ = self.left_low_ = self.left_high_ = math.nan
        self.b_ = math.nan
        if self.relevant_found_ >= 1 and self.unscreened_ > 0 and s >= 2:
            a, b, cov = fit_power_law(labels)
            self.b_ = b
            rest = np.arange(s + 1, n_records + 1, dtype=float)
            w = np.exp(a - b * np.log(rest))
            mu = float(w.sum())
            # d log(mu) / d(a, b) = (1, -weighted mean of log x over the rest)
            grad = np.array([1.0, -float(w @ np.log(rest)) / mu if mu > 0 else 0.0])
            var = float(grad @ cov @ grad)
            sd = math.sqrt(var) if math.isfinite(var) and var > 0 else math.inf
            z = _normal_quantile(1 - self.alpha)
            mu_high = mu * math.exp(min(z * sd, 50.0))
            mu_low = mu * math.exp(-min(z * sd, 50.0))
            self.left_ = mu
            self.left_high_ = float(min(self.unscreened_,
                                        _poisson_quantile(1 - self.alpha, mu_high)))
            self.left_low_ = float(min(self.unscreened_,
                                       _poisson_quantile(self.alpha, mu_low)))
        elif self.unscreened_ == 0:
            self.left_ = self.left_low_ = self.left_high_ = 0.0
        found = self.relevant_found_
        self.estimated_recall_ = (found / (found + self.left_)
                                  if found and math.isfinite(self.left_) else math.nan)
        self.recall_lower_bound_ = (found / (found + self.left_high_)
                                    if found and math.isfinite(self.left_high_) else None)

    def message(self) -> str:
        """The verdict in one plain sentence, then the figures behind it."""
        if not self._modelled:
            self._model()
        found = self.relevant_found_
        if self.unscreened_ == 0:
            return "You can stop: every record is screened."
        if found == 0:
            return ("Keep screening: no relevant record found yet, so the rate at which "
                    "they turn up cannot be modelled.")
        left = (f"estimated {self.left_:.1f} relevant records left among "
                f"{self.unscreened_:,} unscreened ({1 - 2 * self.alpha:.0%} interval "
                f"{self.left_low_:.0f} to {self.left_high_:.0f}); recall estimated "
                f"{self.estimated_recall_:.1%}, at least "
                f"{self.recall_lower_bound_ or 0:.1%} under the model")
        if self.stop_:
            return (f"You can stop: the ranking has run dry enough for recall of at least "
                    f"{self.target_recall:.0%}. {left[0].upper()}{left[1:]}.")
        why = []
        if found < self.min_relevant:
            why.append(f"only {found} relevant found (needs {self.min_relevant})")
        if self.run_ < self.quiet_needed_:
            why.append(f"{self.run_} irrelevant in a row (needs {self.quiet_needed_})")
        if (self.recall_lower_bound_ or 0) < self.target_recall:
            why.append(f"the bound is below the target {self.target_recall:.0%}")
        return (f"Keep screening: relevant records may still be left ({'; '.join(why)}). "
                f"{left[0].upper()}{left[1:]}.")

    def report(self) -> StopReport:
        detail = self.message()
        return StopReport(
            rule=self.name, stop=self.stop_, screened=self.screened_,
            unscreened=self.unscreened_, relevant_found=self.relevant_found_,
            estimated_recall=self.estimated_recall_,
            recall_lower_bound=self.recall_lower_bound_,
            detail=detail,
            relevant_left=_finite(self.left_),
            relevant_left_low=_finite(self.left_low_),
            relevant_left_high=_finite(self.left_high_),
        )


def _finite(value: float) -> float | None:
    return value if math.isfinite(value) else None
