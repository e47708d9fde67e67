"""The statistical stopping rules run draw by draw, as a review runs them, on synthetic urns.

Both rules test after every random draw and stop at the first rejection. The paper's
plain rule (``statistical-plain``) tests at alpha each time, which inflates its error
rate; the default rule (``statistical``) tests at the exact per-look level of
:func:`~scopewise.screening.sequential.per_look_level`. These Monte-Carlo checks
(seeded, vectorised, a few seconds) measure how often a run stops with recall below
the target, and compare the exact error computation with them.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from scopewise.screening.sequential import (
    _Design,
    look_schedule,
    max_sequential_error,
    per_look_level,
)
from scopewise.screening.stopping import (
    PlainStatisticalStopping,
    StatisticalStopping,
    recall_p_value,
)

TARGET, ALPHA = 0.95, 0.05
TRIALS = 4000
# three standard errors of a binomial proportion at alpha
TOLERANCE = 3 * math.sqrt(ALPHA * (1 - ALPHA) / TRIALS)


def _thresholds(found_before: int, urn_labels: np.ndarray, level: float = ALPHA) -> np.ndarray:
    """For each count k of relevant records in the sample, the first draw at which the
    rule's p-value falls below ``level`` (p falls as the sample grows with k fixed)."""
    urn = urn_labels.size
    draws = np.arange(1, urn + 1)
    first = np.full(int(urn_labels.sum()) + 1, urn, dtype=np.int64)
    for k in range(first.size):
        p = recall_p_value(found_before, np.full(urn, k), draws, urn, TARGET)
        below = np.flatnonzero((p < level) & (draws >= k))
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


def _miss_rate(found_before: int, left: int, urn: int, level: float) -> float:
    """Monte-Carlo share of runs stopping with recall below the target."""
    rng = np.random.default_rng([found_before, left, urn])
    urn_labels = np.zeros(urn, dtype=np.int64)
    urn_labels[:left] = 1
    first = _thresholds(found_before, urn_labels, level)
    misses = sum(_sequential_run(found_before, urn_labels, rng, first)[1] < TARGET
                 for _ in range(TRIALS))
    return misses / TRIALS


def _exact_error(found_before: int, left: int, urn: int, level: float) -> float:
    """The exact error of the design for one number of relevant records left."""
    design = _Design(found_before, urn, TARGET, look_schedule(urn, 1), k_high=left)
    at = np.flatnonzero(design.urn_relevant == left)
    return float(design.error(level)[at[0]]) if at.size else 0.0


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
def test_the_plain_rule_errs_more_than_alpha(found_before: int, left: int, urn: int) -> None:
    """Just below the target with many relevant left, testing at alpha after every
    draw stops with recall below the target in more than alpha of runs, as the exact
    computation says."""
    rate = _miss_rate(found_before, left, urn, ALPHA)
    exact = _exact_error(found_before, left, urn, ALPHA)
    assert exact > ALPHA + 0.005
    assert rate > ALPHA
    assert abs(rate - exact) <= 3 * math.sqrt(exact * (1 - exact) / TRIALS)


@pytest.mark.parametrize(("found_before", "left", "urn"), [
    (90, 6, 1500),
    (90, 7, 1500),    # the worst number left for this urn (exact computation)
    (200, 15, 3000),
    (200, 14, 3000),  # the worst number left for this urn
])
def test_the_corrected_rule_keeps_alpha_under_repeated_looks(found_before: int, left: int,
                                                              urn: int) -> None:
    """At the exact per-look level the same runs err in at most alpha of runs, and
    the Monte-Carlo rate agrees with the exact error."""
    level = per_look_level(found_before, urn, TARGET, ALPHA)
    assert level < ALPHA
    rate = _miss_rate(found_before, left, urn, level)
    exact = _exact_error(found_before, left, urn, level)
    assert exact <= ALPHA
    assert rate <= ALPHA + TOLERANCE
    assert abs(rate - exact) <= 3 * math.sqrt(max(exact, 0.01) * (1 - exact) / TRIALS)


@pytest.mark.parametrize(("found_before", "urn", "k_high"), [
    (60, 400, 400),      # every K up to the whole urn
    (150, 1200, 148),    # K up to 6 K_tar(0) + 100
])
def test_the_exact_level_holds_beyond_the_range_searched(found_before: int, urn: int,
                                                          k_high: int) -> None:
    """The level is searched on K (relevant left) up to 2 K_tar(0) + 20; it keeps the
    overall error at most alpha on a much wider range too."""
    level = per_look_level(found_before, urn, TARGET, ALPHA)
    design = _Design(found_before, urn, TARGET, look_schedule(urn, 1), k_high=k_high)
    errors = design.error(level)
    assert design.urn_relevant[-1] == k_high
    assert errors.max() <= ALPHA
    # and the level is not needlessly small: the plain level errs above alpha here,
    # the corrected one uses nearly all of alpha
    assert design.error(ALPHA).max() > ALPHA
    assert errors.max() > 0.9 * ALPHA


