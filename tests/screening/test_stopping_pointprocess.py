"""The point-process stopping rule on small synthetic screening orders."""

from __future__ import annotations

import math

import numpy as np
import pytest

from scopewise.errors import UsageError
from scopewise.screening.stopping import (
    DEFAULT_STOP_RULE,
    PointProcessStopping,
    get_stopping_rule,
    resolve_stop_rule,
    rule_label,
)
from scopewise.screening.stopping_pointprocess import fit_decay


def _decaying(n_relevant: int, scale: float, length: int, seed: int = 0) -> np.ndarray:
    """Labels whose relevant records thin out exponentially along the ranking."""
    rng = np.random.default_rng(seed)
    positions = np.unique(np.floor(rng.exponential(scale, size=n_relevant * 3)).astype(int))
    positions = positions[positions < length][:n_relevant]
    labels = np.zeros(length, dtype=np.int64)
    labels[positions] = 1
    return labels


def test_fit_decay_recovers_a_known_rate() -> None:
    # events at rate exp(-x / 100) over 0..2000, many draws: b is about 0.01 per record
    rng = np.random.default_rng(3)
    x = np.arange(2000, dtype=float)
    estimates = []
    for _ in range(20):
        labels = (rng.random(x.size) < 0.5 * np.exp(-x / 100)).astype(np.int64)
        b, se = fit_decay(labels, x)
        assert math.isfinite(se) and se > 0
        estimates.append(b)
    assert float(np.mean(estimates)) == pytest.approx(0.01, rel=0.1)


def test_fit_decay_without_an_optimum_is_flagged() -> None:
    labels = np.zeros(50, dtype=np.int64)
    labels[-1] = 1  # one event at the very end: the rate could rise without limit
    _b, se = fit_decay(labels, np.arange(50, dtype=float))
    assert math.isinf(se)


def test_certifies_once_the_ranking_has_run_dry() -> None:
    # 60 relevant records found in the first ~300, then 900 irrelevant in a row
    found = _decaying(60, 60.0, 300)
    history = np.concatenate([found, np.zeros(900, dtype=np.int64)])
    rule = PointProcessStopping().fit(history, 3000)
    assert rule.stop_
    report = rule.report()
    assert report.detail.startswith("You can stop:")
    assert report.relevant_left is not None and report.relevant_left < 3
    assert report.relevant_left_high is not None
    assert report.recall_lower_bound is not None and report.recall_lower_bound >= 0.95
    # its bound is the model's, not a 95 % guarantee, and every place that words it says so
    assert report.bound_words == "lower bound under the model"
    statistical = get_stopping_rule("statistical").fit(history, 3000).report()
    assert statistical.bound_words == "95% lower bound"


def test_does_not_stop_early_on_a_flat_curve() -> None:
    # one relevant record in every 20, all the way: nothing suggests the end is near
    flat = np.tile(np.array([1] + [0] * 19, dtype=np.int64), 50)
    for screened in (200, 600, 999):
        rule = PointProcessStopping().fit(flat[:screened], 5000)
        assert not rule.stop_
    report = rule.report()
    assert report.detail.startswith("Keep screening:")
    # at the rate seen, about 4,000 / 20 = 200 relevant records are left
    assert report.relevant_left is not None and report.relevant_left > 100
    assert report.relevant_left_low is not None and report.relevant_left_high is not None
    assert report.relevant_left_low <= report.relevant_left <= report.relevant_left_high


def test_no_relevant_found_means_keep_screening() -> None:
    rule = PointProcessStopping().fit(np.zeros(800, dtype=np.int64), 1000)
    assert not rule.stop_
    report = rule.report()
    assert report.detail.startswith("Keep screening: no relevant record found yet")
    assert report.estimated_recall is None or math.isnan(report.estimated_recall)
    # everything screened: stop whatever was found
    assert PointProcessStopping().fit(np.zeros(10, dtype=np.int64), 10).stop_


def test_a_short_quiet_run_is_not_enough() -> None:
    found = _decaying(60, 60.0, 300)
    history = np.concatenate([found, [1], np.zeros(5, dtype=np.int64)])
    rule = PointProcessStopping(min_quiet=20).fit(history, 3000)
    assert not rule.stop_
    assert "irrelevant in a row" in rule.report().detail


