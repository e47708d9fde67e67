"""The own word n-gram TF-IDF gives scikit-learn's numbers, up to the column order."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer

from scopewise.screening.rankers.tfidf import WordTfidf, unit_rows

CORPUS = [
    "Peer support workers in mental health services: a scoping review.",
    "Peer support work and recovery; peer workers' roles in services.",
    "Randomised trial of cognitive therapy for depression in primary care.",
    "Café-based peer groups (naïve ÜBER words) and recovery colleges",
    "",
    "a b c",  # no token of two characters
    "Implementation of peer support work: barriers, facilitators, peer roles.",
]


def _aligned(ours: WordTfidf, theirs: TfidfVectorizer) -> np.ndarray:
    """Column of scikit-learn's matrix for each of our columns."""
    assert set(ours.vocabulary_) == set(theirs.vocabulary_)
    permutation = np.empty(len(theirs.vocabulary_), dtype=np.int64)
    for term, column in theirs.vocabulary_.items():
        permutation[ours.vocabulary_[term]] = column
    return permutation


@pytest.mark.parametrize(("ngram_range", "min_df", "max_df"), [
    ((1, 2), 1, 0.95), ((1, 1), 1, 1.0), ((1, 3), 2, 1.0), ((2, 2), 1, 0.5), ((1, 2), 0.2, 4),
])
def test_matches_scikit_learn(ngram_range: tuple[int, int], min_df: float, max_df: float) -> None:
    theirs = TfidfVectorizer(ngram_range=ngram_range, min_df=min_df, max_df=max_df,
                             sublinear_tf=True, dtype=np.float32)
    expected = theirs.fit_transform(CORPUS)
    ours = WordTfidf(ngram_range=ngram_range, min_df=min_df, max_df=max_df)
    got = ours.fit_transform(CORPUS)
    permutation = _aligned(ours, theirs)
    assert got.shape == expected.shape
    assert got.dtype == np.float32
    assert abs(expected[:, permutation] - got).max() < 1e-6
    query = ["peer support in primary care services, unknown zzzword recovery"]
    assert abs(theirs.transform(query)[:, permutation] - ours.transform(query)).max() < 1e-6


def test_rows_have_unit_length_and_empty_texts_stay_empty() -> None:
    matrix = WordTfidf().fit_transform(CORPUS)
    lengths = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
    assert np.allclose(lengths[[0, 1, 2, 3, 6]], 1.0, atol=1e-6)
    assert lengths[4] == 0 and lengths[5] == 0


def test_corpus_without_terms_gives_one_blank_column() -> None:
    vectoriser = WordTfidf()
    matrix = vectoriser.fit_transform(["", "a b", "!!"])
    assert matrix.shape == (3, 1) and matrix.nnz == 0
    assert vectoriser.transform(["peer support"]).shape == (1, 1)
    assert vectoriser.vocabulary_ == {}


def test_every_term_pruned_gives_one_blank_column() -> None:
    vectoriser = WordTfidf(max_df=0.5)
    matrix = vectoriser.fit_transform(["peer support", "peer support", "peer support"])
    assert matrix.shape == (3, 1) and matrix.nnz == 0


def test_text_of_unknown_words_is_a_blank_row() -> None:
    vectoriser = WordTfidf()
    vectoriser.fit_transform(CORPUS)
    row = vectoriser.transform(["zzz qqq"])
    assert row.shape == (1, vectoriser.n_features) and row.nnz == 0


def test_a_bigram_never_spans_two_records() -> None:
    vectoriser = WordTfidf(ngram_range=(2, 2))
    vectoriser.fit_transform(["peer support", "workers matter"])
    assert set(vectoriser.vocabulary_) == {"peer support", "workers matter"}


def test_custom_tokens_are_used_for_fitting_and_transforming() -> None:
    vectoriser = WordTfidf(ngram_range=(1, 1), tokens=lambda text: text.split("|"))
    vectoriser.fit_transform(["a|bb", "bb|c"])
    assert set(vectoriser.vocabulary_) == {"a", "bb", "c"}
    assert vectoriser.transform(["bb"]).nnz == 1


def test_bad_ngram_range_is_refused() -> None:
    with pytest.raises(ValueError, match="ngram_range"):
        WordTfidf(ngram_range=(2, 1))


def test_unit_rows_handles_trailing_empty_rows() -> None:
    matrix = sp.csr_matrix(np.array([[3.0, 4.0], [0.0, 0.0], [0.0, 0.0]], dtype=np.float32))
    scaled = unit_rows(matrix)
    assert np.allclose(scaled.toarray(), [[0.6, 0.8], [0, 0], [0, 0]])


def test_prefix_tokens_merge_inflections() -> None:
    from scopewise.screening.rankers.tfidf import PrefixTokens

    tokens = PrefixTokens(6)
    assert tokens("Screened SCREENING screen, interventions") == [
        "screen", "screen", "screen", "interv"]
    with pytest.raises(ValueError, match="at least 2"):
        PrefixTokens(1)


@pytest.mark.parametrize("length", [3, 6])
def test_prefixes_from_shared_word_ids_equal_tokenising_again(length: int) -> None:
    from scopewise.screening.rankers.tfidf import PrefixTokens

    prefixes = PrefixTokens(length)
    fast = WordTfidf(tokens=prefixes)  # numbered from the whole-word ids
    slow = WordTfidf(tokens=lambda text: prefixes(text))  # any other callable: tokenised
    a, b = fast.fit_transform(CORPUS), slow.fit_transform(CORPUS)
    assert fast.index_ == slow.index_
    np.testing.assert_array_equal(fast.codes_, slow.codes_)
    np.testing.assert_array_equal(a.toarray(), b.toarray())
    query = "peer supporters supporting services"
    np.testing.assert_array_equal(fast.transform([query]).toarray(),
                                  slow.transform([query]).toarray())


def test_word_ids_are_kept_for_the_last_corpus_only() -> None:
    from scopewise.screening.rankers.tfidf import default_tokens, word_ids

    first = word_ids(list(CORPUS))
    assert word_ids(list(CORPUS)) is first  # equal texts: not tokenised again
    ids, lengths, words = first
    assert lengths.tolist() == [len(default_tokens(t)) for t in CORPUS]
    assert [words[i] for i in ids] == [w for t in CORPUS for w in default_tokens(t)]
    other = word_ids(["another corpus entirely"])
    assert other is not first and other[2] == ["another", "corpus", "entirely"]
    assert word_ids(list(CORPUS)) is not first  # recomputed, and equal
    np.testing.assert_array_equal(word_ids(list(CORPUS))[0], ids)
