"""Candidate themes from the included sources' titles and abstracts.

The protocol's categories are the themes. Candidates only help a lead see groupings
the form may lack: non-negative matrix factorisation (scikit-learn's NMF) of TF-IDF
word and two-word features, each component labelled by its top terms and holding
the sources it weighs most. NMF rather than k-means because a source may belong to
several themes, as a multiple-choice category allows. The lead accepts, renames or
rejects each candidate; nothing becomes a theme by itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["CandidateTheme", "candidate_themes"]


@dataclass(frozen=True, slots=True)
class CandidateTheme:
    """A grouping found in the texts: its top terms, a label and its sources."""

    number: int
    label: str
    terms: tuple[str, ...]
    record_ids: tuple[int, ...]


def candidate_themes(
    texts: Sequence[tuple[int, str]],
    n_themes: int = 8,
    n_terms: int = 6,
    seed: int = 0,
) -> list[CandidateTheme]:
    """Cluster ``(record_id, text)`` pairs into at most ``n_themes`` candidate themes.

    Fewer themes come back when there are few sources (at most one per three
    sources) or the vocabulary is too small; an empty list when nothing can be said.
    """
    docs = [(rid, text) for rid, text in texts if text and text.strip()]
    k = min(n_themes, len(docs) // 3)
    if k < 2:
        return []
    import numpy as np
    from sklearn.decomposition import NMF
    from sklearn.feature_extraction.text import TfidfVectorizer

    vectorizer = TfidfVectorizer(
        stop_words="english",
        ngram_range=(1, 2),
        min_df=2,
        max_df=0.6,
        sublinear_tf=True,
        token_pattern=r"(?u)\b[a-zA-Z][a-zA-Z-]+\b",
    )
    try:
        matrix = vectorizer.fit_transform([text for _, text in docs])
    except ValueError:  # no term survives min_df/max_df
        return []
    if matrix.shape[1] < k * 2:
        return []
    model = NMF(n_components=k, init="nndsvda", random_state=seed, max_iter=400)
    weights = model.fit_transform(matrix)
    terms = vectorizer.get_feature_names_out()
    best = weights.argmax(axis=1)
    out: list[CandidateTheme] = []
    for number, component in enumerate(model.components_):
        top = [str(terms[i]) for i in np.argsort(component)[::-1][: n_terms * 2]]
        # drop a single word that a kept two-word term already contains
        kept: list[str] = []
        for term in top:
            if any(term in other.split() for other in top if " " in other and other != term):
                continue
            kept.append(term)
        kept = kept[:n_terms]
        members = tuple(
            sorted(
                docs[i][0] for i in range(len(docs)) if best[i] == number and weights[i, number] > 0
            )
        )
        if not members:
            continue
        out.append(
            CandidateTheme(
                number=len(out) + 1,
                label=", ".join(kept[:3]),
                terms=tuple(kept),
                record_ids=members,
            )
        )
    return out
