"""Pairwise evidence: how two records compare, field by field (rapidfuzz scores).

:func:`compare` turns two :class:`~scopewise.dedup.keys.MatchKeys` into a
:class:`PairEvidence`; the trap rules and the decision live in
:mod:`scopewise.dedup.rules`.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from rapidfuzz import fuzz
from rapidfuzz.distance import Levenshtein

from scopewise.dedup.keys import MatchKeys
from scopewise.dedup.pages import same_pages_damaged, same_part, same_range

__all__ = ["Field", "PairEvidence", "compare", "journals_compatible", "title_similarity"]


class Field(Enum):
    """How one field of two records compares."""

    SAME = "same"
    DIFFERENT = "different"
    MISSING = "missing"  # empty on at least one side

    @classmethod
    def of(cls, a: object, b: object) -> Field:
        if not a or not b:
            return cls.MISSING
        return cls.SAME if a == b else cls.DIFFERENT


@dataclass(frozen=True, slots=True)
class PairEvidence:
    """Field-by-field comparison of two records."""

    title: float  # 0..1 similarity of the full normalised titles; 0 when one is missing
    title_contained: bool  # one title is the other plus added words (subtitle, prefix)
    main_title: float  # 0..1 similarity of the titles without subtitles
    title_missing: bool
    authors: float  # 0..1 share of the shorter author list found in the longer
    first_author: Field
    author_counts_differ: bool  # both lists have >= 2 names and differ by more than one
    year_gap: int | None
    journal: Field  # SAME means compatible (abbreviations allowed)
    volume: Field
    issue: Field
    first_page: Field
    same_pages: bool  # one numeric range of two pages or more (an end page may be cut)
    pages_damaged: bool  # different page fields that can name the same pages (e-locator vs 1-6)
    doi: Field
    pmid: Field
    abstract: Field  # SAME when the abstracts begin alike, DIFFERENT when clearly not


def title_similarity(a: str, b: str) -> float:
    """0..1 similarity of two normalised titles (normalised Indel ratio)."""
    if not a or not b:
        return 0.0
    return fuzz.ratio(a, b) / 100.0


def _contained(a: MatchKeys, b: MatchKeys) -> bool:
    short, long_ = (a, b) if len(a.title) <= len(b.title) else (b, a)
    if len(short.title_words) < 4:
        return False
    if short.title in long_.title:
        return True
    long_words = set(long_.title_words)
    if sum(w in long_words for w in short.title_words) < 0.7 * len(short.title_words):
        return False
    # one typo allowed inside the shared part
    return fuzz.partial_ratio(short.title, long_.title, score_cutoff=97) >= 97


def _name_match(x: tuple[str, ...], y: tuple[str, ...]) -> bool:
    """Two authors match when a long part of one equals (or nearly) a part of the other."""
    for p in x:
        for q in y:
            if p == q or (
                len(p) >= 5 and len(q) >= 5 and Levenshtein.distance(p, q, score_cutoff=1) <= 1
            ):
                return True
            # "Bernd-Carsten" read as one part vs "Bernd Carsten"
            if len(p) >= 4 and len(q) >= 4 and (p.startswith(q) or q.startswith(p)):
                return True
    return False


def _author_overlap(a: MatchKeys, b: MatchKeys) -> float:
    """Share of the shorter author list found in the longer one."""
    short, long_ = (a, b) if len(a.authors) <= len(b.authors) else (b, a)
    parts = long_.author_parts
    found = 0
    for n, x in enumerate(short.authors[:30]):
        # exact name parts first; the fuzzy match (typos, joined names) for the first few
        if not parts.isdisjoint(x) or (n < 3 and any(_name_match(x, y) for y in long_.authors[:8])):
            found += 1
    return found / min(len(short.authors), 30)


def journals_compatible(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    """True when one journal name can be an abbreviation or variant of the other.

    Every word of the shorter name must start a word of the longer one, in order
    (``nat rev nephrol`` ~ ``nature reviews nephrology``); extra words in the longer
    name are allowed (``... conference 44th annual meeting``).
    """
    short, long_ = (a, b) if len(a) <= len(b) else (b, a)
    if len(a) == len(b) and _words_start(b, a):
        return True  # "new engl j med" ~ "new england journal medicine", either way round
    return _words_start(short, long_)


def _words_start(short: tuple[str, ...], long_: tuple[str, ...]) -> bool:
    i = 0
    for word in short:
        while i < len(long_) and not (
            long_[i].startswith(word) or (word.startswith(long_[i]) and len(long_[i]) >= 3)
        ):
            i += 1
        if i == len(long_):
            return _acronym(short, long_)
        i += 1
    return True


def _acronym(short: tuple[str, ...], long_: tuple[str, ...]) -> bool:
    """``amcis`` ~ ``americas conference information systems`` and similar."""
    return any(
        3 <= len(w) <= 8 and w.isalpha() and w not in long_ and _spells(w, long_) for w in short
    )


def _spells(word: str, long_: tuple[str, ...]) -> bool:
    """Letters of ``word`` are the starts of consecutive words of ``long_`` (3 or more),
    from its first word: AMCIS = AMericas Conference on Information Systems."""
    i = 0
    for used, w in enumerate(long_, start=1):
        j = 0
        while i < len(word) and j < len(w) and word[i] == w[j]:
            i += 1
            j += 1
        if j == 0:
            return False
        if i == len(word):
            return used >= 3
    return False


def _journals_same(a: MatchKeys, b: MatchKeys) -> bool:
    """Names compatible as written or as ISO 4 abbreviations, with or without their
    subtitles (``Transplantation: official journal of ...``)."""
    if journals_compatible(a.journal, b.journal):
        return True
    fa, fb = a.journal_forms, b.journal_forms
    if len(fa) < 2 or len(fb) < 2:
        return False
    if journals_compatible(fa[1], fb[1]):
        return True
    # the names before their subtitles (the name itself when it has none)
    return any(journals_compatible(x, y) for x in fa[-2:] for y in fb[-2:])


# Sections some exports put before the abstract (Web of Science keeps MDPI's "Simple
# Summary", PubMed does not), so two abstracts of one article begin differently.
_PREFACES = ("simple summary", "plain language summary", "lay summary", "highlights",
             "graphical abstract", "key points", "research highlights")  # fmt: skip


def _preface(abstract: str) -> bool:
    return abstract.startswith(_PREFACES)


def compare(a: MatchKeys, b: MatchKeys) -> PairEvidence:
    """Compare two records field by field."""
    title_missing = not a.title or not b.title
    title = title_similarity(a.title, b.title)
    main = title_similarity(a.main_title, b.main_title)
    contained = not title_missing and _contained(a, b)
    if a.authors and b.authors:
        authors = _author_overlap(a, b)
        first = Field.SAME if _name_match(a.authors[0], b.authors[0]) else Field.DIFFERENT
        if first is Field.DIFFERENT and len(b.authors) > 1 and len(a.authors) > 1:
            # "Reynoso, Gómez and Manuel, Juan" style splits shift names by one
            first = Field.DIFFERENT
        counts_differ = (
            min(len(a.authors), len(b.authors)) >= 2 and abs(len(a.authors) - len(b.authors)) > 1
        )
    else:
        authors, first, counts_differ = 0.0, Field.MISSING, False
    year_gap = abs(a.year - b.year) if a.year and b.year else None
    first_page = Field.of(a.first_page, b.first_page)
    if (
        first_page is Field.DIFFERENT
        and a.last_page
        and a.last_page == b.last_page
        and len(a.first_page) >= 3
        and Levenshtein.distance(a.first_page, b.first_page, score_cutoff=1) <= 1
    ):
        first_page = Field.SAME  # a typo in the first page, the last page agrees
    if first_page is Field.DIFFERENT and same_part(a.pages, b.pages):
        first_page = Field.SAME  # the parts of a page list in another order
    pages_damaged = first_page is Field.DIFFERENT and same_pages_damaged(a.pages, b.pages)
    if pages_damaged:
        first_page = Field.MISSING  # the same pages, written another way: no veto, no support
    same_pages = first_page is Field.SAME and (
        same_range(a.pages, b.pages)  # (a typo in the first page, the same last page:)
        or (
            a.first_page.isdigit()
            and a.last_page == b.last_page != ""
            and int(a.last_page) > int(a.first_page)
        )
    )
    if _preface(a.abstract) != _preface(b.abstract):
        abstract = Field.MISSING  # one export put a summary first: the starts say nothing
    elif a.abstract and b.abstract and min(len(a.abstract), len(b.abstract)) >= 100:
        n = min(len(a.abstract), len(b.abstract), 300)
        ratio = fuzz.ratio(a.abstract[:n], b.abstract[:n])
        abstract = Field.SAME if ratio >= 90 else Field.DIFFERENT if ratio < 60 else Field.MISSING
    else:
        abstract = Field.MISSING
    if a.journal and b.journal:
        journal = Field.SAME if _journals_same(a, b) else Field.DIFFERENT
    else:
        journal = Field.MISSING
    return PairEvidence(
        title=title,
        title_contained=contained,
        main_title=main,
        title_missing=title_missing,
        authors=authors,
        first_author=first,
        author_counts_differ=counts_differ,
        year_gap=year_gap,
        journal=journal,
        volume=Field.of(a.volume, b.volume),
        issue=Field.of(a.issue, b.issue),
        first_page=first_page,
        same_pages=same_pages,
        pages_damaged=pages_damaged,
        doi=Field.of(a.doi, b.doi),
        pmid=Field.of(a.pmid, b.pmid),
        abstract=abstract,
    )
