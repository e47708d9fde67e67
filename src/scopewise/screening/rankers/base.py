"""The ranker interface every prioritisation model follows.

Rankers follow scikit-learn conventions: ``__init__`` only stores hyper-parameters,
``prepare`` learns unsupervised state from every record of the review (the text
features, never a label), ``fit`` learns from the records screened so far and returns
``self``, and learned state ends in ``_``. ``fit`` receives the positions of the
screened records in the prepared sequence and their decisions, nothing else, so a
ranker cannot read a label the reviewer has not given.
"""

from __future__ import annotations

import inspect
from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Any, ClassVar, Self

import numpy as np

from scopewise.records import Record

__all__ = ["Ranker", "record_text"]


def record_text(record: Record) -> tuple[str, str]:
    """The title and the body (abstract plus keywords) a ranker reads."""
    body = record.abstract
    if record.keywords:
        body = f"{body} {' '.join(record.keywords)}"
    return record.title or "", body or ""


class Ranker(ABC):
    """Orders the unscreened records, most likely relevant first.

    Subclasses set ``name`` (the registry name) and implement :meth:`prepare`,
    :meth:`fit` and :meth:`scores`.
    """

    name: ClassVar[str] = ""

    @abstractmethod
    def prepare(self, records: Sequence[Record], criteria: str | None = None) -> Self:
        """Learn the text features of all records (and of the criteria text).

        Parameters
        ----------
        records:
            Every record of the review, in a fixed order; later calls refer to
            records by their position here.
        criteria:
            The review's questions and eligibility criteria as plain text, for a
            cold start before any record is labelled.
        """

    @abstractmethod
    def fit(self, screened: np.ndarray, labels: np.ndarray) -> Self:
        """Learn from the screened records.

        Parameters
        ----------
        screened:
            Positions (into the prepared records) of the records screened so far.
        labels:
            The decision for each of them: 1 relevant, 0 irrelevant.
        """

    @abstractmethod
    def scores(self) -> np.ndarray:
        """Relevance score of every prepared record (higher means screen earlier)."""

    def word_rows(self) -> Any | None:
        """The records' word features (a sparse matrix, one row per prepared record),
        or ``None`` for a ranker that reads no words (a stopping rule's check falls back
        on its own)."""
        return None

    def next_record(self, unscreened: np.ndarray) -> int:
        """Position of the best unscreened record (``unscreened`` is a boolean mask)."""
        scores = np.where(unscreened, self.scores(), -np.inf)
        return int(np.argmax(scores))

    def ranking(self, unscreened: np.ndarray) -> np.ndarray:
        """Positions of the unscreened records, best first (ties: earlier position first)."""
        positions = np.flatnonzero(unscreened)
        order = np.argsort(-self.scores()[positions], kind="stable")
        return positions[order]

    def get_params(self) -> dict[str, Any]:
        """The hyper-parameters given to ``__init__`` (scikit-learn convention)."""
        signature = inspect.signature(type(self).__init__)
        return {
            name: getattr(self, name)
            for name in signature.parameters
            if name != "self" and hasattr(self, name)
        }

    def set_params(self, **params: Any) -> Self:
        """Set hyper-parameters by name (scikit-learn convention); an unknown name raises
        ``ValueError``. Settings read by :meth:`prepare` take effect at the next one."""
        known = inspect.signature(type(self).__init__).parameters
        for name, value in params.items():
            if name == "self" or name not in known:
                raise ValueError(f"{type(self).__name__} has no hyper-parameter {name!r}")
            setattr(self, name, value)
        return self

    def __repr__(self) -> str:
        params = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"{type(self).__name__}({params})"


def _check_fit_input(screened: np.ndarray, labels: np.ndarray, n_records: int) -> tuple[
    np.ndarray, np.ndarray
]:
    screened = np.asarray(screened, dtype=np.int64)
    labels = np.asarray(labels, dtype=np.int64)
    if screened.shape != labels.shape:
        raise ValueError("screened and labels must have the same length")
    if screened.size and (screened.min() < 0 or screened.max() >= n_records):
        raise ValueError("screened positions must refer to prepared records")
    return screened, labels
