"""The warm-started squared-hinge SVM solved in the span of its training rows.

The truncated Newton method of :func:`~scopewise.screening.rankers.solver.solve_squared_hinge`
works on the weight vector, one entry per term the training rows use: 25,000 to
50,000 terms for a few hundred screened records. Each Newton and conjugate-gradient
step costs a dozen passes over vectors that long, and those passes, not the sparse
products, took most of a retrain on the benchmark datasets.

Started from zero (or from weights that are themselves a combination of training
rows, as every warm start here is), every iterate of that method is a combination of
the training rows (with a column of ones for the intercept)::

    w = X~^T beta        X~ = [X, 1]

so the same iterates can be carried as ``beta``, one number per training row, and
every inner product becomes one over rows: ``(X~^T a) . (X~^T b) = a . K b`` with
``K = X~ X~^T``. ``K`` is never formed: ``K v = X (X^T v) + sum(v)``, two sparse
products. This module runs the same Newton steps, the same conjugate gradients and
the same line search as the weight-space solver, with the same tolerance, so in
exact arithmetic it returns the same weights; in floating point they agree to
rounding (see ``tests/screening/test_rankers_row_span.py``). A record added to the
training rows enters with coefficient 0, which is the weight-space warm start (its
new terms at weight 0).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import scipy.sparse as sp

from scopewise.screening.rankers.solver import _dot

__all__ = ["solve_in_row_span", "weights_of"]

Gram = Callable[[np.ndarray], np.ndarray]


def weights_of(rows: sp.csr_matrix, coefficients: np.ndarray) -> np.ndarray:
    """The weights ``X~^T beta`` (last entry: the intercept) of row coefficients."""
    weights = np.empty(rows.shape[1] + 1)
    weights[:-1] = rows.T @ coefficients
    weights[-1] = coefficients.sum()
    return weights


def solve_in_row_span(rows: sp.csr_matrix, labels: np.ndarray, sample_weight: np.ndarray,
                      C: float, start: np.ndarray | None = None, *, tol: float = 1e-3,
                      max_newton: int = 20, max_cg: int = 50,
                      gradient_at_zero: np.ndarray | None = None,
                      start_decision: np.ndarray | None = None,
                      gram_matrix: np.ndarray | None = None,
                      gram_product: Gram | None = None,
                      ) -> tuple[np.ndarray, np.ndarray]:
    """Row coefficients of the squared-hinge linear SVM and the rows' decision values.

    Returns ``beta`` (the weights are :func:`weights_of` ``(rows, beta)``) and
    ``rows @ w + b`` at them. The parameters are those of
    :func:`~scopewise.screening.rankers.solver.solve_squared_hinge`, except ``start``:
    the starting coefficients, one per row (rows new since the last solve: 0), and
    ``gram_matrix``: ``K`` itself, if the caller keeps it
    (:meth:`~scopewise.screening.rankers.solver.TrainingRows.gram_matrix`); else
    ``gram_product``: a function computing ``K v`` the caller keeps cheaper than the
    two sparse products here
    (:class:`~scopewise.screening.rankers.split_gram.SplitGram`).
    """
    signs = np.where(np.asarray(labels) == 1, 1.0, -1.0)
    cost = 2.0 * C * np.asarray(sample_weight, dtype=np.float64)
    X = rows if rows.dtype == np.float64 else rows.astype(np.float64)
    Xt = X.T  # CSC view: no copy

    def gram(v: np.ndarray) -> np.ndarray:
        if gram_product is not None and gram_matrix is None:
            return gram_product(v)
        product: np.ndarray = X @ (Xt @ v) + v.sum() if gram_matrix is None else gram_matrix @ v
        return product

    beta = np.zeros(X.shape[0]) if start is None else np.array(start, dtype=np.float64)
    at_zero = cost * signs
    if gradient_at_zero is None:
        gradient_at_zero = Xt @ at_zero
    g0 = np.sqrt(_dot(gradient_at_zero, gradient_at_zero) + float(at_zero.sum()) ** 2)
    limit = tol * max(g0, 1e-12)

    def value(coefficients: np.ndarray, decision: np.ndarray, margin: np.ndarray) -> float:
        active = np.maximum(margin, 0.0)  # |w|^2 + b^2 = beta . K beta = beta . decision
        return 0.5 * _dot(coefficients, decision) + 0.5 * _dot(cost, active * active)

    scores = gram(beta) if start_decision is None else np.asarray(start_decision, np.float64)
    margin = 1.0 - signs * scores
    f = value(beta, scores, margin)
    for _ in range(max_newton):
        active = margin > 0
        coefficient = cost * signs * np.where(active, margin, 0.0)
        gradient = beta - coefficient  # the gradient is X~^T (beta - coefficient)
        k_gradient = scores - gram(coefficient)
        g_norm = np.sqrt(max(_dot(gradient, k_gradient), 0.0))
        if g_norm <= limit:
            break
        curvature = np.where(active, cost, 0.0)
        step, k_step = _conjugate_gradient(gram, curvature, -gradient, -k_gradient,
                                           0.1 * g_norm, max_cg)
        slope = _dot(gradient, k_step)
        scale = 1.0
        for _ in range(20):  # backtracking, as in weight space
            trial = beta + scale * step
            trial_scores = scores + scale * k_step
            trial_margin = 1.0 - signs * trial_scores
            f_trial = value(trial, trial_scores, trial_margin)
            if f_trial <= f + 0.01 * scale * slope:
                break
            scale *= 0.5
        beta, scores, margin, f = trial, trial_scores, trial_margin, f_trial
    return beta, scores


def _conjugate_gradient(gram: Gram, curvature: np.ndarray, rhs: np.ndarray,
                        k_rhs: np.ndarray, tol: float, max_iter: int
                        ) -> tuple[np.ndarray, np.ndarray]:
    """Solve ``(I + X~^T diag(curvature) X~) s = X~^T rhs`` for ``s = X~^T sigma``.

    Returns ``sigma`` and ``K sigma``; ``k_rhs`` is ``K rhs``. Every vector ``v`` of
    the weight-space method is carried as its coefficients and ``K`` times them, so
    one product with ``K`` per iteration suffices.
    """
    sigma = np.zeros_like(rhs)
    k_sigma = np.zeros_like(rhs)
    r, k_r = rhs.copy(), k_rhs.copy()
    p, k_p = r.copy(), k_r.copy()
    rr = max(_dot(r, k_r), 0.0)
    for _ in range(max_iter):
        if np.sqrt(rr) <= tol:
            break
        bent = curvature * k_p  # H p = X~^T (p + curvature * K p)
        hp = p + bent
        k_hp = k_p + gram(bent)
        alpha = rr / _dot(p, k_hp)
        sigma += alpha * p
        k_sigma += alpha * k_p
        r -= alpha * hp
        k_r -= alpha * k_hp
        rr_new = max(_dot(r, k_r), 0.0)
        p = r + (rr_new / rr) * p
        k_p = k_r + (rr_new / rr) * k_p
        rr = rr_new
    return sigma, k_sigma