def test_no_correction_where_the_plain_rule_already_keeps_alpha() -> None:
    # one relevant found: any miss costs recall, the test is exact at every look
    assert per_look_level(1, 300, TARGET, ALPHA) == ALPHA
    assert max_sequential_error(1, 300, TARGET, ALPHA) <= ALPHA


def test_planned_looks_need_less_correction() -> None:
    every_draw = per_look_level(200, 3000, TARGET, ALPHA, 1)
    every_50 = per_look_level(200, 3000, TARGET, ALPHA, 50)
    assert every_draw < every_50 <= ALPHA
    assert max_sequential_error(200, 3000, TARGET, every_50, 50) <= ALPHA
    assert list(look_schedule(120, 50)) == [50, 100, 120]


def test_sequential_rule_saves_work_when_nothing_is_left() -> None:
    """With every relevant record found before sampling, the rule stops well before the end."""
    rng = np.random.default_rng(3)
    urn_labels = np.zeros(2000, dtype=np.int64)
    first = _thresholds(60, urn_labels)
    stops = [_sequential_run(60, urn_labels, rng, first) for _ in range(20)]
    assert all(recall == 1.0 for _, recall in stops)
    # recall < 0.95 would need >= 4 relevant in the urn: P(none in n draws) < 0.05 by ~half
    assert all(draws < 0.6 * urn_labels.size for draws, _ in stops)


@pytest.mark.parametrize("rule_class", [StatisticalStopping, PlainStatisticalStopping])
def test_rule_fitted_after_every_draw_matches_the_vectorised_test(
        rule_class: type[StatisticalStopping]) -> None:
    """StatisticalStopping.fit on the growing history stops at the same draw as the
    vectorised test at the rule's level."""
    rng = np.random.default_rng(11)
    ranked = np.array([1] * 90 + [0] * 110)
    urn_labels = np.zeros(1500, dtype=np.int64)
    urn_labels[:5] = 1
    n_records = ranked.size + urn_labels.size
    level = per_look_level(90, 1500, TARGET, ALPHA) if rule_class is StatisticalStopping \
        else ALPHA
    for _ in range(3):
        sample = rng.permutation(urn_labels)
        p = recall_p_value(90, np.cumsum(sample), np.arange(1, 1501), 1500, TARGET)
        below = np.flatnonzero(p < level)
        expected = int(below[0]) + 1 if below.size else 1500
        rule = rule_class()
        for draws in range(1, 1501):
            history = np.concatenate([ranked, sample[:draws]])
            flags = np.r_[np.zeros(ranked.size, bool), np.ones(draws, bool)]
            if rule.fit(history, n_records, flags).stop_:
                break
        assert draws == expected
        assert rule.level_ == pytest.approx(level)
        assert rule.p_value_ == pytest.approx(p[draws - 1])


def test_a_look_skipped_between_two_fits_still_counts() -> None:
    """A review may record several decisions between two estimates: the rule tests
    every planned look up to the current sample, not only the last one."""
    ranked = np.array([1] * 40 + [0] * 60)
    sample = np.zeros(620, dtype=np.int64)
    sample[599] = 1  # drawn after the test could already reject (about 570 draws)
    flags = np.r_[np.zeros(100, bool), np.ones(620, bool)]
    history = np.concatenate([ranked, sample])
    rule = StatisticalStopping().fit(history, 1000, flags)
    # tested on the whole sample alone, the rule would go on
    assert recall_p_value(40, 1, 620, 900, TARGET) > rule.level_
    # but an earlier look rejected: it stops and reports that look
    assert rule.stop_
    assert rule.sample_size_ < 600 and rule.sample_relevant_ == 0
    assert rule.p_value_ < rule.level_
    report = rule.report()
    assert report.unscreened == 1000 - 720
    assert report.detail.startswith("You can stop: the random sample shows recall of at least")
    assert f"Random sample of 620 records, 1 relevant; H0 recall < 0.95 rejected after " \
        f"{rule.sample_size_} draws" in report.detail
    # fitted again on another history, it does not reuse the looks of the first
    other = np.concatenate([ranked, np.ones(50, np.int64)])
    assert not rule.fit(other, 1000, flags[:150]).stop_


def test_looks_every_few_draws_stop_only_at_a_look() -> None:
    ranked = np.array([1] * 40 + [0] * 60)
    rule = StatisticalStopping(look_every=100)
    stops = []
    for draws in range(1, 901):
        history = np.concatenate([ranked, np.zeros(draws, np.int64)])
        flags = np.r_[np.zeros(100, bool), np.ones(draws, bool)]
        if rule.fit(history, 1000, flags).stop_:
            stops.append(draws)
            break
    assert stops and stops[0] % 100 == 0
    assert rule.p_value_ < rule.level_


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
