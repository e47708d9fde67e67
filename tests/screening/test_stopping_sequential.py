"""The statistical stopping rule run draw by draw, as a review runs it, on synthetic urns.

The rule is tested after every random draw and stops at the first p < alpha. Repeated
testing could inflate the error rate, so these Monte-Carlo checks (seeded, vectorised,
a few seconds) measure how often a run stops with recall below the target.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from scopewise.screening.stopping import StatisticalStopping, recall_p_value

TARGET, ALPHA = 0.95, 0.05


def _thresholds(found_before: int, urn_labels: np.ndarray) -> np.ndarray:
    """For each count k of relevant records in the sample, the first draw at which the
    rule's p-value falls below alpha (p falls as the sample grows with k fixed)."""
    urn = urn_labels.size
    draws = np.arange(1, urn + 1)
    first = np.full(int(urn_labels.sum()) + 1, urn, dtype=np.int64)
    for k in range(first.size):
        p = recall_p_value(found_before, np.full(urn, k), draws, urn, TARGET)
        below = np.flatnonzero((p < ALPHA) & (draws >= k))
        if below.size:
            first[k] = draws[below[0]]
    return first


def _sequential_run(found_before: int, urn_labels: np.ndarray, rng: np.random.Generator,
                    first: np.ndarray | None = None) -> tuple[int, float]:
    """Draw the urn in random order, test after every draw; (draws at stop, recall)."""
    if first is None:
        first = _thresholds(found_before, urn_labels)
    sample = rng.permutation(urn_labels)
    found_in_sample = np.cumsum(sample)
    draws = np.arange(1, sample.size + 1)
    below = np.flatnonzero(draws >= first[found_in_sample])
    stop = int(below[0]) + 1 if below.size else sample.size
    total = found_before + int(urn_labels.sum())
    return stop, (found_before + int(found_in_sample[stop - 1])) / total


@pytest.mark.parametrize(("found_before", "left", "urn"), [
    (16, 3, 685),     # small review, every miss costs > 5 % recall (like Cohen ADHD)
    (12, 2, 1700),    # very few relevant records (like Cohen Opiods)
    (38, 12, 1030),   # recall 0.76 when sampling starts
    (45, 3, 1200),    # recall 0.9375, just below the target, few left
    (100, 30, 1000),  # recall 0.77, many left
])
def test_sequential_error_rate_is_at_most_alpha(found_before: int, left: int, urn: int) -> None:
    """Recall at the stop is below the target in at most alpha (+ Monte-Carlo error) of runs."""
    rng = np.random.default_rng([found_before, left, urn])
    urn_labels = np.zeros(urn, dtype=np.int64)
    urn_labels[:left] = 1
    trials = 4000
    first = _thresholds(found_before, urn_labels)
    misses = sum(_sequential_run(found_before, urn_labels, rng, first)[1] < TARGET
                 for _ in range(trials))
    # three standard errors of a binomial proportion at alpha
    tolerance = 3 * math.sqrt(ALPHA * (1 - ALPHA) / trials)
    assert misses / trials <= ALPHA + tolerance


@pytest.mark.parametrize(("found_before", "left", "urn"), [
    (90, 6, 1500),    # recall 0.9375, six left
    (200, 15, 3000),  # recall 0.93, fifteen left
])
def test_repeated_testing_inflates_the_error_rate_only_mildly(found_before: int, left: int,
                                                               urn: int) -> None:
    """Just below the target with many relevant left, testing after every draw errs in
    more than alpha of runs (a known cost of repeated looks, documented in
    StatisticalStopping) but stays well under twice alpha."""
    rng = np.random.default_rng([found_before, left, urn])
    urn_labels = np.zeros(urn, dtype=np.int64)
    urn_labels[:left] = 1
    trials = 4000
    first = _thresholds(found_before, urn_labels)
    misses = sum(_sequential_run(found_before, urn_labels, rng, first)[1] < TARGET
                 for _ in range(trials))
    assert misses / trials <= 1.8 * ALPHA


def test_sequential_rule_saves_work_when_nothing_is_left() -> None:
    """With every relevant record found before sampling, the rule stops well before the end."""
    rng = np.random.default_rng(3)
    urn_labels = np.zeros(2000, dtype=np.int64)
    first = _thresholds(60, urn_labels)
    stops = [_sequential_run(60, urn_labels, rng, first) for _ in range(20)]
    assert all(recall == 1.0 for _, recall in stops)
    # recall < 0.95 would need >= 4 relevant in the urn: P(none in n draws) < 0.05 by ~half
    assert all(draws < 0.6 * urn_labels.size for draws, _ in stops)


def test_rule_fitted_after_every_draw_matches_the_vectorised_test() -> None:
    """StatisticalStopping.fit on the growing history stops at the same draw."""
    rng = np.random.default_rng(11)
    ranked = np.array([1] * 16 + [0] * 84)
    urn_labels = np.zeros(400, dtype=np.int64)
    urn_labels[:2] = 1
    n_records = ranked.size + urn_labels.size
    for _ in range(3):
        sample = rng.permutation(urn_labels)
        p = recall_p_value(16, np.cumsum(sample), np.arange(1, 401), 400, TARGET)
        below = np.flatnonzero(p < ALPHA)
        expected = int(below[0]) + 1 if below.size else 400
        rule = StatisticalStopping()
        for draws in range(1, 401):
            history = np.concatenate([ranked, sample[:draws]])
            flags = np.r_[np.zeros(ranked.size, bool), np.ones(draws, bool)]
            if rule.fit(history, n_records, flags).stop_:
                break
        assert draws == expected
        assert rule.p_value_ == pytest.approx(p[draws - 1])


def test_vectorised_p_values_match_the_scalar_ones() -> None:
    k = np.array([0, 1, 1, 2, 5])
    n = np.array([0, 10, 200, 500, 900])
    values = recall_p_value(40, k, n, 1000, TARGET)
    assert values.shape == (5,)
    for i in range(5):
        assert values[i] == pytest.approx(recall_p_value(40, int(k[i]), int(n[i]), 1000, TARGET))
    assert values[0] == 1.0


def _sample_positions(n_records: int, seed: int) -> np.ndarray:
    """Relative positions (0-1) of the records the statistical rule sampled in a run."""
    from scopewise.records import Record
    from scopewise.screening.rankers import get_ranker
    from scopewise.screening.simulate import simulate

    records = [Record(title=f"record {i}", abstract="") for i in range(n_records)]
    labels = np.zeros(n_records, dtype=np.int64)
    labels[:3] = 1
    rule = StatisticalStopping(patience=5, min_screened=10)
    result = simulate(records, labels, get_ranker("random"), seed=seed, priors=[0, 5],
                      stop_rule=rule)
    sampled = result.order[: result.n_screened][result.sampled[: result.n_screened]]
    return np.asarray(sampled) / n_records


def test_simulated_sample_spans_all_unscreened_records() -> None:
    """The random sample is drawn from every unscreened record, not from one end."""
    positions = _sample_positions(600, seed=0)
    assert positions.size > 50
    # first and last thirds of the review both appear among the early draws
    early = positions[:60]
    assert (early < 1 / 3).any() and (early > 2 / 3).any()


def test_runs_on_reviews_of_different_size_draw_independently() -> None:
    """One seed, two reviews of different size: the sampled relative positions differ
    (a shared random stream drew the same relative positions in every review)."""
    first, second = _sample_positions(600, seed=0), _sample_positions(640, seed=0)
    size = min(first.size, second.size, 40)
    assert np.abs(first[:size] - second[:size]).mean() > 0.1
