"""Metric definitions (METRICS.md) checked on hand-made screening orders."""

from __future__ import annotations

import math

import pytest

from scopewise.screening.metrics import (
    average_time_to_discovery,
    found_at,
    recall_at,
    screening_metrics,
    wss,
    wss_limit,
)

# N = 10, R = 2: relevant records at positions 1 and 3 (1-based)
ORDER = [1, 0, 1, 0, 0, 0, 0, 0, 0, 0]


def test_found_counts_relevant_in_prefix() -> None:
    assert [found_at(ORDER, k) for k in (0, 1, 2, 3, 10)] == [0, 1, 1, 2, 2]


def test_recall_at_ten_percent_uses_floor_of_n() -> None:
    # floor(0.1 * 10) = 1 record screened, 1 of 2 relevant found
    assert recall_at(ORDER, 0.10) == 0.5
    # floor(0.1 * 19) = 1 as well: the second relevant record at position 2 is not counted
    assert recall_at([0, 1] + [0] * 16 + [1], 0.10) == 0.0


def test_wss_at_100_and_95() -> None:
    # all relevant found after k = 3 records: (10 - 3) / 10 - 0
    assert wss(ORDER, 1.0) == pytest.approx(0.7)
    # ceil(0.95 * 2) = 2 relevant needed, also k = 3, minus 0.05
    assert wss(ORDER, 0.95) == pytest.approx(0.65)


def test_wss_95_target_is_exact_for_round_products() -> None:
    # R = 20: ceil(0.95 * 20) must be 19, not 20 through floating point error
    order = [1] * 19 + [0] * 80 + [1]
    n = len(order)
    assert wss(order, 0.95) == pytest.approx((n - 19) / n - 0.05)


def test_average_time_to_discovery() -> None:
    assert average_time_to_discovery(ORDER) == pytest.approx((1 + 3) / 2 / 10)


def test_perfect_order_reaches_the_limit() -> None:
    order = [1] * 7 + [0] * 93
    assert wss(order, 0.95) == pytest.approx(wss_limit(100, 7, 0.95))
    # ceil(0.95 * 7) = 7
    assert wss_limit(100, 7) == pytest.approx((100 - 7) / 100 - 0.05)


def test_worst_order_saves_nothing() -> None:
    order = [0] * 8 + [1, 1]
    assert wss(order, 1.0) == 0.0
    assert recall_at(order) == 0.0


def test_summary_bundles_all_metrics() -> None:
    metrics = screening_metrics(ORDER)
    assert (metrics.n_records, metrics.n_relevant) == (10, 2)
    assert metrics.recall_at_10 == 0.5
    assert metrics.wss_95 == pytest.approx(0.65)
    assert metrics.wss_100 == pytest.approx(0.7)
    assert metrics.atd == pytest.approx(0.2)


def test_no_relevant_records_gives_nan() -> None:
    assert math.isnan(wss([0, 0, 0]))
    assert math.isnan(recall_at([0, 0, 0]))


def test_labels_must_be_binary() -> None:
    with pytest.raises(ValueError):
        wss([0, 2, 1])
