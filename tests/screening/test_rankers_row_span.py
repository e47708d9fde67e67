"""The squared-hinge SVM solved in the span of its training rows takes the same steps as
the weight-space solver: the same weights (to rounding), cold and warm, and the same
decision values."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from scopewise.screening.rankers.row_span import solve_in_row_span, weights_of
from scopewise.screening.rankers.solver import TrainingRows, solve_squared_hinge


def problem(n: int, d: int, seed: int) -> tuple[sp.csr_matrix, np.ndarray, np.ndarray]:
    """More terms than rows, as in screening (a few hundred records, many terms)."""
    rng = np.random.default_rng(seed)
    dense = rng.random((n, d)) * (rng.random((n, d)) < 0.05)
    labels = (dense[:, :5].sum(axis=1) + 0.2 * rng.random(n) > 0.3).astype(np.int64)
    weights = np.where(labels == 1, 9.8, 1.0)
    return sp.csr_matrix(dense), labels, weights


def test_cold_solve_at_the_rankers_C_gives_the_weight_space_solution() -> None:
    rows, labels, weights = problem(80, 400, seed=0)
    expected, expected_decision = solve_squared_hinge(rows, labels, weights, 0.11)
    beta, decision = solve_in_row_span(rows, labels, weights, 0.11)
    np.testing.assert_allclose(weights_of(rows, beta), expected, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(decision, expected_decision, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(decision, rows @ expected[:-1] + expected[-1], atol=1e-12)


@pytest.mark.parametrize("C", [0.5, 1.0, 4.0])
def test_both_solvers_reach_the_optimum_within_their_tolerance(C: float) -> None:
    # With a larger C the problem is worse conditioned: rounding can make the two
    # stop one conjugate-gradient step apart, so they agree to the tolerance asked.
    rows, labels, weights = problem(80, 400, seed=3)
    optimum, _ = solve_squared_hinge(rows, labels, weights, C, tol=1e-12, max_cg=1000,
                                     max_newton=200)
    for tol, close in [(1e-6, 1e-5), (1e-9, 1e-8)]:
        beta, _ = solve_in_row_span(rows, labels, weights, C, tol=tol, max_cg=1000,
                                    max_newton=200)
        np.testing.assert_allclose(weights_of(rows, beta), optimum, atol=close)


def test_warm_solves_follow_the_weight_space_solver_record_by_record() -> None:
    matrix, labels, weights = problem(60, 300, seed=1)
    training = TrainingRows(matrix)
    primal: np.ndarray | None = None
    for n in range(4, 60):
        screened = np.arange(n)
        rows, slot = training.update(screened)
        row_labels, row_weights = labels[screened][slot], weights[screened][slot]
        start = training.start_decision(rows)
        if primal is not None:  # the weight-space warm start: new columns at weight 0
            primal = np.concatenate([primal[:-1], np.zeros(rows.shape[1] + 1 - primal.size),
                                     primal[-1:]])
        primal, _ = solve_squared_hinge(rows, row_labels, row_weights, 0.11, primal)
        beta, training.decision = solve_in_row_span(
            rows, row_labels, row_weights, 0.11, training.coefficients, start_decision=start)
        training.coefficients = beta
        training.weights = weights_of(rows, beta)
        np.testing.assert_allclose(training.weights, primal, rtol=1e-6, atol=1e-8)


def test_a_converged_start_takes_no_step() -> None:
    rows, labels, weights = problem(40, 200, seed=2)
    beta, decision = solve_in_row_span(rows, labels, weights, 0.11)
    again, _ = solve_in_row_span(rows, labels, weights, 0.11, beta, start_decision=decision)
    np.testing.assert_array_equal(again, beta)


def test_start_decision_handles_empty_rows_among_the_new_ones() -> None:
    dense = np.array([[1.0, 0, 2], [0, 0, 0], [0, 3.0, 0], [0, 0, 0], [4.0, 0, 1]])
    matrix = sp.csr_matrix(dense)
    training = TrainingRows(matrix)
    rows, _ = training.update(np.array([0]))
    training.weights = np.array([0.5, 0.25, -1.0])  # columns 0 and 2, then the intercept
    training.decision = np.array([1.0 * 0.5 + 2.0 * 0.25 - 1.0])
    rows, _ = training.update(np.array([0, 1, 2, 3, 4]))  # two of the new rows are empty
    given = training.start_decision(rows)
    assert given is not None
    np.testing.assert_allclose(given, rows @ training.weights[:-1] + training.weights[-1])


def test_the_kept_gram_matrix_is_the_rows_products_through_appends_and_rebuilds(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import scopewise.screening.rankers.solver as solver

    matrix, labels, weights = problem(40, 200, seed=4)
    training = TrainingRows(matrix)

    def expected(rows: sp.csr_matrix) -> np.ndarray:
        dense = rows.toarray()
        return np.asarray(dense @ dense.T + 1.0)

    for screened in ([0, 1], [0, 1, 2], [0, 1, 2, 3, 4, 5, 6], [0, 2, 5], [0, 2, 5, 9]):
        rows, _ = training.update(np.array(screened))
        gram = training.gram_matrix(rows)
        assert gram is not None
        np.testing.assert_allclose(gram, expected(rows), rtol=1e-12)
    # with K given, the solve is the one through the sparse rows
    rows, slot = training.update(np.arange(30))  # many rows at once: the sparse product
    kept = training.gram_matrix(rows)
    assert kept is not None
    np.testing.assert_allclose(kept, expected(rows), rtol=1e-12)
    row_labels, row_weights = labels[:30][slot], weights[:30][slot]
    given = solve_in_row_span(rows, row_labels, row_weights, 0.11, gram_matrix=kept)
    sparse = solve_in_row_span(rows, row_labels, row_weights, 0.11)
    np.testing.assert_allclose(given[0], sparse[0], rtol=1e-9, atol=1e-12)
    monkeypatch.setattr(solver, "GRAM_LIMIT", 31)
    assert training.gram_matrix(training.update(np.arange(32))[0]) is None  # past the limit
    rows, _ = training.update(np.arange(31))  # a record dropped: rebuilt below the limit
    gram = training.gram_matrix(rows)
    assert gram is not None
    np.testing.assert_allclose(gram, expected(rows), rtol=1e-12)


def test_score_columns_score_like_the_whole_shared_block() -> None:
    from scopewise.screening.rankers.scoring import ScoreColumns

    rng = np.random.default_rng(5)
    shared = sp.random(50, 30, density=0.2, format="csr", random_state=5, dtype=np.float32)
    block = ScoreColumns(shared)
    columns = np.array([3, 31, 7], dtype=np.int64)  # 31: a private term, never scored
    block.extend(columns)
    weights = rng.standard_normal(3)
    full = np.zeros(30, dtype=np.float32)
    full[[3, 7]] = weights[[0, 2]]
    np.testing.assert_allclose(block.scores(weights), shared @ full, rtol=1e-5, atol=1e-6)
    columns = np.concatenate([columns, [0, 29, 40]])  # more columns from a new record
    block.extend(columns)
    weights = rng.standard_normal(6)
    full[:] = 0
    full[[3, 7, 0, 29]] = weights[[0, 2, 3, 4]]
    np.testing.assert_allclose(block.scores(weights), shared @ full, rtol=1e-5, atol=1e-6)
    block.reset()
    block.extend(np.array([5]))
    np.testing.assert_allclose(block.scores(np.array([2.0])), 2.0 * shared[:, 5].toarray().ravel(),
                               rtol=1e-6)
