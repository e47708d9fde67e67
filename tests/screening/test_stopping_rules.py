"""Stopping rules: the hypergeometric test on hand-computed cases and synthetic runs."""

from __future__ import annotations

import math

import numpy as np
import pytest

from scopewise.errors import UsageError
from scopewise.screening.stopping import (
    ConsecutiveIrrelevant,
    KneeStopping,
    PlainStatisticalStopping,
    StatisticalStopping,
    get_stopping_rule,
    recall_p_value,
)


def _hypergeom_cdf(k: int, urn: int, relevant: int, draws: int) -> float:
    """P(X <= k) by counting, independent of scipy."""
    total = math.comb(urn, draws)
    return sum(math.comb(relevant, i) * math.comb(urn - relevant, draws - i)
               for i in range(0, k + 1)) / total


def test_p_value_matches_counting() -> None:
    # 90 relevant found before sampling; 100 drawn from an urn of 1000, none relevant.
    # Recall < 0.95 would need K >= floor(90 / 0.95 - 90) + 1 = 5 relevant in the urn.
    expected = _hypergeom_cdf(0, 1000, 5, 100)
    assert recall_p_value(90, 0, 100, 1000, 0.95) == pytest.approx(expected)
    # with one relevant in the sample: K >= floor(91 / 0.95 - 90) + 1 = 6
    assert recall_p_value(90, 1, 100, 1000, 0.95) == pytest.approx(
        _hypergeom_cdf(1, 1000, 6, 100))


def test_p_value_falls_as_the_sample_grows() -> None:
    # recall < 0.95 needs K >= 3 relevant left: p = P(none of 3 drawn) ~ (1 - n/2000)^3
    values = [recall_p_value(50, 0, n, 2000, 0.95) for n in (10, 100, 1000, 1800)]
    assert values == sorted(values, reverse=True)
    assert values[0] > 0.05 > values[-1]


def test_no_sample_means_no_evidence() -> None:
    assert recall_p_value(50, 0, 0, 2000, 0.95) == 1.0


def test_statistical_rule_controls_the_error_rate() -> None:
    """When true recall is just below the target, the rule stops in at most ~alpha of runs."""
    rng = np.random.default_rng(7)
    found_before, urn, draws = 90, 1500, 600
    # 90 found, 6 left: recall 90/96 = 0.9375 < 0.95, the case the test must rarely pass
    urn_labels = np.zeros(urn, dtype=np.int64)
    urn_labels[:6] = 1
    stops = 0
    trials = 400
    for _ in range(trials):
        sample = rng.permutation(urn_labels)[:draws]
        history = np.concatenate([np.ones(found_before, dtype=np.int64), sample])
        sampled = np.concatenate([np.zeros(found_before, bool), np.ones(draws, bool)])
        rule = StatisticalStopping().fit(history, found_before + urn, sampled)
        # stopping with 5 or 6 still in the urn would claim recall >= 0.95 wrongly
        stops += rule.stop_ and int(sample.sum()) < 6
    assert stops / trials <= 0.08


def test_statistical_rule_stops_when_nothing_is_left() -> None:
    # 40 found in 100 ranked records; then 800 of the other 900 drawn at random, none
    # relevant. Recall < 0.95 needs 3 relevant among the 900: p ~ (100/900)^3 < 0.05
    history = np.array([1] * 40 + [0] * 860)
    sampled = np.array([False] * 100 + [True] * 800)
    rule = StatisticalStopping().fit(history, 1000, sampled)
    assert rule.stop_
    report = rule.report()
    assert report.unscreened == 100
    assert report.relevant_found == 40
    assert report.recall_lower_bound is not None and 0.9 < report.recall_lower_bound <= 1.0
    assert report.p_value is not None and report.p_value < 0.05


def test_statistical_rule_asks_for_sampling_after_a_dry_run() -> None:
    rule = StatisticalStopping(patience=20, min_screened=10)
    assert not rule.wants_random_sample(np.array([1] * 5 + [0] * 10), 1000)
    assert rule.wants_random_sample(np.array([1] * 5 + [0] * 20), 1000)


def test_consecutive_irrelevant() -> None:
    rule = ConsecutiveIrrelevant(n=3)
    assert not rule.fit([1, 0, 0], 10).stop_
    assert rule.fit([1, 0, 0, 0], 10).stop_
    assert not rule.fit([0, 0, 0, 1], 10).stop_


def test_knee_stops_on_a_bent_gain_curve_only() -> None:
    steep_then_flat = np.array([1] * 30 + [0] * 20 + [1] + [0] * 400)
    assert KneeStopping().fit(steep_then_flat, 5000).stop_
    steady = np.tile([1, 0, 0, 0, 0], 100)
    assert not KneeStopping().fit(steady, 5000).stop_
    too_early = np.array([1] * 30 + [0] * 100)
    assert not KneeStopping().fit(too_early, 5000).stop_


def test_rules_by_name() -> None:
    rule = get_stopping_rule("statistical", target_recall=0.9)
    assert isinstance(rule, StatisticalStopping) and rule.correction == "exact"
    plain = get_stopping_rule("statistical-plain", target_recall=0.9)
    assert isinstance(plain, PlainStatisticalStopping) and plain.correction == "none"
    assert plain.target_recall == 0.9
    with pytest.raises(UsageError, match="unknown correction"):
        StatisticalStopping(correction="bonferroni")
    assert isinstance(get_stopping_rule("knee"), KneeStopping)
    with pytest.raises(UsageError, match="unknown stop rule"):
        get_stopping_rule("never")


def test_report_of_the_corrected_rule() -> None:
    """Stopped, the report names the per-look level; its p-value is below that level
    and its lower bound (at the per-look level) is at least the target."""
    history = np.array([1] * 200 + [0] * 300 + [0] * 1500)
    sampled = np.array([False] * 500 + [True] * 1500)
    rule = StatisticalStopping().fit(history, 3500, sampled)
    plain = PlainStatisticalStopping().fit(history, 3500, sampled)
    assert rule.stop_ and plain.stop_
    assert rule.level_ < 0.05 and plain.level_ == 0.05
    report = rule.report()
    assert report.p_value is not None and report.p_value < rule.level_
    assert report.recall_lower_bound is not None and report.recall_lower_bound >= 0.95
    assert f"per-look level {rule.level_:.3g}" in report.detail
    assert "uncorrected" in plain.report().detail
    # the corrected bound is the more cautious one
    plain_bound = plain.report().recall_lower_bound
    assert plain_bound is not None and report.recall_lower_bound <= plain_bound
    assert report.unscreened == 1500 and report.relevant_found == 200


def test_rule_label_names_what_default_stands_for() -> None:
    from scopewise.screening.stopping import DEFAULT_STOP_RULE, rule_label

    assert rule_label("default") == f"{DEFAULT_STOP_RULE} (the default)"
    assert rule_label("statistical") == "statistical"
