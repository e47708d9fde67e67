"""Scoring every record on the terms the model knows, kept up to date column by column.

After each retrain every record is scored again: ``X @ w`` over all records. Only the
terms of screened records have a weight, a few tens of thousands of the shared terms,
but a row-wise product reads every entry of every row and gathers weights from a
vector as long as the vocabulary (cache misses at 100,000 records: 1.2 million terms).

:class:`ScoreColumns` keeps the columns of the terms the training rows use, in the
training rows' own column order, as a column-wise (CSC) block that grows as records
bring new terms. Scoring is then one product of that block with the compact weights:
no scatter into a vocabulary-long vector, no entries of weightless terms, writes into
a vector as long as the records. Measured here: van_de_Schoot_2017 (6,189 records)
2.2 ms a product row-wise, 1.2 ms with the block; 100,000 made-up records 54 ms and
22 ms.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from scopewise.screening.rankers.solver import _room

__all__ = ["ScoreColumns"]


class ScoreColumns:
    """The shared-term columns the training rows use, as a growing CSC block.

    Parameters
    ----------
    shared:
        The shared-term features of every record (any sparse format); columns
        ``>= shared.shape[1]`` of the training rows are private terms, never scored.
    """

    def __init__(self, shared: sp.spmatrix) -> None:
        self.source = sp.csc_matrix(shared)
        self.source.sort_indices()
        self.n_shared = shared.shape[1]
        self.reset()

    def reset(self) -> None:
        """Forget every column (the training rows were rebuilt)."""
        index = self.source.indices.dtype
        self.positions = np.empty(0, dtype=np.int64)  # compact columns that are shared
        self._data = np.empty(1024, dtype=self.source.dtype)
        self._indices = np.empty(1024, dtype=index)
        self._indptr = np.zeros(1024, dtype=np.int64)
        self._width = 0
        self._block: sp.csc_matrix | None = None

    def extend(self, columns: np.ndarray) -> None:
        """Take in the training rows' compact columns (feature ids, compact order) past
        the ones already known."""
        start = self._width
        fresh = np.asarray(columns[start:], dtype=np.int64)
        if fresh.size == 0:
            return
        shared = np.flatnonzero(fresh < self.n_shared)
        picked = fresh[shared]
        lo, hi = self.source.indptr[picked], self.source.indptr[picked + 1]
        counts = hi - lo
        n_cols = self.positions.size
        nnz = int(self._indptr[n_cols])
        end = nnz + int(counts.sum())
        self._data = _room(self._data, end)
        self._indices = _room(self._indices, end)
        self._indptr = _room(self._indptr, n_cols + picked.size + 1)
        if picked.size:
            offsets = np.repeat(lo - np.cumsum(np.concatenate([[0], counts[:-1]])), counts)
            take = np.arange(int(counts.sum())) + offsets
            self._data[nnz:end] = self.source.data[take]
            self._indices[nnz:end] = self.source.indices[take]
            self._indptr[n_cols + 1: n_cols + picked.size + 1] = nnz + np.cumsum(counts)
        self.positions = np.concatenate([self.positions, start + shared])
        self._width = columns.size
        self._block = None

    def scores(self, weights: np.ndarray) -> np.ndarray:
        """``shared @ w`` for compact weights ``weights`` (one per training column)."""
        if self._block is None:
            n_cols = self.positions.size
            nnz = int(self._indptr[n_cols])
            indptr = self._indptr[: n_cols + 1].astype(self._indices.dtype)
            self._block = sp.csc_matrix(
                (self._data[:nnz], self._indices[:nnz], indptr),
                shape=(self.source.shape[0], n_cols))
        w = np.asarray(weights[self.positions], dtype=self.source.dtype)
        result: np.ndarray = self._block @ w
        return result

