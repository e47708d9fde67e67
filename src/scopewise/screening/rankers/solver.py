"""A warm-started solver for the linear SVM that LinearSVC (liblinear) fits.

After one more decision the model barely changes, so starting from the previous
weights a truncated Newton method (conjugate gradients on the generalised Hessian,
as liblinear's own primal solver does) needs one or two steps instead of a fresh
solve. The objective is liblinear's L2-regularised squared-hinge loss with a
regularised intercept (``intercept_scaling = 1``), so at convergence the weights are
those of ``LinearSVC(loss="squared_hinge")``::

    0.5 * (|w|^2 + b^2) + C * sum_i s_i * max(0, 1 - y_i (x_i . w + b))^2
"""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse as sp

__all__ = [
    "GRAM_LIMIT",
    "TrainingRows",
    "fit_squared_hinge",
    "has_repeats",
    "solve_squared_hinge",
]

GRAM_LIMIT = 640
"""Training rows up to which :meth:`TrainingRows.gram_matrix` keeps ``X~ X~^T``: a dense
product with it beats the two sparse ones (``X (X^T v)``) below about 800 rows here
(at 500 rows 77 against 263 microseconds), and above about 700 the BLAS starts
threads for it."""


def has_repeats(positions: np.ndarray, n_records: int) -> bool:
    """True if a position occurs twice (a bincount: cheaper than sorting for this size)."""
    return bool(positions.size) and int(np.bincount(positions, minlength=n_records).max()) > 1


def _dot(a: np.ndarray, b: np.ndarray) -> float:
    """Inner product without BLAS: OpenBLAS may start threads for long vectors, which
    on a busy machine spin and cost far more CPU than the product itself."""
    return float(np.multiply(a, b).sum())


def fit_squared_hinge(rows: sp.csr_matrix, labels: np.ndarray, sample_weight: np.ndarray,
                      C: float, start: np.ndarray | None = None, *, tol: float = 1e-3,
                      max_newton: int = 20, max_cg: int = 50,
                      gradient_at_zero: np.ndarray | None = None) -> np.ndarray:
    """Weights (last entry: the intercept) of the squared-hinge linear SVM.

    The parameters are those of :func:`solve_squared_hinge`.
    """
    weights, _ = solve_squared_hinge(rows, labels, sample_weight, C, start, tol=tol,
                                     max_newton=max_newton, max_cg=max_cg,
                                     gradient_at_zero=gradient_at_zero)
    return weights


def solve_squared_hinge(rows: sp.csr_matrix, labels: np.ndarray, sample_weight: np.ndarray,
                        C: float, start: np.ndarray | None = None, *, tol: float = 1e-3,
                        max_newton: int = 20, max_cg: int = 50,
                        gradient_at_zero: np.ndarray | None = None,
                        start_decision: np.ndarray | None = None,
                        ) -> tuple[np.ndarray, np.ndarray]:
    """Weights of the squared-hinge linear SVM and the rows' decision values.

    Returns the weights (last entry: the intercept) and ``rows @ w + b`` at them.

    Parameters
    ----------
    rows:
        Training rows (best compact: only the columns some training row uses).
    labels:
        1 relevant, 0 irrelevant.
    sample_weight:
        Per-row weight multiplying ``C``.
    C:
        Inverse regularisation strength.
    start:
        Initial weights (``rows.shape[1] + 1`` values), e.g. the previous solution.
    tol:
        Stop when the gradient norm is below ``tol`` times that at ``w = 0``.
    gradient_at_zero:
        ``rows.T @ (2 C sample_weight * (+1 relevant, -1 irrelevant))``, if the caller
        keeps it up to date more cheaply (:meth:`TrainingRows.class_sums`); else it is
        computed here.
    start_decision:
        ``rows @ start[:-1] + start[-1]``, if the caller knows it (rows that were
        in the previous solve keep their decision values while the new columns'
        weights are zero); else it is computed here.
    """
    signs = np.where(np.asarray(labels) == 1, 1.0, -1.0)
    cost = 2.0 * C * np.asarray(sample_weight, dtype=np.float64)
    d = rows.shape[1]
    X = rows if rows.dtype == np.float64 else rows.astype(np.float64)
    Xt = X.T  # CSC view: no copy
    w = np.zeros(d + 1) if start is None else np.array(start, dtype=np.float64)
    # gradient norm at w = 0 (all margins 1): the scale the tolerance refers to
    at_zero = cost * signs
    if gradient_at_zero is None:
        gradient_at_zero = Xt @ at_zero
    g0 = np.sqrt(_dot(gradient_at_zero, gradient_at_zero) + float(at_zero.sum()) ** 2)
    limit = tol * max(g0, 1e-12)

    def decision(weights: np.ndarray) -> np.ndarray:
        result: np.ndarray = X @ weights[:d] + weights[d]
        return result

    def value(weights: np.ndarray, margin: np.ndarray) -> float:
        active = np.maximum(margin, 0.0)
        return 0.5 * _dot(weights, weights) + 0.5 * _dot(cost, active * active)

    scores = decision(w) if start_decision is None else np.asarray(start_decision, np.float64)
    margin = 1.0 - signs * scores
    f = value(w, margin)
    for _ in range(max_newton):
        active = margin > 0
        coefficient = cost * signs * np.where(active, margin, 0.0)
        gradient = w.copy()
        gradient[:d] -= Xt @ coefficient
        gradient[d] -= coefficient.sum()
        g_norm = np.sqrt(_dot(gradient, gradient))
        if g_norm <= limit:
            break
        curvature = np.where(active, cost, 0.0)
        step = _conjugate_gradient(X, Xt, curvature, -gradient, 0.1 * g_norm, max_cg)
        # backtracking line search (a full Newton step is accepted almost always)
        slope = _dot(gradient, step)
        scale = 1.0
        for _ in range(20):
            trial = w + scale * step
            trial_scores = decision(trial)
            trial_margin = 1.0 - signs * trial_scores
            f_trial = value(trial, trial_margin)
            if f_trial <= f + 0.01 * scale * slope:
                break
            scale *= 0.5
        w, scores, margin, f = trial, trial_scores, trial_margin, f_trial
    return w, scores


