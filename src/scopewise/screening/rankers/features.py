"""Text features for rankers: word n-gram TF-IDF of the whole record plus a title block.

A title says more about what a study is than any single abstract sentence, so the
title is also vectorised on its own and appended with weight ``title_weight``; each
row is then scaled to unit length, so that ``X @ X.T`` is a cosine similarity.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp

from scopewise.records import Record
from scopewise.screening.rankers.base import record_text
from scopewise.screening.rankers.tfidf import PrefixTokens, WordTfidf, unit_rows

__all__ = ["TextFeatures"]


class TextFeatures:
    """Word n-gram TF-IDF features of records (unsupervised: fitted on all texts).

    Parameters
    ----------
    ngram_range:
        Word n-gram lengths.
    title_weight:
        Weight of the separate title block (0 leaves it out).
    min_df, max_df:
        Document-frequency bounds of the vocabulary.
    prefix:
        Cut every word to this many characters before forming n-grams
        (:class:`~scopewise.screening.rankers.tfidf.PrefixTokens`); ``None`` keeps
        whole words.
    """

    def __init__(self, ngram_range: tuple[int, int] = (1, 2), title_weight: float = 0.5,
                 min_df: int | float = 1, max_df: int | float = 0.95,
                 prefix: int | None = None) -> None:
        self.prefix = prefix
        self.ngram_range = ngram_range
        self.title_weight = title_weight
        self.min_df = min_df
        self.max_df = max_df

    def _vectorizer(self) -> WordTfidf:
        tokens = PrefixTokens(self.prefix) if self.prefix else None
        return WordTfidf(ngram_range=self.ngram_range, sublinear_tf=True, tokens=tokens,
                         min_df=self.min_df, max_df=self.max_df, dtype=np.float32)

    def fit_transform(self, records: Sequence[Record]) -> sp.csr_matrix:
        """Learn the vocabularies from ``records`` and return their feature rows."""
        texts = [record_text(record) for record in records]
        whole = [f"{title} {body}" for title, body in texts]
        self.whole_ = self._vectorizer()
        blocks = [self.whole_.fit_transform(whole)]
        self.title_ = None
        titles = [title for title, _ in texts]
        if self.title_weight > 0 and any(t.strip() for t in titles):
            self.title_ = self._vectorizer()
            blocks.append(self.title_weight * self.title_.fit_transform(titles))
        return unit_rows(sp.hstack(blocks, format="csr"))

    def transform_text(self, text: str) -> sp.csr_matrix:
        """One feature row for free text such as the review's criteria."""
        blocks = [self.whole_.transform([text]) if self.whole_ is not None else None]
        if self.title_ is not None:
            blocks.append(self.title_weight * self.title_.transform([text]))
        return unit_rows(sp.hstack([b for b in blocks if b is not None], format="csr"))


def split_shared_terms(matrix: sp.csr_matrix) -> tuple[sp.csr_matrix, sp.csr_matrix]:
    """Split features into terms shared by several records and terms of one record only.

    A term found in one record only can never move another record up or down, so
    ranking needs the shared block alone; training still uses both. The shared
    columns are ordered by document frequency, most frequent first, which keeps the
    weight lookups of ``shared @ weights`` close together in memory.
    """
    frequency = np.bincount(matrix.indices, minlength=matrix.shape[1])
    shared = np.flatnonzero(frequency >= 2)
    shared = shared[np.argsort(-frequency[shared], kind="stable")]
    private = np.flatnonzero(frequency == 1)
    shared_block: sp.csr_matrix = matrix[:, shared].tocsr()
    private_block: sp.csr_matrix = matrix[:, private].tocsr()
    shared_block.sort_indices()
    private_block.sort_indices()
    return shared_block, private_block
