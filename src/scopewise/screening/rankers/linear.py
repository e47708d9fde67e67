"""Built-in rankers: linear models on TF-IDF features, a criteria-only ranker, random.

``warm-svm`` is a class-weighted linear SVM on word n-gram TF-IDF, retrained after
every decision by a warm-started solver, with a protocol-aware cold start: until both
a relevant and an irrelevant decision are known it ranks by similarity to the
review's criteria text (and to the records already found), then by the model alone.
The default ranker ``scopewise`` (:mod:`~scopewise.screening.rankers.ensemble`)
averages two of them. ``svm`` reproduces the configuration of ASReview's ELAS u4
(for comparison).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Self

import numpy as np
import scipy.sparse as sp

from scopewise.records import Record
from scopewise.screening.rankers.base import Ranker, _check_fit_input
from scopewise.screening.rankers.features import TextFeatures, split_shared_terms
from scopewise.screening.rankers.row_span import solve_in_row_span, weights_of
from scopewise.screening.rankers.scoring import ScoreColumns
from scopewise.screening.rankers.solver import TrainingRows, has_repeats
from scopewise.screening.rankers.split_gram import SplitGram

__all__ = ["CriteriaRanker", "RandomRanker", "SVMRanker", "WarmSVMRanker"]


def _standardise(values: np.ndarray) -> np.ndarray:
    centred = np.asarray(values, dtype=np.float64) - float(values.mean())
    spread = float(centred.std())
    return centred / spread if spread > 0 else centred


def _one_class(features: Any, base: np.ndarray, screened: np.ndarray,
               labels: np.ndarray) -> np.ndarray:
    """Scores while only one class is known: ``base`` plus similarity to the centroid of
    the relevant records found, or minus half the similarity to the irrelevant ones.

    ``features`` is a sparse or dense matrix with one row per record.
    """
    if screened.size == 0:
        return base.copy()
    relevant = screened[labels == 1]
    if relevant.size:
        centroid = np.asarray(features[relevant].mean(axis=0)).ravel()
        toward: np.ndarray = _standardise(features @ centroid) + base
        return toward
    centroid = np.asarray(features[screened].mean(axis=0)).ravel()
    away: np.ndarray = base - 0.5 * _standardise(features @ centroid)
    return away


def _class_weights(labels: np.ndarray, ratio: float) -> np.ndarray:
    """ELAS u4's sample weights: relevant 1, irrelevant ``relevant / (ratio * irrelevant)``,
    rescaled to a mean of 1."""
    n_relevant = labels.sum()
    weights = np.where(labels == 1, 1.0, n_relevant / (ratio * (labels.size - n_relevant)))
    weights *= labels.size / weights.sum()
    return weights


def _blend_criteria(scores: np.ndarray, similarity: np.ndarray | None, criteria_weight: float,
                    fade: float, labels: np.ndarray) -> np.ndarray:
    """``scores`` standardised plus the criteria similarity, its weight fading as relevant
    records are found; ``scores`` unchanged until both classes are known (or no blend)."""
    if (similarity is None or not criteria_weight or not np.size(labels)
            or np.min(labels) == np.max(labels)):
        return scores
    weight = criteria_weight * fade / (fade + float(np.sum(labels)))
    blended: np.ndarray = _standardise(scores) + weight * similarity
    return blended


class _TextRanker(Ranker):
    """Shared ``prepare``: features of every record and the criteria similarity."""

    title_weight: float = 0.0
    ngram_range: tuple[int, int] = (1, 2)
    prefix: int | None = None

    def prepare(self, records: Sequence[Record], criteria: str | None = None) -> Self:
        self.features_ = TextFeatures(ngram_range=tuple(self.ngram_range),  # type: ignore[arg-type]
                                      title_weight=self.title_weight, prefix=self.prefix)
        features = self.features_.fit_transform(records)
        # X_: terms shared by two or more records (enough to rank); X_private_: the rest
        self.X_, self.X_private_ = split_shared_terms(features)
        self.criteria_similarity_: np.ndarray | None = None
        if criteria and criteria.strip():
            query = self.features_.transform_text(criteria)
            similarity = np.asarray((features @ query.T).todense()).ravel()
            if similarity.any():
                self.criteria_similarity_ = _standardise(similarity)
        self.scores_ = (self.criteria_similarity_.copy() if self.criteria_similarity_ is not None
                        else np.zeros(self.X_.shape[0]))
        return self

    def word_rows(self) -> Any:
        return sp.hstack([self.X_, self.X_private_], format="csr")

    def scores(self) -> np.ndarray:
        return self.scores_

    def _one_class_scores(self, screened: np.ndarray, labels: np.ndarray) -> np.ndarray:
        """Before both decisions are known: similarity to what was found, or away from it."""
        base = (self.criteria_similarity_ if self.criteria_similarity_ is not None
                else np.zeros(self.X_.shape[0]))
        return _one_class(self.X_, base, screened, labels)


class SVMRanker(_TextRanker):
    """Linear SVM on word 1-2-gram TF-IDF, irrelevant records down-weighted.

    With the defaults this is the configuration of ASReview's ELAS u4 (squared hinge
    loss, ``C = 0.11``, balanced sample weights with ``ratio = 9.8``, no title block).

    Parameters
    ----------
    C:
        Inverse regularisation strength.
    ratio:
        Irrelevant records weigh ``relevant / (ratio * irrelevant)`` each.
    title_weight:
        Weight of the separate title block of the features.
    ngram_range:
        Word n-gram lengths.
    tol:
        Stopping tolerance of the solver.
    solver:
        ``"liblinear"`` (a fresh ``LinearSVC`` fit after every decision, as ASReview
        does) or ``"warm"`` (the same objective solved by a truncated Newton method
        started from the previous weights: much less work per decision).
    gram:
        How the warm solver multiplies by the training rows' Gram matrix past
        :data:`~scopewise.screening.rankers.solver.GRAM_LIMIT` rows: ``"full"`` (two
        sparse products over every term) or ``"split"`` (each record's private terms
        as a diagonal, :mod:`~scopewise.screening.rankers.split_gram`: the same model
        to rounding at less than half the cost, but not bit for bit; the background
        ranking worker of the web app uses it, simulations keep ``"full"``).
    """

    name = "svm"

    def __init__(self, C: float = 0.11, ratio: float = 9.8, title_weight: float = 0.0,
                 ngram_range: tuple[int, int] = (1, 2), tol: float = 1e-4,
                 solver: str = "liblinear", gram: str = "full") -> None:
        self.C = C
        self.ratio = ratio
        self.title_weight = title_weight
        self.ngram_range = ngram_range
        self.tol = tol
        self.solver = solver
        self.gram = gram

    def prepare(self, records: Sequence[Record], criteria: str | None = None) -> Self:
        super().prepare(records, criteria)
        if self.solver not in ("liblinear", "warm"):
            raise ValueError(f"unknown solver {self.solver!r}: use 'liblinear' or 'warm'")
        if self.gram not in ("full", "split"):
            raise ValueError(f"unknown gram {self.gram!r}: use 'full' or 'split'")
        if self.solver == "warm":
            self._start_warm()
        return self

    def _start_warm(self) -> None:
        """Fresh state of the warm-started solver for the features ``X_``, ``X_private_``."""
        # all training columns (shared, then private) once, in float64
        self.training_ = TrainingRows(sp.hstack([self.X_, self.X_private_], format="csr",
                                                dtype=np.float64))
        self.score_columns_ = ScoreColumns(self.X_)
        self.warm_scores_: np.ndarray | None = None  # X_ @ shared_weights_, once known
        self.split_gram_: SplitGram | None = None  # made when ``gram="split"`` first needs it

    @property
    def shared_weights_(self) -> np.ndarray:
        """The warm-started weight of every shared term (0: no screened record has it)."""
        training = self.training_
        weights = np.zeros(self.X_.shape[1], dtype=np.float32)
        shared = training.columns < self.X_.shape[1]
        weights[training.columns[shared]] = training.weights[:-1][shared]
        return weights

    def _warm_weights(self, screened: np.ndarray, labels: np.ndarray,
                      weights: np.ndarray) -> bool:
        """Update the shared-term weights with the warm-started solver; True if they moved.

        Right after a decision the previous weights often still meet the tolerance;
        then the solver takes no step and every score stays what it was.
        """
        training = self.training_
        rebuilds = training.rebuilds
        rows, slot = training.update(screened)
        if training.rebuilds != rebuilds:  # rows rebuilt: no old weight carries over
            self.score_columns_.reset()
            self.warm_scores_ = None
        self.score_columns_.extend(training.columns)
        row_labels = np.empty_like(labels)
        row_labels[slot] = labels
        row_weights = np.empty_like(weights)
        row_weights[slot] = weights
        # the solver's tolerance scale, from per-class sums kept up to date row by row
        irrelevant_sum, relevant_sum = training.class_sums(row_labels)
        relevant_weight = float(weights[labels == 1][0])
        irrelevant_weight = float(weights[labels == 0][0])
        at_zero = 2.0 * self.C * (relevant_weight * relevant_sum
                                  - irrelevant_weight * irrelevant_sum)
        start = training.coefficients
        start_decision = training.start_decision(rows)
        gram_matrix = training.gram_matrix(rows)
        split = self._split_gram() if gram_matrix is None and self.gram == "split" else None
        coefficients, training.decision = solve_in_row_span(
            rows, row_labels, row_weights, self.C, start, tol=self.tol,
            gradient_at_zero=at_zero, start_decision=start_decision,
            gram_matrix=gram_matrix, gram_product=split)
        moved = not np.array_equal(coefficients, start)
        training.coefficients = coefficients
        if moved:
            training.weights = (weights_of(rows, coefficients) if split is None
                                else split.weights(coefficients))
        return moved

    def _split_gram(self) -> SplitGram:
        """The split Gram products of the training rows, brought up to date."""
        split = getattr(self, "split_gram_", None)
        if split is None or split.training is not self.training_:
            split = self.split_gram_ = SplitGram(self.training_, self.X_.shape[1])
        split.update()
        return split

    def _model_scores(self, screened: np.ndarray, labels: np.ndarray) -> np.ndarray:
        weights = _class_weights(labels, self.ratio)
        if self.solver == "warm" and not has_repeats(screened, self.X_.shape[0]):
            moved = self._warm_weights(screened, labels, weights)
            if moved or self.warm_scores_ is None:
                self.warm_scores_ = self.score_columns_.scores(self.training_.weights[:-1])
            warm: np.ndarray = self.warm_scores_
            return warm
        shared = self.X_[screened]
        # only terms of screened records can get a weight: train on those columns alone
        used = np.zeros(self.X_.shape[1], dtype=bool)
        used[shared.indices] = True
        columns = np.flatnonzero(used)
        compact = sp.hstack([shared[:, columns], self.X_private_[screened]], format="csr")
        from sklearn.svm import LinearSVC  # only this solver needs it (0.15 s to import)

        model = LinearSVC(C=self.C, loss="squared_hinge", tol=self.tol)
        model.fit(compact.astype(np.float64), labels, sample_weight=weights)
        self.model_ = model
        weight = np.zeros(self.X_.shape[1], dtype=np.float32)
        weight[columns] = model.coef_.ravel()[: columns.size]
        scores: np.ndarray = self.X_ @ weight
        return scores

    def fit(self, screened: np.ndarray, labels: np.ndarray) -> Self:
        screened, labels = _check_fit_input(screened, labels, self.X_.shape[0])
        if labels.size == 0 or labels.min() == labels.max():
            self.scores_ = self._one_class_scores(screened, labels)
        else:
            self.scores_ = self._model_scores(screened, labels)
        return self


class WarmSVMRanker(SVMRanker):
    """:class:`SVMRanker` warm-started, on 6-character word prefixes, with a criteria prior.

    One member of the default ranker
    (:class:`~scopewise.screening.rankers.ensemble.ScopewiseRanker`, which blends a
    whole-word and a 6-character model); on its own it is ``warm-svm``.

    A separate title block (``title_weight > 0``) helped on 6 datasets but lowered
    mean WSS@95 over all 20 benchmark datasets (0.393 at 0.5, 0.400 at 0.25, 0.402
    without), so it is off by default.

    Words are cut to their first six characters before the word 1-2-grams are
    formed (truncation stemming: "screened" and "screening" are one term). Over the
    20 benchmark datasets x 5 seeds this raised mean WSS@95 from 0.398 to 0.420
    against whole words (cut to 5: 0.415; a suffix stripper capped at 7: 0.417;
    whole words plus 5-character prefixes as a second block: 0.408; a rank-average
    ensemble of the whole-word and 6-character models: 0.413 at 2.5x the CPU;
    English stop words removed: 0.367).

    The criteria similarity (TF-IDF cosine between each record and the review's
    questions and criteria) leads the cold start: it ranks the records until both a
    relevant and an irrelevant decision are known. After that it can be added to the
    model's standardised scores with weight
    ``criteria_weight * fade / (fade + relevant found)``; that blend is off by default
    (``criteria_weight = 0``). Screening from the criteria alone (no prior records)
    with the blend at weight 1 ended 0.077 WSS@95 below the 1+1 start on
    scoping_solastalgia (the blend kept pulling the order towards records that share
    the criteria's words, and the last relevant record does not); without it all three
    datasets with a criteria file were within 0.02 of their 1+1 result.

    The model is retrained after every decision with the warm-started solver
    (:mod:`~scopewise.screening.rankers.solver`), which solves ELAS u4's objective
    from the previous weights to a relative gradient tolerance of ``tol``.

    Parameters
    ----------
    C, ratio, title_weight, ngram_range, tol, solver, gram:
        As for :class:`SVMRanker`.
    prefix:
        Words are cut to their first ``prefix`` characters before the n-grams are
        formed (``None``: whole words, as ELAS u4).
    criteria_weight:
        Weight of the criteria similarity blended into the model's scores once both
        classes are known (0: the criteria lead the cold start only).
    fade:
        Relevant records after which the criteria weight has halved.
    """

    name = "warm-svm"

    def __init__(self, C: float = 0.11, ratio: float = 9.8, title_weight: float = 0.0,
                 ngram_range: tuple[int, int] = (1, 2), criteria_weight: float = 0.0,
                 fade: float = 3.0, tol: float = 1e-3, solver: str = "warm",
                 prefix: int | None = 6, gram: str = "full") -> None:
        super().__init__(C=C, ratio=ratio, title_weight=title_weight, ngram_range=ngram_range,
                         tol=tol, solver=solver, gram=gram)
        self.prefix = prefix
        self.criteria_weight = criteria_weight
        self.fade = fade

    def fit(self, screened: np.ndarray, labels: np.ndarray) -> Self:
        super().fit(screened, labels)
        self.scores_ = _blend_criteria(self.scores_, self.criteria_similarity_,
                                       self.criteria_weight, self.fade, labels)
        return self


class CriteriaRanker(_TextRanker):
    """Similarity to the criteria text, refined by relevance feedback (Rocchio).

    Needs no model training: useful as a cold start and as a baseline.
    """

    name = "criteria"

    def __init__(self, title_weight: float = 0.5, ngram_range: tuple[int, int] = (1, 2)) -> None:
        self.title_weight = title_weight
        self.ngram_range = ngram_range

    def fit(self, screened: np.ndarray, labels: np.ndarray) -> Self:
        screened, labels = _check_fit_input(screened, labels, self.X_.shape[0])
        scores = self._one_class_scores(screened[labels == 1], labels[labels == 1])
        irrelevant = screened[labels == 0]
        if irrelevant.size:
            centroid = np.asarray(sp.csr_matrix(self.X_[irrelevant]).mean(axis=0)).ravel()
            scores = scores - 0.25 * _standardise(self.X_ @ centroid)
        self.scores_ = scores
        return self


class RandomRanker(Ranker):
    """Screens in a random order (the baseline that WSS compares against)."""

    name = "random"

    def __init__(self, seed: int = 0) -> None:
        self.seed = seed

    def prepare(self, records: Sequence[Record], criteria: str | None = None) -> Self:
        self.scores_ = np.random.default_rng(self.seed).random(len(records))
        return self

    def fit(self, screened: np.ndarray, labels: np.ndarray) -> Self:
        _check_fit_input(screened, labels, self.scores_.size)
        return self

    def scores(self) -> np.ndarray:
        return self.scores_
