"""The default ranker: the mean of a whole-word and a 6-character warm SVM."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

from scopewise.records import Record
from scopewise.screening.rankers import get_ranker
from scopewise.screening.rankers.ensemble import ScopewiseRanker
from scopewise.screening.rankers.linear import WarmSVMRanker, _standardise

TOPIC = "peer support workers mental health services recovery"
OTHER = ["soil nitrogen crop yield", "galaxy cluster redshift survey",
         "bridge steel corrosion fatigue"]


def corpus(n: int = 80, seed: int = 0) -> tuple[list[Record], np.ndarray]:
    """Made-up records; every eighth is about the review's topic."""
    rng = np.random.default_rng(seed)
    filler = [f"term{i}" for i in range(250)]
    records, labels = [], []
    for i in range(n):
        relevant = i % 8 == 0
        theme = TOPIC if relevant else OTHER[i % len(OTHER)]
        noise = " ".join(rng.choice(filler, size=20))
        records.append(Record(title=f"paper {i}: {theme}", abstract=f"{theme} {noise}"))
        labels.append(int(relevant))
    return records, np.asarray(labels)


def decide(ranker: ScopewiseRanker | WarmSVMRanker, labels: np.ndarray,
           screened: list[int]) -> None:
    ranker.fit(np.asarray(screened), labels[screened])


def test_default_is_the_two_view_ensemble() -> None:
    ranker = get_ranker("scopewise")
    assert isinstance(ranker, ScopewiseRanker)
    assert ranker.prefixes == (None, 6) and ranker.weights == (2.0, 1.0)


def test_scores_are_the_weighted_mean_of_the_members_standardised_scores() -> None:
    records, labels = corpus()
    ensemble = ScopewiseRanker(weights=(2.0, 1.0)).prepare(records)
    alone = [WarmSVMRanker(prefix=None).prepare(records), WarmSVMRanker(prefix=6).prepare(records)]
    screened = [0, 1]
    for position in range(2, 40):
        screened.append(position)
        decide(ensemble, labels, screened)
        for member in alone:
            decide(member, labels, screened)
        expected = (2 * _standardise(alone[0].scores()) + _standardise(alone[1].scores())) / 3
        np.testing.assert_allclose(ensemble.scores(), expected, atol=1e-5)
    assert [m.prefix for m in ensemble.members_] == [None, 6]


def test_one_member_orders_like_that_model_alone() -> None:
    records, labels = corpus(seed=1)
    ensemble = ScopewiseRanker(prefixes=(6,), weights=(1.0,)).prepare(records)
    alone = WarmSVMRanker(prefix=6).prepare(records)
    screened = [0, 3]
    decide(ensemble, labels, screened)
    decide(alone, labels, screened)
    unscreened = np.ones(len(records), dtype=bool)
    unscreened[screened] = False
    np.testing.assert_array_equal(ensemble.ranking(unscreened), alone.ranking(unscreened))


def test_nothing_recomputed_while_no_member_moved() -> None:
    records, labels = corpus(200, seed=2)
    ensemble = ScopewiseRanker(tol=0.05).prepare(records)  # loose: most fits take no step
    screened = [0, 1]
    kept = 0
    for position in range(2, 120):
        screened.append(position)
        before = ensemble.scores()
        decide(ensemble, labels, screened)
        kept += ensemble.scores() is before
    assert kept > 0


def test_cold_start_from_the_criteria_text() -> None:
    records, labels = corpus()
    ranker = ScopewiseRanker().prepare(records, criteria=f"Studies of {TOPIC}.")
    assert ranker.criteria_similarity_ is not None
    top = np.argsort(-ranker.scores())[: int(labels.sum())]
    assert labels[top].mean() > 0.8  # before any decision: the topic's records first
    plain = ScopewiseRanker().prepare(records)
    assert plain.criteria_similarity_ is None and not plain.scores().any()


def test_criteria_blend_once_both_classes_are_known() -> None:
    records, labels = corpus()
    criteria = f"Studies of {TOPIC}."
    blended = ScopewiseRanker(criteria_weight=1.0, fade=3.0).prepare(records, criteria=criteria)
    plain = ScopewiseRanker().prepare(records, criteria=criteria)
    screened = [0, 1, 2]
    decide(blended, labels, screened)
    decide(plain, labels, screened)
    similarity = blended.criteria_similarity_
    assert similarity is not None
    expected = _standardise(plain.scores()) + 1.0 * 3.0 / (3.0 + 1.0) * similarity
    np.testing.assert_allclose(blended.scores(), expected, atol=1e-5)


def test_no_word_view_or_bad_weights_are_errors() -> None:
    records, _ = corpus(10)
    with pytest.raises(ValueError, match="prefixes"):
        ScopewiseRanker(prefixes=(), weights=()).prepare(records)
    for weights in [(1.0,), (1.0, -1.0), (0.0, 0.0)]:
        with pytest.raises(ValueError, match="weights"):
            ScopewiseRanker(weights=weights).prepare(records)


def test_a_fitted_ensemble_survives_pickling() -> None:
    records, labels = corpus()
    ranker = ScopewiseRanker().prepare(records)
    decide(ranker, labels, [0, 1, 5])
    copy = pickle.loads(pickle.dumps(ranker))
    np.testing.assert_array_equal(copy.scores(), ranker.scores())
    decide(ranker, labels, [0, 1, 5, 8])
    decide(copy, labels, [0, 1, 5, 8])
    np.testing.assert_allclose(copy.scores(), ranker.scores())
