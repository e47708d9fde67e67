"""The warm-started squared-hinge solver and the incrementally kept training rows."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.svm import LinearSVC

from scopewise.records import Record
from scopewise.screening.rankers import get_ranker
from scopewise.screening.rankers.solver import TrainingRows, fit_squared_hinge, solve_squared_hinge


def problem(n: int = 60, d: int = 40, seed: int = 0) -> tuple[sp.csr_matrix, np.ndarray,
                                                              np.ndarray]:
    rng = np.random.default_rng(seed)
    dense = rng.random((n, d)) * (rng.random((n, d)) < 0.2)
    labels = (dense[:, 0] + 0.3 * rng.random(n) > 0.4).astype(np.int64)
    weights = np.where(labels == 1, 1.0, 0.3)
    return sp.csr_matrix(dense), labels, weights


def reference(rows: sp.csr_matrix, labels: np.ndarray, weights: np.ndarray,
              C: float) -> np.ndarray:
    """liblinear's solution of the same objective, solved tightly."""
    model = LinearSVC(C=C, loss="squared_hinge", tol=1e-10, max_iter=100_000)
    model.fit(rows, labels, sample_weight=weights)
    return np.append(model.coef_.ravel(), model.intercept_)


@pytest.mark.parametrize("C", [0.11, 1.0])
def test_cold_solution_is_liblinears(C: float) -> None:
    rows, labels, weights = problem()
    ours = fit_squared_hinge(rows, labels, weights, C, tol=1e-8)
    np.testing.assert_allclose(ours, reference(rows, labels, weights, C), atol=1e-4)


def test_warm_start_reaches_the_same_solution() -> None:
    rows, labels, weights = problem(seed=1)
    before = fit_squared_hinge(rows[:-1], labels[:-1], weights[:-1], 0.5, tol=1e-8)
    warm = fit_squared_hinge(rows, labels, weights, 0.5, start=before, tol=1e-8)
    np.testing.assert_allclose(warm, reference(rows, labels, weights, 0.5), atol=1e-4)


def dense_rows(training: TrainingRows, matrix: sp.csr_matrix, screened: np.ndarray) -> None:
    """The compact rows, put back in feature order, equal the screened records' rows."""
    rows, slot = training.update(screened)
    full = np.zeros((screened.size, matrix.shape[1]))
    full[:, training.columns] = rows.toarray()[slot]
    np.testing.assert_array_equal(full, matrix[screened].toarray())


def test_training_rows_grow_in_any_order() -> None:
    matrix, _, _ = problem(n=30, d=25, seed=2)
    training = TrainingRows(matrix)
    dense_rows(training, matrix, np.array([4, 9]))
    dense_rows(training, matrix, np.array([9, 17, 4]))  # a new record in the middle
    assert training.rows.tolist() == [4, 9, 17]  # appended, not rebuilt
    dense_rows(training, matrix, np.array([17, 4]))  # a record dropped: rebuilt
    assert sorted(training.rows.tolist()) == [4, 17]
    with pytest.raises(ValueError, match="twice"):
        training.update(np.array([4, 4]))


def test_class_sums_follow_rows_and_label_changes() -> None:
    matrix, labels, _ = problem(n=40, d=30, seed=4)
    labels = labels.copy()
    training = TrainingRows(matrix)

    def check(screened: np.ndarray) -> None:
        rows, _ = training.update(screened)
        row_labels = labels[training.rows]  # rows are kept in the order first seen
        irrelevant, relevant = training.class_sums(row_labels)
        dense = rows.toarray()
        assert relevant.shape == irrelevant.shape == (training.columns.size,)
        np.testing.assert_allclose(relevant, dense[row_labels == 1].sum(axis=0))
        np.testing.assert_allclose(irrelevant, dense[row_labels == 0].sum(axis=0))

    screened = np.array([0, 5])
    check(screened)
    for extra in (7, 11, 3, 20, 21):  # rows appended one at a time, new columns too
        screened = np.append(screened, extra)
        check(screened)
    labels[7] = 1 - labels[7]  # a decision revised: the sums start again
    check(screened)
    check(np.array([5, 11]))  # a record dropped: the rows are rebuilt
    with pytest.raises(ValueError, match="labels for"):
        training.class_sums(np.array([1]))


def test_given_gradient_at_zero_changes_nothing() -> None:
    rows, labels, weights = problem(seed=5)
    C = 0.3
    at_zero = rows.T @ (2 * C * weights * np.where(labels == 1, 1.0, -1.0))
    np.testing.assert_array_equal(
        fit_squared_hinge(rows, labels, weights, C, gradient_at_zero=at_zero),
        fit_squared_hinge(rows, labels, weights, C))


