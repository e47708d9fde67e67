"""The target method and the quantile-binomial bound: rules certified by a random
sample hidden from the ranker."""

from __future__ import annotations

import math

import numpy as np
import pytest

from scopewise.records import Record
from scopewise.screening.rankers import get_ranker
from scopewise.screening.simulate import simulate
from scopewise.screening.stopping import QuantileBinomialStopping, TargetStopping
from scopewise.screening.stopping_sample import quantile_binomial_j, target_size


def _binomial_tail(r: int, t: float, j: int) -> float:
    """P(Binomial(r, t) >= j), by counting (independent of scipy)."""
    return sum(math.comb(r, i) * t**i * (1 - t) ** (r - i) for i in range(j, r + 1))


def test_target_sizes() -> None:
    # k = ceil(log 0.05 / log t): t ** k <= 0.05 < t ** (k - 1)
    for t, k in ((0.9, 29), (0.95, 59), (0.99, 299)):
        assert target_size(t, 0.05) == k
        assert t**k <= 0.05 < t ** (k - 1)


@pytest.mark.parametrize("r,t", [(100, 0.95), (200, 0.9), (400, 0.99), (60, 0.95)])
def test_quantile_binomial_j_by_counting(r: int, t: float) -> None:
    j = quantile_binomial_j(r, t, 0.05)
    assert j is not None
    assert _binomial_tail(r, t, j) <= 0.05 < _binomial_tail(r, t, j - 1)


def test_quantile_binomial_needs_enough_sample_relevant() -> None:
    assert quantile_binomial_j(58, 0.95, 0.05) is None  # 0.95 ** 58 > 0.05
    assert quantile_binomial_j(59, 0.95, 0.05) == 59
    assert quantile_binomial_j(0, 0.95, 0.05) is None


def _history(sample: np.ndarray, reached: int, ranked: np.ndarray) -> tuple[
        np.ndarray, np.ndarray, np.ndarray]:
    """A sample (first), then ranked decisions; ``reached`` sample relevant reached."""
    got = np.zeros(sample.size, dtype=bool)
    got[np.flatnonzero(sample)[:reached]] = True
    labels = np.concatenate([sample, ranked])
    sampled = np.concatenate([np.ones(sample.size, bool), np.zeros(ranked.size, bool)])
    return labels, sampled, np.concatenate([got, np.ones(ranked.size, bool)])


def test_target_certifies_only_when_every_target_record_is_reached() -> None:
    sample = np.array([1] * 59 + [0] * 941)
    ranked = np.array([1] * 30 + [0] * 200)
    rule = TargetStopping()
    labels, sampled, reached = _history(sample, 58, ranked)
    assert not rule.fit(labels, 5000, sampled, reached).stop_
    assert rule.report().detail.startswith("Keep screening: the ranking has reached 58")
    labels, sampled, reached = _history(sample, 59, ranked)
    assert rule.fit(labels, 5000, sampled, reached).stop_
    report = rule.report()
    assert report.detail.startswith("You can stop:")
    assert "with probability at least 95%" in report.promise


def test_target_asks_for_its_sample_and_says_how_much_more() -> None:
    rule = TargetStopping(target_recall=0.9)  # k = 29
    draws = np.array([1] * 10 + [0] * 190)
    assert rule.wants_random_sample(draws, 5000)
    assert not rule.wants_random_sample(np.array([1] * 29 + [0] * 10), 5000)
    rule.fit(draws, 5000, np.ones(draws.size, bool), np.zeros(draws.size, bool))
    report = rule.report()
    assert not report.stop
    assert report.detail.startswith("Keep screening: the random sample needs about")
    # 19 more relevant at about 11 / 202 relevant per draw: about 350 draws
    assert report.sample_needed is not None and 300 < report.sample_needed < 400


def test_no_relevant_in_the_sample_keeps_sampling_to_the_end() -> None:
    rule = TargetStopping()
    zeros = np.zeros(300, dtype=np.int64)
    assert rule.wants_random_sample(zeros, 1000)
    rule.fit(zeros, 1000, np.ones(300, bool), np.zeros(300, bool))
    assert not rule.stop_
    # the whole review drawn: nothing is left to certify
    assert rule.fit(np.zeros(1000, dtype=np.int64), 1000, np.ones(1000, bool)).stop_


def test_quantile_binomial_stops_before_every_sample_relevant_is_reached() -> None:
    sample = np.array([1] * 100 + [0] * 900)
    rule = QuantileBinomialStopping(sample_size=1000)
    j = quantile_binomial_j(100, 0.95, 0.05)
    assert j is not None and j < 100
    labels, sampled, reached = _history(sample, j, np.zeros(10, dtype=np.int64))
    assert rule.fit(labels, 5000, sampled, reached).stop_
    labels, sampled, reached = _history(sample, j - 1, np.zeros(10, dtype=np.int64))
    assert not rule.fit(labels, 5000, sampled, reached).stop_


@pytest.mark.parametrize("target", [0.9, 0.99])
def test_quantile_binomial_other_targets(target: float) -> None:
    rule = QuantileBinomialStopping(target_recall=target, sample_size=0.1)
    # a 10 % sample with few relevant is extended until it can certify
    assert rule.wants_random_sample(np.array([1] * 5 + [0] * 500), 5000)
    needed = target_size(target, 0.05)
    assert not rule.wants_random_sample(np.array([1] * needed + [0] * 500), 5000)


def _records(n: int, seed: int) -> tuple[list[Record], np.ndarray]:
    rng = np.random.default_rng(seed)
    labels = (rng.random(n) < 0.25).astype(np.int64)
    records = [Record(title=("peer support mental health" if y else "hip fracture surgery")
                      + f" study {i}", abstract="") for i, y in enumerate(labels)]
    return records, labels


def test_simulation_hides_the_sample_from_the_ranker() -> None:
    """The sample is drawn first and screened once; the run stops certified; the
    ranking reaching a sampled record costs no decision."""
    records, labels = _records(600, 1)
    result = simulate(records, labels, get_ranker("scopewise"), seed=2,
                      stop_rule=TargetStopping(target_recall=0.9))
    assert result.stop is not None and result.stop.stop
    assert sorted(result.order.tolist()) == list(range(600))  # every record once
    drawn = int(result.sampled.sum())
    assert drawn > 0
    # the draws come first, right after the priors
    assert result.sampled[result.n_priors:result.n_priors + drawn].all()
    assert result.recall_at_stop is not None and result.recall_at_stop >= 0.9
    assert result.stopped_at is not None and result.stopped_at < 600
