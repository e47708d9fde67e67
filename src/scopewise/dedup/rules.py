"""The decision for one pair: sure duplicate, possible duplicate, or distinct.

Trap rules come first and are explicit, because each guards against a false merge a
reviewer would otherwise never see: errata, corrections, retractions, comments and
replies vs the original; conference abstract vs full paper; preprint vs published
version; Part 1 vs Part 2; the same title in different years (updated reviews,
annual introductions); records whose title or identifiers are missing.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from rapidfuzz import fuzz

from scopewise.dedup.keys import MatchKeys
from scopewise.dedup.links import linked
from scopewise.dedup.score import Field, PairEvidence, compare
from scopewise.dedup.verdict import Outcome, Verdict

__all__ = ["Outcome", "Verdict", "classify"]


_Verdictor = Callable[[Outcome, str], Verdict]

_COCHRANE_RE = re.compile(r"^10\.1002/14651858\.(cd\d+)")

_BIB_FIELDS = ("journal", "volume", "issue", "first_page")


def cochrane_id(doi: str) -> str:
    """``cd002273`` for any version (``.pub2``, ``.pub3``) of a Cochrane review DOI."""
    match = _COCHRANE_RE.match(doi)
    return match.group(1) if match else ""


def _score(ev: PairEvidence, ids_same: bool) -> float:
    bib = [getattr(ev, f) for f in _BIB_FIELDS]
    known = [f for f in bib if f is not Field.MISSING]
    bib_share = sum(f is Field.SAME for f in known) / len(known) if known else 0.5
    year = 1.0 if ev.year_gap == 0 else 0.5 if ev.year_gap in (None, 1) else 0.0
    title = max(ev.title, 0.95 if ev.title_contained else 0.0)
    score = 0.5 * title + 0.2 * ev.authors + 0.1 * year + 0.2 * bib_share
    return max(score, 0.99) if ids_same and ev.title >= 0.9 else score


def _fields(ev: PairEvidence, ids_same: bool) -> tuple[tuple[str, ...], tuple[str, ...]]:
    matched, differs = [], []
    for name in ("doi", "pmid", "first_author", *_BIB_FIELDS):
        value = getattr(ev, name)
        if value is Field.SAME:
            matched.append(name)
        elif value is Field.DIFFERENT:
            differs.append(name)
    if ids_same and "doi" in differs:
        differs.remove("doi")
        matched.append("cochrane_review")
    if ev.year_gap == 0:
        matched.append("year")
    elif ev.year_gap:
        differs.append("year")
    if ev.title >= 0.95:
        matched.insert(0, "title")
    return tuple(matched), tuple(differs)


def _trap(a: MatchKeys, b: MatchKeys, ev: PairEvidence, ids_same: bool) -> str:
    """Name of the trap rule that makes the pair distinct, or ``""``."""
    if bool(a.notice) != bool(b.notice) and not _supported(ev):
        # (the same notice indexed twice, once without its "Erratum:" prefix, shares pages)
        return "erratum, correction, retraction, comment or reply vs the original"
    if a.part != b.part and a.part and b.part:
        return "different part numbers (Part 1 / Part 2)"
    if a.preprint != b.preprint:
        published = b if a.preprint else a
        if published.doi or published.volume:
            return "preprint vs published version"
    if ev.doi is Field.DIFFERENT and not ids_same:
        return "different DOIs"
    if ev.pmid is Field.DIFFERENT:
        return "different PubMed IDs"
    numbers_differ = a.title_numbers and b.title_numbers and a.title_numbers != b.title_numbers
    if numbers_differ and not (ids_same and ev.title >= 0.9) and not _supported(ev):
        return "different numbers in the titles"
    if ev.year_gap is not None and ev.year_gap > 1 and not ids_same:
        return "same title in different years (an update or a new edition)"
    return ""


def _clearly_different(a: MatchKeys, b: MatchKeys) -> bool:
    """Cheap screen before the full comparison: different titles and nothing shared
    that a rule could still use (identifiers, page ranges, one title inside the other)."""
    if not a.title or not b.title:
        return False
    if (a.doi and a.doi == b.doi) or (a.pmid and a.pmid == b.pmid):
        return False
    if a.doi.startswith("10.1002/14651858") and b.doi.startswith("10.1002/14651858"):
        return False
    if a.first_page and a.first_page == b.first_page:
        return False
    if fuzz.ratio(a.title, b.title, score_cutoff=60) >= 60:
        return False
    if fuzz.ratio(a.main_title, b.main_title, score_cutoff=90) >= 90:
        return False
    short, long_ = (a, b) if len(a.title_words) <= len(b.title_words) else (b, a)
    long_words = set(long_.title_words)
    shared = sum(w in long_words for w in short.title_words)
    return shared < 0.7 * len(short.title_words)


def _supported(ev: PairEvidence) -> bool:
    """Volume and first page agree: the strongest evidence short of an identifier."""
    return ev.volume is Field.SAME and ev.first_page is Field.SAME


def _online_first(a: MatchKeys, b: MatchKeys, ev: PairEvidence) -> bool:
    """An online-first record (no volume/issue yet, often pages 1-n) and its issue version.

    Also conference papers whose proceedings appear the year after the meeting.
    """
    if ev.year_gap != 1 or a.conference != b.conference:
        return False
    if ev.journal is not Field.SAME and not (a.conference and not (a.doi or b.doi)):
        return False
    return (not a.volume and not a.issue) or (not b.volume and not b.issue)


def _venues_conflict(a: MatchKeys, b: MatchKeys, ev: PairEvidence) -> bool:
    """Journal names that cannot be variants of each other.

    Two conference papers are exempt: one meeting is named by its series, its
    acronym, its proceedings volume or its publisher, and the names rarely agree.
    """
    return ev.journal is Field.DIFFERENT and not (a.conference and b.conference)


def _numeric_pages(a: MatchKeys) -> bool:
    # Roman front-matter pages (iii) repeat in every issue; numbers do not.
    return a.first_page.isdigit()


def _conflicts(a: MatchKeys, b: MatchKeys, ev: PairEvidence) -> list[str]:
    out: list[str] = []
    supported = _supported(ev)
    if (ev.first_author is Field.DIFFERENT and ev.authors < 0.5) or (
        ev.author_counts_differ and ev.authors < 0.8
    ):
        out.append("authors")
    if _venues_conflict(a, b, ev) and not supported:
        out.append("journal")
    if ev.volume is Field.DIFFERENT:
        out.append("volume")
    if ev.first_page is Field.DIFFERENT and not _online_first(a, b, ev):
        out.append("first_page")
    if ev.issue is Field.DIFFERENT and not (supported and _numeric_pages(a)):
        out.append("issue")
    if ev.abstract is Field.DIFFERENT and not supported:
        out.append("abstract")
    if a.conference != b.conference and not supported and ev.journal is not Field.SAME:
        out.append("conference vs journal")
    return out


def classify(a: MatchKeys, b: MatchKeys, ev: PairEvidence | None = None) -> Verdict:
    """Decide whether two records are the same bibliographic record.

    Parameters
    ----------
    a, b:
        Match keys of the two records.
    ev:
        Their comparison, when already computed.
    """
    if ev is None:
        if _clearly_different(a, b):
            return Verdict(Outcome.DISTINCT, "different titles", 0.0)
        ev = compare(a, b)
    cochrane = bool(ev.doi is Field.DIFFERENT and cochrane_id(a.doi) == cochrane_id(b.doi) != "")
    ids_same = ev.doi is Field.SAME or ev.pmid is Field.SAME or cochrane
    score = _score(ev, ids_same)
    matched, differs = _fields(ev, ids_same)
    detail = {"title_similarity": round(ev.title, 3), "author_overlap": round(ev.authors, 3)}

    def verdict(outcome: Outcome, rule: str) -> Verdict:
        return Verdict(outcome, rule, score, matched, differs, detail)

    link = linked(a, b, ev)
    if link is not None:
        outcome, rule, extra = link
        return Verdict(outcome, rule, score, matched, differs, {**detail, **extra})

    trap = _trap(a, b, ev, ids_same)
    if trap:
        return verdict(Outcome.DISTINCT, trap)

    if ev.title_missing:
        return _missing_title(a, b, ev, ids_same, verdict)

    title_close = ev.title >= 0.9 or ev.title_contained or ev.main_title >= 0.97
    conflicts = _conflicts(a, b, ev)
    author_ok = ev.first_author is not Field.DIFFERENT or ev.authors >= 0.5

    if (a.generic_title or b.generic_title) and not ids_same:
        return _generic_title(a, ev, verdict)

    if ids_same:
        what = "same Cochrane review" if cochrane else "same DOI/PMID"
        if ev.title >= 0.9 or (title_close and author_ok):
            if ev.year_gap is None or ev.year_gap <= 1:
                return verdict(Outcome.SURE, f"{what} and title")
            return verdict(Outcome.POSSIBLE, f"{what}, but years differ")
        if ev.title >= 0.6 or (ev.main_title >= 0.9 and author_ok):
            return verdict(Outcome.POSSIBLE, f"{what}, titles differ")
        return verdict(Outcome.DISTINCT, f"{what}, but the titles are different works")

    if not title_close:
        if (
            ev.same_pages
            and ev.journal is Field.SAME
            and ev.volume is Field.SAME
            and ev.issue is not Field.DIFFERENT
            and ev.year_gap == 0
            and ev.first_author is Field.SAME
        ):
            return verdict(
                Outcome.SURE, "same journal, volume, pages and authors (translated title)"
            )
        if _translated_same_place(a, b, ev):
            return verdict(
                Outcome.SURE, "same journal, volume, first page and all authors (translated title)"
            )
        if ev.title >= 0.8 and author_ok and (_supported(ev) or len(conflicts) == 0):
            return verdict(Outcome.POSSIBLE, "similar titles, other fields agree")
        return verdict(Outcome.DISTINCT, "different titles")

    if ev.year_gap is not None and ev.year_gap == 1:
        exact_people = ev.authors >= 0.99 and len(a.authors) == len(b.authors)
        if ev.title >= 0.97 and exact_people and not conflicts and _online_first(a, b, ev):
            return verdict(Outcome.SURE, "online-first and issue versions")
        if _supported(ev) and ev.title >= 0.95 and author_ok:
            return verdict(Outcome.SURE, "title, volume and first page (years one apart)")
        if (
            ev.title >= 0.97
            and exact_people
            and ev.journal is Field.SAME
            and ev.volume is Field.SAME
            and ev.issue is Field.SAME
            and ev.first_page is not Field.DIFFERENT
        ):
            return verdict(
                Outcome.SURE, "title, authors, journal volume and issue (years one apart)"
            )
        if conflicts:
            return verdict(
                Outcome.DISTINCT,
                "similar titles one year apart, " + ", ".join(conflicts) + " differ",
            )
        return verdict(Outcome.POSSIBLE, "similar titles one year apart")

    if conflicts:
        if _supported(ev) and author_ok and ev.title >= 0.95 and conflicts == ["journal"]:
            return verdict(Outcome.SURE, "title, volume and first page")
        if (
            conflicts == ["journal"]
            and ev.volume is Field.SAME
            and ev.issue is Field.SAME
            and ev.title >= 0.97
            and ev.authors >= 0.99
            and not ev.author_counts_differ
        ):
            return verdict(Outcome.SURE, "title, authors, volume and issue (journal name varies)")
        differ = ", ".join(conflicts)
        if len(conflicts) >= 4 or ("authors" in conflicts and len(conflicts) >= 2):
            return verdict(Outcome.DISTINCT, f"similar titles, but {differ} differ")
        return verdict(Outcome.POSSIBLE, f"similar titles, but {differ} differ")

    long_title = ev.title >= 0.97 and min(len(a.title_words), len(b.title_words)) >= 6
    if not author_ok:
        return verdict(Outcome.POSSIBLE, "similar titles, authors differ")
    if ev.first_author is Field.MISSING and not _supported(ev):
        if ev.title >= 0.95 and ev.abstract is Field.SAME and ev.year_gap in (0, None):
            return verdict(Outcome.SURE, "title and abstract; authors unknown")
        if long_title and ev.year_gap == 0:
            return verdict(Outcome.SURE, "long title and year; authors unknown, nothing differs")
        return verdict(Outcome.POSSIBLE, "similar titles, authors unknown")
    if ev.year_gap is None and not _supported(ev):
        same_people = ev.authors >= 0.99 and len(a.authors) == len(b.authors)
        if long_title and same_people:
            return verdict(Outcome.SURE, "long title and all authors; year unknown")
        return verdict(Outcome.POSSIBLE, "similar titles, year unknown")
    if ev.title >= 0.95 or _supported(ev):
        return verdict(Outcome.SURE, "title, authors and year")
    if ev.title_contained and ev.first_page is Field.SAME and ev.authors >= 0.8:
        return verdict(Outcome.SURE, "title with subtitle added, authors, year and first page")
    same_people = len(a.authors) == len(b.authors) and ev.authors >= 0.99
    if ev.title_contained and same_people and (len(a.authors) >= 2 or ev.journal is Field.SAME):
        return verdict(Outcome.SURE, "title with subtitle added, all authors and year")
    if ev.main_title >= 0.97 and ev.journal is Field.SAME and ev.first_page is not Field.MISSING:
        return verdict(Outcome.SURE, "title without subtitle, authors, year and source")
    if (
        ev.pages_damaged
        and ev.journal is Field.SAME
        and ev.volume is Field.SAME
        and ev.issue is not Field.DIFFERENT
        and ev.authors >= 0.8
    ):
        # e12724 vs 1-6: the pages neither confirm nor veto what the rest supports
        return verdict(
            Outcome.SURE,
            "title, authors, year, journal and volume; page fields written differently",
        )
    return verdict(Outcome.POSSIBLE, "similar titles, authors and year")


def _translated_same_place(a: MatchKeys, b: MatchKeys, ev: PairEvidence) -> bool:
    """A bracketed translated title against another translation of it: the words
    differ, so only the place of printing and every author can tie the two."""
    return (
        (a.translated or b.translated)
        and ev.title >= 0.6
        and _supported(ev)
        and _numeric_pages(a)
        and ev.journal is Field.SAME
        and ev.issue is not Field.DIFFERENT
        and ev.year_gap == 0
        and ev.first_author is Field.SAME
        and ev.authors >= 0.99
        and not ev.author_counts_differ
        and not (a.notice or b.notice)
    )


def _generic_title(a: MatchKeys, ev: PairEvidence, verdict: _Verdictor) -> Verdict:
    """Generic titles ("Editorial", "Book review"): only the journal issue and pages can tell them apart."""
    full = (
        _supported(ev)
        and _numeric_pages(a)
        and ev.issue is not Field.DIFFERENT
        and ev.journal is not Field.DIFFERENT
        and ev.year_gap == 0
    )
    if full and ev.title >= 0.9 and ev.first_author is not Field.DIFFERENT:
        return verdict(Outcome.SURE, "generic title, same issue and pages")
    if ev.title >= 0.9 and ev.first_author is Field.SAME and ev.year_gap == 0:
        return verdict(Outcome.POSSIBLE, "generic title, same authors and year")
    return verdict(Outcome.DISTINCT, "generic title, nothing else ties them")


def _missing_title(
    a: MatchKeys, b: MatchKeys, ev: PairEvidence, ids_same: bool, verdict: _Verdictor
) -> Verdict:
    """A record without a title is never merged on its other fields alone."""
    author_ok = ev.first_author is Field.SAME
    if ids_same and author_ok and (ev.year_gap or 0) == 0 and not _conflicts(a, b, ev):
        return verdict(Outcome.SURE, "same DOI/PMID, authors and year; one title missing")
    if (
        ids_same or (_supported(ev) and ev.year_gap == 0 and ev.journal is Field.SAME)
    ) and author_ok:
        return verdict(Outcome.POSSIBLE, "title missing; other fields agree")
    return verdict(Outcome.DISTINCT, "title missing")