def test_decision_values_carry_over_to_the_next_solve() -> None:
    matrix, labels, _ = problem(n=50, d=35, seed=6)
    training = TrainingRows(matrix)
    rows, _ = training.update(np.arange(10))
    assert training.start_decision(rows) is None  # nothing solved yet
    weights = np.where(labels[:10] == 1, 1.0, 0.4)
    training.weights, training.decision = solve_squared_hinge(rows, labels[:10], weights, 0.5)
    np.testing.assert_allclose(training.decision, rows @ training.weights[:-1]
                               + training.weights[-1])
    screened = np.arange(13)
    rows, _ = training.update(screened)  # three rows (and new columns) appended
    given = training.start_decision(rows)
    assert given is not None
    np.testing.assert_allclose(given, rows @ training.weights[:-1] + training.weights[-1])
    weights = np.where(labels[screened] == 1, 1.0, 0.4)
    with_given = solve_squared_hinge(rows, labels[screened], weights, 0.5, training.weights,
                                     start_decision=given)
    computed = solve_squared_hinge(rows, labels[screened], weights, 0.5, training.weights)
    np.testing.assert_allclose(with_given[0], computed[0])
    np.testing.assert_allclose(with_given[1], rows @ with_given[0][:-1] + with_given[0][-1])
    training.update(np.array([0, 2]))  # rebuilt: the decision values are gone
    assert training.start_decision(training.update(np.array([0, 2]))[0]) is None


def test_warm_ranker_orders_like_a_fresh_liblinear_fit() -> None:
    rng = np.random.default_rng(3)
    words = [f"w{i}" for i in range(200)]
    records, labels = [], []
    for i in range(120):
        relevant = i % 6 == 0
        extra = "sleep insomnia therapy trial" if relevant else "river sediment flow"
        records.append(Record(title=f"record {i} {extra}",
                              abstract=f"{extra} {' '.join(rng.choice(words, 20))}"))
        labels.append(int(relevant))
    y = np.asarray(labels)
    warm = get_ranker("scopewise", tol=1e-6).prepare(records)
    fresh = get_ranker("scopewise", solver="liblinear", tol=1e-8).prepare(records)
    screened: list[int] = [0, 1]
    for position in rng.permutation(np.arange(2, 120))[:30]:
        screened.append(int(position))
        warm.fit(np.asarray(screened), y[screened])
    fresh.fit(np.asarray(screened), y[screened])
    assert np.corrcoef(warm.scores(), fresh.scores())[0, 1] > 0.9999


def test_scores_kept_when_the_weights_stay_and_rebuilt_after_a_dropped_record() -> None:
    rng = np.random.default_rng(7)
    words = [f"w{i}" for i in range(150)]
    records = [Record(title=f"record {i} {'sleep trial' if i % 5 == 0 else 'river flow'}",
                      abstract=" ".join(rng.choice(words, 15))) for i in range(300)]
    y = np.asarray([int(i % 5 == 0) for i in range(300)])
    ranker = get_ranker("warm-svm", tol=0.05).prepare(records)  # loose: steps are rare
    screened = [0, 1]
    kept = 0
    for position in rng.permutation(np.arange(2, 300))[:150]:
        screened.append(int(position))
        before = ranker.scores()
        ranker.fit(np.asarray(screened), y[screened])
        kept += ranker.scores() is before  # the solver took no step: nothing re-ranked
        # whatever path was taken, the scores are those of the current weights
        # (float32 sums taken in another order: near-zero scores differ by ~1e-10)
        np.testing.assert_allclose(ranker.scores(), ranker.X_ @ ranker.shared_weights_,
                                   rtol=1e-6, atol=1e-7)
    assert kept > 0
    # a record taken back: the rows are rebuilt and no weight of its terms lingers
    ranker = get_ranker("warm-svm", tol=1e-8).prepare(records)
    ranker.fit(np.asarray(screened), y[screened])
    fewer = screened[:-1]
    ranker.fit(np.asarray(fewer), y[fewer])
    fresh = get_ranker("warm-svm", tol=1e-8).prepare(records).fit(np.asarray(fewer), y[fewer])
    np.testing.assert_allclose(ranker.shared_weights_, fresh.shared_weights_, atol=1e-5)
    np.testing.assert_allclose(ranker.scores(), fresh.scores(), atol=1e-5)


def test_records_with_no_words_among_several_new_decisions() -> None:
    # two or more decisions between refits (the web app refits in batches, and
    # imported decisions arrive together), the last on a record with no words:
    # its training row is empty and must not stop the warm start
    records = [Record(title=f"record {i} {'sleep trial' if i % 4 == 0 else 'river flow'}",
                      abstract="") for i in range(30)]
    records += [Record(title="", abstract=""), Record(title="", abstract="")]
    y = np.asarray([int(i % 4 == 0) for i in range(30)] + [0, 1])
    warm = get_ranker("scopewise", tol=1e-8).prepare(records)
    warm.fit(np.arange(8), y[:8])
    for screened in (np.r_[np.arange(8), 12, 30], np.r_[np.arange(8), 12, 30, 13, 14, 31]):
        warm.fit(screened, y[screened])
        fresh = get_ranker("scopewise", solver="liblinear", tol=1e-10).prepare(records)
        fresh.fit(screened, y[screened])
        assert np.corrcoef(warm.scores(), fresh.scores())[0, 1] > 0.9999
