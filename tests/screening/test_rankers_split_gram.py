"""The split Gram products (private terms as a diagonal): the same K as the full
products, and the rankers using them give the full products' scores to rounding,
while the default keeps the full products."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from scopewise.records import Record
from scopewise.screening.rankers import get_ranker
from scopewise.screening.rankers.row_span import weights_of
from scopewise.screening.rankers.solver import TrainingRows
from scopewise.screening.rankers.split_gram import SplitGram


def features(seed: int) -> tuple[sp.csr_matrix, int]:
    """60 records: columns below 40 shared, the rest private (one record each)."""
    rng = np.random.default_rng(seed)
    shared = rng.random((60, 40)) * (rng.random((60, 40)) < 0.15)
    private = np.zeros((60, 120))
    for row in range(60):  # two private terms per record, none of them another's
        private[row, 2 * row: 2 * row + 2] = rng.random(2)
    shared[7] = 0.0  # a record with private terms only
    return sp.csr_matrix(np.hstack([shared, private])), 40


def full_products(rows: sp.csr_matrix, v: np.ndarray) -> np.ndarray:
    dense = rows.toarray()
    return np.asarray((dense @ dense.T + 1.0) @ v)


def test_the_split_products_are_the_full_ones_through_appends_and_rebuilds() -> None:
    matrix, n_shared = features(0)
    training = TrainingRows(matrix)
    split = SplitGram(training, n_shared)
    rng = np.random.default_rng(1)
    for screened in ([3], [3, 9], [3, 9, 7, 20, 21, 22], list(range(30)), [3, 20, 40],
                     [3, 20, 40, 41, 59]):
        rows, _ = training.update(np.array(screened))
        split.update()
        v = rng.standard_normal(rows.shape[0])
        np.testing.assert_allclose(split(v), full_products(rows, v), rtol=1e-12, atol=1e-12)
        weights = split.weights(v)
        expected = weights_of(rows, v)
        shared = training.columns < n_shared
        np.testing.assert_allclose(weights[:-1][shared], expected[:-1][shared], rtol=1e-12)
        assert not weights[:-1][~shared].any()  # private weights are not kept
        assert weights[-1] == pytest.approx(expected[-1])


def corpus(n: int, seed: int) -> tuple[list[Record], np.ndarray]:
    rng = np.random.default_rng(seed)
    words = [f"w{i}" for i in range(400)]
    records, labels = [], []
    for i in range(n):
        relevant = i % 7 == 0
        extra = "sleep insomnia therapy trial" if relevant else "river sediment flow"
        unique = f"only{i}a only{i}b"  # private terms, as real titles have
        records.append(Record(title=f"{extra} {unique}",
                              abstract=f"{extra} {' '.join(rng.choice(words, 25))}"))
        labels.append(int(relevant))
    return records, np.asarray(labels)


@pytest.mark.parametrize("name", ["warm-svm", "scopewise"])
def test_split_rankers_score_like_the_full_products_record_by_record(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import scopewise.screening.rankers.solver as solver

    monkeypatch.setattr(solver, "GRAM_LIMIT", 20)  # past the kept Gram matrix early
    records, y = corpus(200, seed=2)
    full = get_ranker(name).prepare(records)
    split = get_ranker(name, gram="split").prepare(records)
    rng = np.random.default_rng(3)
    screened = [0, 1]
    for position in rng.permutation(np.arange(2, 200))[:80]:
        screened.append(int(position))
        full.fit(np.asarray(screened), y[screened])
        split.fit(np.asarray(screened), y[screened])
        # the same model to rounding (float32 scores): the tolerance stated in
        # split_gram's notes
        np.testing.assert_allclose(split.scores(), full.scores(), rtol=1e-5, atol=1e-5)
    unscreened = np.ones(200, dtype=bool)
    unscreened[screened] = False
    assert split.ranking(unscreened)[:20].tolist() == full.ranking(unscreened)[:20].tolist()
    if name == "warm-svm":  # the split products were used, the full ones kept by default
        assert split.split_gram_ is not None and split.split_gram_.n_rows == len(screened)
        assert split.split_gram_.diagonal.all()  # every record has private terms
        assert full.split_gram_ is None


def test_the_default_keeps_the_full_products_and_set_params_reaches_the_members() -> None:
    records, _ = corpus(40, seed=4)
    ranker = get_ranker("scopewise").prepare(records)
    assert ranker.gram == "full" and {m.gram for m in ranker.members_} == {"full"}
    ranker.set_params(gram="split")
    assert ranker.gram == "split" and {m.gram for m in ranker.members_} == {"split"}
    with pytest.raises(ValueError, match="no hyper-parameter"):
        ranker.set_params(colour="blue")
    with pytest.raises(ValueError, match="unknown gram"):
        get_ranker("warm-svm", gram="dense").prepare(records)
