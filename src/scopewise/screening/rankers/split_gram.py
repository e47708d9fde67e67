"""The Gram products of many training rows, with each record's private terms as a diagonal.

Past :data:`~scopewise.screening.rankers.solver.GRAM_LIMIT` training rows the
row-span solver (:mod:`~scopewise.screening.rankers.row_span`) multiplies by
``K = X~ X~^T`` as two sparse products over every term of the training rows, and
those products are most of a refit: at 5,000 screened records (a web app late in
screening) four of them per model per decision, 4.4 ms each here.

Most of those terms are *private*: a word pair that occurs in one record of the whole
review (``X_private_`` of the ranker's features). A private term adds
``x_ic ** 2`` to ``K_ii`` and nothing off the diagonal, so::

    K v = S (S^T v) + d * v + sum(v)

with ``S`` the rows on the shared terms only and ``d_i`` the sum of squares of row
``i``'s private entries. At 5,000 rows of the 10,000-record benchmark ``S`` has a
quarter of the columns and two thirds of the entries, and a product takes 1.8 ms
instead of 4.4 ms (the intermediate vector fits the cache).

It is the same ``K`` in exact arithmetic but not bit for bit (the sums are taken in
another order), so solutions agree to rounding and to the solver's tolerance, and
an order can differ where two records' scores tie within rounding. That is why it is
opt-in (``gram="split"`` on the warm SVM rankers): ``scopewise simulate`` and the
benchmarks keep the full products and their exact results; the background ranking
worker of a long-lived process (the web app) uses this.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from scopewise.screening.rankers.solver import TrainingRows, _room

__all__ = ["SplitGram"]


class SplitGram:
    """``K v`` and the weights ``X~^T beta`` for :class:`TrainingRows`, kept up to date.

    Parameters
    ----------
    training:
        The training rows it follows (rows are appended to it; a rebuild there starts
        this afresh).
    n_shared:
        Feature columns below this are shared terms; the rest are private (one record
        has them).
    """

    def __init__(self, training: TrainingRows, n_shared: int) -> None:
        self.training = training
        self.n_shared = n_shared
        self.reset()

    def reset(self) -> None:
        """Forget every row (the training rows were rebuilt)."""
        self.rebuilds = self.training.rebuilds
        index = self.training._indices.dtype
        self.n_rows = 0
        self.width = 0  # compact columns of the training rows looked at so far
        self.shared_id = np.empty(0, dtype=np.int64)  # compact column -> S column (-1: private)
        self.positions = np.empty(0, dtype=np.int64)  # S column -> compact column
        self._data = np.empty(1024, dtype=np.float64)
        self._indices = np.empty(1024, dtype=index)
        self._indptr = np.zeros(1024, dtype=index)
        self.diagonal = np.empty(0)  # per row: the sum of squares of its private entries
        self._rows: sp.csr_matrix | None = None
        self._rows_t: sp.csc_matrix | None = None

    def update(self) -> None:
        """Take in the rows and columns appended to the training rows since the last call."""
        training = self.training
        if training.rebuilds != self.rebuilds or training.rows.size < self.n_rows:
            self.reset()
        columns = training.columns
        if columns.size > self.width:  # new compact columns: number the shared ones
            fresh = columns[self.width:] < self.n_shared
            ids = np.full(fresh.size, -1, dtype=np.int64)
            ids[fresh] = np.arange(self.positions.size, self.positions.size + int(fresh.sum()))
            self.shared_id = np.concatenate([self.shared_id, ids])
            self.positions = np.concatenate([self.positions,
                                             self.width + np.flatnonzero(fresh)])
            self.width = columns.size
        known, n = self.n_rows, training.rows.size
        if n == known:
            return
        data, compact, indptr = training.entries(known, n)
        ids = self.shared_id[compact]
        shared = ids >= 0
        row_of = np.repeat(np.arange(n - known), np.diff(indptr))
        private = ~shared
        squares = data[private] * data[private]
        self.diagonal = np.concatenate([self.diagonal, np.bincount(
            row_of[private], weights=squares, minlength=n - known)])
        counts = np.bincount(row_of[shared], minlength=n - known)
        nnz = int(self._indptr[known])
        end = nnz + int(shared.sum())
        self._data = _room(self._data, end)
        self._indices = _room(self._indices, end)
        self._indptr = _room(self._indptr, n + 1)
        self._data[nnz:end] = data[shared]
        self._indices[nnz:end] = ids[shared]
        self._indptr[known + 1: n + 1] = nnz + np.cumsum(counts)
        self.n_rows = n
        self._rows = self._rows_t = None

    def _matrices(self) -> tuple[sp.csr_matrix, sp.csc_matrix]:
        """``S`` (columns numbered here) and its transpose (a CSC view), made once per
        :meth:`update` rather than once per product."""
        if self._rows is None or self._rows_t is None:
            n = self.n_rows
            nnz = int(self._indptr[n])
            self._rows = sp.csr_matrix(
                (self._data[:nnz], self._indices[:nnz], self._indptr[: n + 1]),
                shape=(n, self.positions.size))
            self._rows_t = self._rows.T
        return self._rows, self._rows_t

    @property
    def rows(self) -> sp.csr_matrix:
        """``S``: the training rows on the shared terms (columns numbered here)."""
        return self._matrices()[0]

    def __call__(self, v: np.ndarray) -> np.ndarray:
        """``K v`` for the rows as of the last :meth:`update`."""
        rows, rows_t = self._matrices()
        product: np.ndarray = rows @ (rows_t @ v) + self.diagonal * v + v.sum()
        return product

    def weights(self, coefficients: np.ndarray) -> np.ndarray:
        """The compact weights ``X~^T beta`` (last: the intercept) on the shared terms.

        A private term's weight is left at 0: no other record has the term, so it
        never scores a record and never starts a new training row's decision value
        (see :meth:`TrainingRows.start_decision`); the objective keeps it through
        ``d``.
        """
        weights = np.zeros(self.width + 1)
        weights[self.positions] = self._matrices()[1] @ coefficients
        weights[-1] = coefficients.sum()
        return weights

