"""The simulation loop: priors, order, and no label read before its record is screened."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Self

import numpy as np
import pytest

from scopewise.errors import UsageError
from scopewise.records import Record
from scopewise.screening.rankers import Ranker, get_ranker
from scopewise.screening.simulate import SimulatedReviewer, choose_priors, simulate
from scopewise.screening.stopping import StatisticalStopping

TOPIC = "sleep hygiene insomnia cognitive behavioural therapy older adults"


def corpus(n: int = 120, seed: int = 1) -> tuple[list[Record], np.ndarray]:
    rng = np.random.default_rng(seed)
    filler = [f"term{i}" for i in range(400)]
    records, labels = [], []
    for i in range(n):
        relevant = i % 10 == 3
        noise = " ".join(rng.choice(filler, size=30))
        text = f"{TOPIC} {noise}" if relevant else noise
        records.append(Record(title=" ".join(text.split()[:8]), abstract=text))
        labels.append(int(relevant))
    return records, np.asarray(labels)


class WatchfulRanker(Ranker):
    """Wraps a ranker and checks every ``fit`` sees only screened records' decisions.

    It knows which records are screened independently of the loop: the priors (drawn
    with the same seed) plus every record it proposed itself.
    """

    name = "watchful"

    def __init__(self, inner: Ranker, truth: np.ndarray, priors: np.ndarray) -> None:
        self.inner = inner
        self.truth = truth
        self.priors = priors

    def prepare(self, records: Sequence[Record], criteria: str | None = None) -> Self:
        self.proposed_: list[int] = []
        self.fits_ = 0
        self.inner.prepare(records, criteria)
        return self

    def fit(self, screened: np.ndarray, labels: np.ndarray) -> Self:
        allowed = set(self.priors.tolist()) | set(self.proposed_)
        assert set(screened.tolist()) == allowed, "fit saw a record that was not screened"
        assert len(screened) == len(allowed), "a record was given twice"
        assert np.array_equal(labels, self.truth[screened])
        self.fits_ += 1
        self.inner.fit(screened, labels)
        return self

    def scores(self) -> np.ndarray:
        return self.inner.scores()

    def next_record(self, unscreened: np.ndarray) -> int:
        position = self.inner.next_record(unscreened)
        assert unscreened[position]
        self.proposed_.append(position)
        return position


def test_ranker_only_ever_sees_screened_labels() -> None:
    records, labels = corpus()
    priors = choose_priors(labels, 1, 1, seed=4)
    watchful = WatchfulRanker(get_ranker("scopewise"), labels, priors)
    result = simulate(records, labels, watchful, seed=4, until_all_found=False)
    # retrained after the priors and after every decision except the last
    assert watchful.fits_ == len(records) - 2
    assert result.n_screened == len(records)
    assert result.order[:2].tolist() == priors.tolist()
    assert result.order[2:].tolist() == watchful.proposed_


def test_priors_are_drawn_by_seed_among_included_and_excluded() -> None:
    labels = np.array([0] * 50 + [1] * 5 + [0] * 45)
    first = choose_priors(labels, 2, 3, seed=11)
    assert labels[first].tolist() == [1, 1, 0, 0, 0]
    assert first.tolist() == choose_priors(labels, 2, 3, seed=11).tolist()
    draws = {tuple(choose_priors(labels, 1, 1, seed=s)) for s in range(10)}
    assert len(draws) > 1
    with pytest.raises(UsageError, match="cannot draw 6 included"):
        choose_priors(labels, 6, 1, seed=0)


def test_reviewer_decides_each_record_once() -> None:
    reviewer = SimulatedReviewer([0, 1])
    assert reviewer.decide(1) == 1
    with pytest.raises(RuntimeError):
        reviewer.decide(1)
    assert reviewer.all_relevant_found()


def test_order_is_a_permutation_and_metrics_drop_the_priors() -> None:
    records, labels = corpus()
    result = simulate(records, labels, get_ranker("scopewise"), seed=0)
    assert sorted(result.order.tolist()) == list(range(len(records)))
    assert result.prior.tolist() == [1, 1] + [0] * (len(records) - 2)
    assert result.metrics.n_records == len(records) - 2
    assert result.metrics.n_relevant == int(labels.sum()) - 1
    # this corpus is easy: a learning ranker beats random order by far
    assert result.metrics.wss_95 > 0.6


def test_until_all_found_ends_at_the_last_relevant_record() -> None:
    records, labels = corpus()
    result = simulate(records, labels, get_ranker("scopewise"), seed=0)
    assert result.labels[result.n_screened - 1] == 1
    assert result.labels[: result.n_screened].sum() == labels.sum()


def test_stop_rule_reports_where_it_stopped() -> None:
    records, labels = corpus(400, seed=2)
    rule = StatisticalStopping(patience=30, min_screened=40)
    result = simulate(records, labels, get_ranker("scopewise"), seed=0, stop_rule=rule)
    assert result.stop is not None and result.stopped_at == result.n_screened
    assert result.stop.screened + result.stop.unscreened == len(records) - 2
    assert result.recall_at_stop is not None and 0.0 <= result.recall_at_stop <= 1.0
    # once sampling starts, every later record was drawn at random
    flags = result.sampled[: result.n_screened]
    if flags.any():
        assert flags[int(np.argmax(flags)):].all()


def test_criteria_alone_with_no_priors() -> None:
    records, labels = corpus()
    result = simulate(records, labels, get_ranker("scopewise"), prior_included=0,
                      prior_excluded=0, criteria="insomnia therapy for older adults")
    assert result.n_priors == 0
    assert result.labels[:5].sum() == 5
