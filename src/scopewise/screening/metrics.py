"""Screening-simulation metrics, exactly as ``METRICS.md`` defines them.

All functions take the *labels in screening order with the prior records removed*
(1 = relevant, 0 = irrelevant); records a run never screened are appended at the end
by the caller, as if screened last. ``N`` is the length of that order and ``R`` the
number of relevant records in it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

__all__ = [
    "ScreeningMetrics",
    "average_time_to_discovery",
    "found_at",
    "recall_at",
    "screening_metrics",
    "wss",
    "wss_limit",
]


def _as_array(order_labels: Sequence[int] | np.ndarray) -> np.ndarray:
    labels = np.asarray(order_labels, dtype=np.int64)
    if labels.ndim != 1:
        raise ValueError("order labels must be one-dimensional")
    if labels.size and not np.isin(labels, (0, 1)).all():
        raise ValueError("order labels must be 0 or 1")
    return labels


def found_at(order_labels: Sequence[int] | np.ndarray, k: int) -> int:
    """Relevant records among the first ``k`` screened."""
    labels = _as_array(order_labels)
    return int(labels[: max(k, 0)].sum())


def recall_at(order_labels: Sequence[int] | np.ndarray, fraction: float = 0.10) -> float:
    """Recall after screening ``floor(fraction * N)`` records (recall@10% by default)."""
    labels = _as_array(order_labels)
    relevant = int(labels.sum())
    if relevant == 0:
        return float("nan")
    k = math.floor(fraction * labels.size)
    return found_at(labels, k) / relevant


def _records_to_reach(labels: np.ndarray, target: int) -> int:
    """Smallest k with found(k) >= target (0 when target is 0)."""
    if target <= 0:
        return 0
    cumulative = np.cumsum(labels)
    return int(np.searchsorted(cumulative, target) + 1)


def wss(order_labels: Sequence[int] | np.ndarray, recall: float = 0.95) -> float:
    """Work saved over sampling at ``recall``: ``(N - k) / N - (1 - recall)``.

    ``k`` is the number of records screened when the count of relevant records found
    first reaches ``ceil(recall * R)``.
    """
    labels = _as_array(order_labels)
    n, relevant = labels.size, int(labels.sum())
    if relevant == 0 or n == 0:
        return float("nan")
    # a tiny tolerance keeps ceil(0.95 * 20) == 19 despite floating point
    target = math.ceil(recall * relevant - 1e-9)
    k = _records_to_reach(labels, target)
    return (n - k) / n - (1.0 - recall)


def wss_limit(n_records: int, n_relevant: int, recall: float = 0.95) -> float:
    """The WSS of a perfect order (all relevant records first)."""
    if n_records == 0 or n_relevant == 0:
        return float("nan")
    target = math.ceil(recall * n_relevant - 1e-9)
    return (n_records - target) / n_records - (1.0 - recall)


def average_time_to_discovery(order_labels: Sequence[int] | np.ndarray) -> float:
    """Mean 1-based position of the relevant records, divided by ``N``."""
    labels = _as_array(order_labels)
    positions = np.flatnonzero(labels) + 1
    if positions.size == 0:
        return float("nan")
    return float(positions.mean() / labels.size)


@dataclass(frozen=True, slots=True)
class ScreeningMetrics:
    """The standard metrics of one simulation."""

    n_records: int
    n_relevant: int
    recall_at_10: float
    wss_95: float
    wss_100: float
    atd: float
    wss_95_limit: float

    def as_dict(self) -> dict[str, float | int]:
        """The metrics as a plain dict (for tables and JSON)."""
        return {
            "n_records": self.n_records,
            "n_relevant": self.n_relevant,
            "recall_at_10": self.recall_at_10,
            "wss_95": self.wss_95,
            "wss_100": self.wss_100,
            "atd": self.atd,
            "wss_95_limit": self.wss_95_limit,
        }


def screening_metrics(order_labels: Sequence[int] | np.ndarray) -> ScreeningMetrics:
    """All standard metrics of one screening order (priors already removed)."""
    labels = _as_array(order_labels)
    relevant = int(labels.sum())
    return ScreeningMetrics(
        n_records=int(labels.size),
        n_relevant=relevant,
        recall_at_10=recall_at(labels, 0.10),
        wss_95=wss(labels, 0.95),
        wss_100=wss(labels, 1.0),
        atd=average_time_to_discovery(labels),
        wss_95_limit=wss_limit(int(labels.size), relevant, 0.95),
    )