@pytest.mark.parametrize("target", [0.9, 0.95, 0.99])
def test_targets_are_monotone(target: float) -> None:
    """A higher target never stops earlier on the same order."""
    found = _decaying(80, 80.0, 400, seed=5)
    history = np.concatenate([found, np.zeros(4000, dtype=np.int64)])
    first = {}
    for t in (0.9, 0.95, 0.99):
        rule = PointProcessStopping(target_recall=t)
        first[t] = next(s for s in range(1, history.size + 1, 10)
                        if rule.fit(history[:s], 5000).stop_)
    assert first[0.9] <= first[0.95] <= first[0.99] < 4400
    rule = PointProcessStopping(target_recall=target).fit(history[:first[target]], 5000)
    assert rule.report().detail.startswith("You can stop:")
    assert f"reached recall {target:g} in" in rule.report().promise


def test_sampled_decisions_are_left_out_of_the_model() -> None:
    found = _decaying(60, 60.0, 300)
    ranked = np.concatenate([found, np.zeros(900, dtype=np.int64)])
    history = np.concatenate([ranked, [1, 1, 1]])
    sampled = np.concatenate([np.zeros(ranked.size, bool), np.ones(3, bool)])
    alone = PointProcessStopping().fit(ranked, 3000)
    mixed = PointProcessStopping().fit(history, 3000, sampled)
    # drawn records count as screened and found, but the curve is the ranked one
    assert mixed.relevant_found_ == alone.relevant_found_ + 3
    assert mixed.screened_ == alone.screened_ + 3
    mixed.report(), alone.report()
    assert mixed.decay_ == pytest.approx(alone.decay_)


def test_default_resolves_to_the_chosen_rule() -> None:
    # at 0.95 the checked rule; at other targets the point-process rule
    assert resolve_stop_rule("default") == DEFAULT_STOP_RULE == "point-process-checked"
    assert get_stopping_rule("default").name == "point-process-checked"
    rule = get_stopping_rule("default", target_recall=0.9)
    assert rule.name == "point-process"
    assert getattr(rule, "target_recall", None) == 0.9
    assert get_stopping_rule("default", target_recall=0.99).name == "point-process"
    assert rule_label("default", 0.95) == "point-process-checked (the default)"
    assert rule_label("default", 0.9) == "point-process (the default)"
    # heuristics take no target: it is not passed on
    assert get_stopping_rule("knee", target_recall=0.9).name == "knee"
    with pytest.raises(UsageError, match=r"unknown stop rule 'never'.*default"):
        get_stopping_rule("never")
    with pytest.raises(UsageError, match="unknown rate shape"):
        PointProcessStopping(shape="linear")


def _first_stop(rule: PointProcessStopping, history: np.ndarray, n_records: int) -> int:
    return next((s for s in range(1, history.size + 1, 5)
                 if rule.fit(history[:s], n_records).stop_), history.size + 1)


def test_the_level_is_strict_while_the_target_leaves_no_room() -> None:
    # 12 relevant found: at 0.95 a single record left misses the target (12/13 < 0.95)
    few = np.concatenate([_decaying(12, 15.0, 60, seed=2), np.zeros(900, dtype=np.int64)])
    assert few.sum() == 12
    rule = PointProcessStopping().fit(few, 3000)
    rule.report()
    assert rule.level_ == rule.alpha_no_room == 0.05
    # 60 found: the target leaves room for 3, and the looser allowance applies
    many = np.concatenate([_decaying(60, 60.0, 300), np.zeros(900, dtype=np.int64)])
    rule = PointProcessStopping().fit(many, 3000)
    rule.report()
    assert rule.level_ == rule.alpha == 0.1
    # at 0.9 the same 12 leave room for one: the looser level
    rule = PointProcessStopping(target_recall=0.9).fit(few, 3000)
    rule.report()
    assert rule.level_ == 0.1


def test_the_strict_level_screens_longer_on_few_relevant() -> None:
    few = np.concatenate([_decaying(12, 15.0, 60, seed=2), np.zeros(2400, dtype=np.int64)])
    strict = _first_stop(PointProcessStopping(), few, 3000)
    loose = _first_stop(PointProcessStopping(alpha_no_room=0.1), few, 3000)
    assert loose < strict <= few.size
    # with room for records left, the looser allowance stops no later than 0.05 would
    many = np.concatenate([_decaying(60, 60.0, 300), np.zeros(2000, dtype=np.int64)])
    default = _first_stop(PointProcessStopping(), many, 3000)
    cautious = _first_stop(PointProcessStopping(alpha=0.05), many, 3000)
    assert default < cautious <= many.size
