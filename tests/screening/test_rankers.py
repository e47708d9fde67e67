"""Rankers: scikit-learn conventions, learning from decisions, cold start, registry."""

from __future__ import annotations

from importlib.metadata import EntryPoint
from typing import Self

import numpy as np
import pytest

from scopewise.errors import UsageError
from scopewise.records import Record
from scopewise.screening.rankers import (
    ENTRY_POINT_GROUP,
    Ranker,
    available_rankers,
    get_ranker,
    ranker_class,
    registry,
)
from scopewise.screening.rankers.linear import SVMRanker

TOPIC = "mindfulness intervention anxiety randomised trial adolescents"
OTHER = ["soil nitrogen crop yield", "galaxy cluster redshift survey",
         "bridge steel corrosion fatigue", "tax policy inflation households"]


def corpus(n: int = 80, seed: int = 0) -> tuple[list[Record], np.ndarray]:
    """Made-up records; every eighth is about the review's topic."""
    rng = np.random.default_rng(seed)
    filler = [f"word{i}" for i in range(300)]
    records, labels = [], []
    for i in range(n):
        relevant = i % 8 == 0
        theme = TOPIC if relevant else OTHER[i % len(OTHER)]
        noise = " ".join(rng.choice(filler, size=25))
        records.append(Record(title=f"study {i} of {theme}", abstract=f"{theme} {noise}"))
        labels.append(int(relevant))
    return records, np.asarray(labels)


@pytest.mark.parametrize("name", ["scopewise", "warm-svm", "svm", "criteria", "random"])
def test_init_stores_only_hyper_parameters(name: str) -> None:
    ranker = get_ranker(name)
    assert not [a for a in vars(ranker) if a.endswith("_")]
    assert set(ranker.get_params()) == set(vars(ranker))


@pytest.mark.parametrize("name", ["scopewise", "warm-svm", "svm", "criteria", "random"])
def test_fit_returns_self_and_scores_every_record(name: str) -> None:
    records, labels = corpus()
    ranker = get_ranker(name).prepare(records)
    screened = np.array([0, 1, 2])
    assert ranker.fit(screened, labels[screened]) is ranker
    assert ranker.scores().shape == (len(records),)
    learned = [a for a in vars(ranker) if a not in ranker.get_params()]
    assert learned and all(a.endswith("_") for a in learned)


@pytest.mark.parametrize("name", ["scopewise", "svm"])
def test_learns_from_decisions(name: str) -> None:
    records, labels = corpus()
    screened = np.array([0, 1, 2, 3, 5])  # record 0 relevant, the others not
    ranker = get_ranker(name).prepare(records).fit(screened, labels[screened])
    unscreened = np.ones(len(records), dtype=bool)
    unscreened[screened] = False
    top = ranker.ranking(unscreened)[:9]
    assert labels[top].sum() == 9  # the nine other topical records come first


def test_cold_start_from_criteria_text() -> None:
    records, labels = corpus()
    criteria = "We include randomised trials of mindfulness interventions for anxiety."
    ranker = get_ranker("scopewise").prepare(records, criteria=criteria)
    ranker.fit(np.array([], dtype=np.int64), np.array([], dtype=np.int64))
    top = ranker.ranking(np.ones(len(records), dtype=bool))[:10]
    assert labels[top].sum() == 10


def test_criteria_lead_only_until_both_decisions_are_known() -> None:
    records, labels = corpus()
    criteria = "We include randomised trials of mindfulness interventions for anxiety."
    with_criteria = get_ranker("scopewise").prepare(records, criteria=criteria)
    without = get_ranker("scopewise").prepare(records)
    relevant_only = np.array([0])
    with_criteria.fit(relevant_only, labels[relevant_only])
    without.fit(relevant_only, labels[relevant_only])
    assert not np.allclose(with_criteria.scores(), without.scores())
    screened = np.array([0, 1, 2, 3])
    with_criteria.fit(screened, labels[screened])
    without.fit(screened, labels[screened])
    np.testing.assert_allclose(with_criteria.scores(), without.scores())
    # the blend is still there for those who ask for it: criteria added to the z-scores
    blended = get_ranker("scopewise", criteria_weight=1.0).prepare(records, criteria=criteria)
    blended.fit(screened, labels[screened])
    model = without.scores()
    z = (model - model.mean()) / model.std()
    assert not np.allclose(blended.scores(), z)
    np.testing.assert_allclose(blended.scores() - z,
                               0.75 * blended.criteria_similarity_, atol=1e-5)


def test_fit_rejects_positions_outside_the_records() -> None:
    records, _ = corpus(10)
    ranker = get_ranker("svm").prepare(records)
    with pytest.raises(ValueError):
        ranker.fit(np.array([0, 99]), np.array([1, 0]))


def test_registry_lists_and_builds_built_ins() -> None:
    assert {"scopewise", "svm", "criteria", "random"} <= set(available_rankers())
    ranker = get_ranker("svm", C=0.5)
    assert isinstance(ranker, SVMRanker) and ranker.C == 0.5


def test_registry_rejects_unknown_names_and_settings() -> None:
    with pytest.raises(UsageError, match="unknown ranker 'nope'"):
        get_ranker("nope")
    with pytest.raises(UsageError, match="does not take these settings"):
        get_ranker("svm", gamma=3)


class _FirstRecordRanker(Ranker):
    """A third-party ranker: always prefers the earliest record."""

    name = "first"

    def prepare(self, records, criteria=None) -> Self:  # type: ignore[no-untyped-def]
        self.scores_ = -np.arange(len(records), dtype=float)
        return self

    def fit(self, screened: np.ndarray, labels: np.ndarray) -> Self:
        return self

    def scores(self) -> np.ndarray:
        return self.scores_


def test_third_party_ranker_via_entry_point(monkeypatch: pytest.MonkeyPatch) -> None:
    point = EntryPoint(name="first", value=f"{__name__}:_FirstRecordRanker",
                       group=ENTRY_POINT_GROUP)

    def fake_entry_points(group: str) -> list[EntryPoint]:
        return [point] if group == ENTRY_POINT_GROUP else []

    monkeypatch.setattr(registry, "entry_points", fake_entry_points)
    assert "first" in available_rankers()
    assert ranker_class("first") is _FirstRecordRanker
    ranker = get_ranker("first").prepare(corpus(5)[0])
    assert ranker.next_record(np.array([False, True, True, True, True])) == 1


def test_entry_point_that_is_not_a_ranker_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    point = EntryPoint(name="bad", value="math:sqrt", group=ENTRY_POINT_GROUP)
    monkeypatch.setattr(registry, "entry_points", lambda group: [point])
    with pytest.raises(UsageError, match="not a scopewise Ranker"):
        get_ranker("bad")
