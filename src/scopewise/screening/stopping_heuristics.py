"""Stopping heuristics kept for comparison with the statistical rule: they make no
claim about recall. :class:`ConsecutiveIrrelevant` ("N irrelevant records in a row")
and :class:`KneeStopping` (the knee method of Cormack & Grossman, 2016)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Self

import numpy as np

from scopewise.screening.stopping_rule import StoppingRule, StopReport

__all__ = ["ConsecutiveIrrelevant", "KneeStopping"]


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
            sampled: Sequence[bool] | np.ndarray | None = None,
            reached: Sequence[bool] | np.ndarray | None = None) -> Self:
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
            detail=(("You can stop: " if self.stop_ else "Keep screening: ")
                    + f"{self.run_} irrelevant records in a row (the rule stops at "
                    f"{self.threshold_}). A heuristic: it promises nothing about recall."),
            promise="none: a heuristic",
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
            sampled: Sequence[bool] | np.ndarray | None = None,
            reached: Sequence[bool] | np.ndarray | None = None) -> Self:
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
            detail=(("You can stop: the gain curve has bent flat. " if self.stop_ else
                     "Keep screening: the gain curve has not bent flat enough. ")
                    + f"Knee at {self.knee_}, slope ratio {self.slope_ratio_:.1f} (stops at "
                    f"{self.ratio:g}). A heuristic: it promises nothing about recall."),
            promise="none: a heuristic",
        )