def _conjugate_gradient(X: sp.csr_matrix, Xt: sp.csc_matrix, curvature: np.ndarray,
                        rhs: np.ndarray, tol: float, max_iter: int) -> np.ndarray:
    """Solve ``(I + X~^T diag(curvature) X~) s = rhs`` (X~: X with a column of ones)."""
    d = X.shape[1]

    def hessian_times(v: np.ndarray) -> np.ndarray:
        projected = curvature * (X @ v[:d] + v[d])
        out = v.copy()
        out[:d] += Xt @ projected
        out[d] += projected.sum()
        return out

    s = np.zeros_like(rhs)
    r = rhs.copy()
    p = r.copy()
    rr = _dot(r, r)
    for _ in range(max_iter):
        if np.sqrt(rr) <= tol:
            break
        hp = hessian_times(p)
        alpha = rr / _dot(p, hp)
        s += alpha * p
        r -= alpha * hp
        rr_new = _dot(r, r)
        p = r + (rr_new / rr) * p
        rr = rr_new
    return s


class TrainingRows:
    """The screened records' feature rows on the columns they use, kept up to date.

    It also keeps what the next warm-started solve can reuse: the weights, each
    row's decision value at them, and per-class column sums.

    Screening adds one record at a time, so the compact training matrix grows by
    appending rows (and the new columns they bring) instead of being rebuilt from
    all features after every decision. The solver's weights live in the same compact
    column order, which makes the previous solution the warm start of the next.

    Parameters
    ----------
    matrix:
        Feature rows of every record (CSR, float64).
    """

    def __init__(self, matrix: sp.csr_matrix) -> None:
        self.matrix = matrix
        self.rebuilds = -1  # how often the rows were rebuilt from scratch
        self.reset()

    def reset(self) -> None:
        """Forget every row (the next :meth:`update` starts afresh)."""
        self.rebuilds += 1
        self.column_id = np.full(self.matrix.shape[1], -1, dtype=np.int64)
        self.slot = np.full(self.matrix.shape[0], -1, dtype=np.int64)
        self.columns = np.empty(0, dtype=np.int64)
        self.rows = np.empty(0, dtype=np.int64)
        # entries of the compact rows, in buffers that grow by doubling: appending one
        # record copies only its own entries, not every row so far
        # (32-bit indices where they fit: scipy copies 64-bit ones down on every
        # csr_matrix built from them, five times the cost of building it)
        index: np.dtype[np.signedinteger[Any]] = np.dtype(
            np.int32 if max(self.matrix.shape[1], self.matrix.nnz) < 2**31 else np.int64)
        self._data = np.empty(1024, dtype=np.float64)
        self._indices = np.empty(1024, dtype=index)
        self._indptr = np.zeros(1024, dtype=index)
        self.weights = np.zeros(1)  # compact column weights, then the intercept
        self.coefficients = np.empty(0)  # the weights as a combination of the rows
        # decision values of the rows solved with ``weights`` (rows appended since: none)
        self.decision = np.empty(0)
        # per-class column sums of the rows, and the row labels they were summed with
        self._sums = np.zeros((2, 0))
        self._summed = np.empty(0, dtype=np.int64)
        self._gram = np.empty((0, 0))  # X~ X~^T of the first _gram_rows rows
        self._gram_rows = 0

    def gram_matrix(self, rows: sp.csr_matrix) -> np.ndarray | None:
        """``X~ X~^T`` (``X~``: the rows from :meth:`update` with a column of ones), kept
        up to date as rows are appended; ``None`` beyond :data:`GRAM_LIMIT` rows."""
        n = rows.shape[0]
        if n > GRAM_LIMIT:
            self._gram, self._gram_rows = np.empty((0, 0)), 0
            return None
        known = self._gram_rows
        if known > n:
            known = 0
        if known < n:
            if self._gram.shape[0] < n:  # room by doubling, up to the limit
                grown = np.empty((min(GRAM_LIMIT, max(n, 2 * self._gram.shape[0])),) * 2)
                grown[:known, :known] = self._gram[:known, :known]
                self._gram = grown
            if n - known > 8:  # many rows at once (the first fit): a sparse product
                block = np.asarray((rows @ rows[known:n].T).toarray()) + 1.0
            else:  # a row or two: dense rows straight from the buffers, one product each
                start, end = int(self._indptr[known]), int(self._indptr[n])
                fresh = np.zeros((n - known, rows.shape[1]))
                row_of = np.repeat(np.arange(n - known), np.diff(self._indptr[known: n + 1]))
                fresh[row_of, self._indices[start:end]] = self._data[start:end]
                block = np.column_stack([rows @ row for row in fresh]) + 1.0  # n x (n - known)
            self._gram[:n, known:n] = block
            self._gram[known:n, :n] = block.T
            self._gram_rows = n
        gram: np.ndarray = self._gram[:n, :n]
        return gram

    def entries(self, start: int, end: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The entries of rows ``start`` to ``end`` (not included): their values, compact
        columns and row pointers (from 0), straight from the buffers."""
        first, last = int(self._indptr[start]), int(self._indptr[end])
        return (self._data[first:last], self._indices[first:last],
                self._indptr[start: end + 1] - first)

    def class_sums(self, row_labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Column sums of the irrelevant rows and of the relevant rows (compact columns).

        ``row_labels`` holds the label of every row in row order. Rows appended since
        the last call are added to the sums; if an earlier row's label changed, the
        sums are recomputed from all rows.
        """
        row_labels = np.asarray(row_labels, dtype=np.int64)
        n_rows = self.rows.size
        if row_labels.size != n_rows:
            raise ValueError(f"{row_labels.size} labels for {n_rows} training rows")
        done = self._summed.size
        if done > n_rows or not np.array_equal(self._summed, row_labels[:done]):
            self._sums = np.zeros((2, 0))
            done = 0
        if self._sums.shape[1] < self.columns.size:  # room for new columns, by doubling
            grown = np.zeros((2, max(self.columns.size, 2 * self._sums.shape[1])))
            grown[:, : self._sums.shape[1]] = self._sums
            self._sums = grown
        start, end = int(self._indptr[done]), int(self._indptr[n_rows])
        entry_label = np.repeat(row_labels[done:], np.diff(self._indptr[done: n_rows + 1]))
        np.add.at(self._sums, (entry_label, self._indices[start:end]), self._data[start:end])
        self._summed = row_labels.copy()
        width = self.columns.size
        return self._sums[0, :width], self._sums[1, :width]

    def start_decision(self, rows: sp.csr_matrix) -> np.ndarray | None:
        """Decision values of ``rows`` (from :meth:`update`) at :attr:`weights`.

        Rows solved before keep theirs (the columns they bring in have weight 0 and
        no old row uses them); only the rows appended since are multiplied out.
        ``None`` when nothing was solved since the last rebuild.
        """
        known = self.decision.size
        if known == 0 or known > rows.shape[0]:
            return None
        # the rows appended since, straight from the buffers (no sparse slice to build)
        start, end = int(self._indptr[known]), int(self._indptr[rows.shape[0]])
        products = self._data[start:end] * self.weights[self._indices[start:end]]
        empty = np.diff(self._indptr[known: rows.shape[0] + 1]) == 0
        fresh = np.zeros(rows.shape[0] - known)
        if end > start:
            # summed from the starts of the rows with entries only: an empty row
            # (a record with no words) has no entry of its own, and one at the end
            # would start past the last entry, which reduceat refuses
            starts = self._indptr[known: rows.shape[0]][~empty] - start
            fresh[~empty] = np.add.reduceat(products, starts)
        return np.concatenate([self.decision, fresh + self.weights[-1]])

    def update(self, screened: np.ndarray) -> tuple[sp.csr_matrix, np.ndarray]:
        """The compact training rows of ``screened`` and where each screened record is.

        Rows are kept in the order records were first seen; the second value maps
        each entry of ``screened`` to its row (so ``labels`` can be put in row order).
        When a record was dropped from ``screened`` the rows are rebuilt from
        scratch; a record listed twice raises ``ValueError``.
        """
        if has_repeats(screened, self.slot.size):
            raise ValueError("a record is listed twice among the screened records")
        new = screened[self.slot[screened] < 0]
        if self.rows.size + new.size != screened.size:
            self.reset()
            new = screened
        if new.size:
            block = _gather_rows(self.matrix, new)
            unseen = _distinct(block.indices[self.column_id[block.indices] < 0])
            self.column_id[unseen] = np.arange(self.columns.size, self.columns.size + unseen.size)
            self.columns = np.concatenate([self.columns, unseen])
            self.weights = np.concatenate([self.weights[:-1], np.zeros(unseen.size),
                                           self.weights[-1:]])
            n_rows, nnz = self.rows.size, int(self._indptr[self.rows.size])
            end = nnz + block.nnz
            self._data = _room(self._data, end)
            self._indices = _room(self._indices, end)
            self._indptr = _room(self._indptr, n_rows + new.size + 1)
            self._data[nnz:end] = block.data
            self._indices[nnz:end] = self.column_id[block.indices]
            self._indptr[n_rows + 1: n_rows + new.size + 1] = block.indptr[1:] + nnz
            self.slot[new] = np.arange(n_rows, n_rows + new.size)
            self.rows = np.concatenate([self.rows, new])
            self.coefficients = np.concatenate([self.coefficients, np.zeros(new.size)])
        n_rows = self.rows.size
        nnz = int(self._indptr[n_rows])
        matrix = sp.csr_matrix((self._data[:nnz], self._indices[:nnz], self._indptr[: n_rows + 1]),
                               shape=(n_rows, self.columns.size))
        return matrix, self.slot[screened]


class _Rows:
    """Some rows of a CSR matrix as its three arrays (what ``update`` reads)."""

    __slots__ = ("data", "indices", "indptr", "nnz")

    def __init__(self, data: np.ndarray, indices: np.ndarray, indptr: np.ndarray) -> None:
        self.data, self.indices, self.indptr = data, indices, indptr
        self.nnz = int(indptr[-1])


def _gather_rows(matrix: sp.csr_matrix, rows: np.ndarray) -> _Rows:
    """``matrix[rows]`` without building a sparse matrix (one row: two slices)."""
    starts, ends = matrix.indptr[rows], matrix.indptr[rows + 1]
    indptr = np.concatenate([[0], np.cumsum(ends - starts)])
    if rows.size == 1:
        s, e = int(starts[0]), int(ends[0])
        return _Rows(matrix.data[s:e], matrix.indices[s:e], indptr)
    picks = np.concatenate([np.arange(s, e) for s, e in zip(starts, ends, strict=True)])
    return _Rows(matrix.data[picks], matrix.indices[picks], indptr)


def _distinct(values: np.ndarray) -> np.ndarray:
    """``np.unique(values)`` for the short arrays here, at a third of its overhead."""
    ordered = np.sort(values)
    if ordered.size < 2:
        return ordered
    keep = np.empty(ordered.size, dtype=bool)
    keep[0] = True
    np.not_equal(ordered[1:], ordered[:-1], out=keep[1:])
    return ordered[keep]


def _room(buffer: np.ndarray, size: int) -> np.ndarray:
    """``buffer``, or a copy at least twice as long if it holds fewer than ``size`` values."""
    if buffer.size >= size:
        return buffer
    grown = np.empty(max(size, 2 * buffer.size), dtype=buffer.dtype)
    grown[: buffer.size] = buffer
    return grown
