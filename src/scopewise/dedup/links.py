"""Sure links between records the trap rules would otherwise keep apart.

Each rule here names a situation in which two records that differ (a notice and its
article, one article printed in two issues, one abstract in two supplements) are
still one bibliographic record for a review: PRISMA counts the study once, and the
merged record keeps every member and shows which of them is a notice. Every rule
asks for more than a similar title: the same journal and volume, a citation, the
same issue with the next page, or the whole author list and abstract.

:func:`linked` returns the rule that applies, with its detail, or ``None``.
"""

from __future__ import annotations

from typing import Any

from scopewise.dedup.keys import MatchKeys
from scopewise.dedup.score import Field, PairEvidence
from scopewise.dedup.verdict import Outcome

Link = tuple[Outcome, str]

__all__ = ["linked"]

# Notices that belong to the article they are about (a comment is a separate article).
_ATTACHED = {
    "erratum": "erratum or correction notice",
    "retraction": "RETRACTION notice",
    "concern": "expression of concern",
}


def _same_subject(a: MatchKeys, b: MatchKeys, ev: PairEvidence, *, exact: bool) -> bool:
    """Titles that name the same article: nearly equal (or, unless ``exact``, one the
    other plus a tail such as a truncated citation), same part and title numbers."""
    if a.generic_title or b.generic_title or a.part != b.part:
        return False
    if a.title_numbers != b.title_numbers or a.preprint != b.preprint:
        return False
    if min(len(a.title_words), len(b.title_words)) < 5:
        return False
    if exact:
        return ev.title >= 0.97
    return ev.title >= 0.95 or ev.title_contained


def _one_page(k: MatchKeys) -> bool:
    """A one-page record (a notice, an abstract): ``"2205"`` or ``"2205-2205"``; an
    article number (``e12724``) is not a page."""
    return k.first_page.isdigit() and k.last_page in ("", k.first_page) and not k.article_number


def _pages(k: MatchKeys) -> tuple[int, int] | None:
    if not k.first_page.isdigit():
        return None
    first = int(k.first_page)
    return first, int(k.last_page) if k.last_page.isdigit() else first


def _next_page(before: MatchKeys, after: MatchKeys, most: int) -> bool:
    """``after`` starts inside or right after ``before``, which has at most ``most`` pages."""
    span, start = _pages(before), _pages(after)
    if span is None or start is None or span[1] - span[0] + 1 > most:
        return False
    return span[0] <= start[0] <= span[1] + 1


def _same_issue(ev: PairEvidence) -> bool:
    return ev.journal is Field.SAME and ev.volume is Field.SAME and ev.issue is Field.SAME


def _notice_link(notice: MatchKeys, article: MatchKeys, ev: PairEvidence) -> Link | None:
    """An erratum, retraction or expression of concern and the article it is about.

    Sure only when the notice is printed right after the article (same issue, next
    page). A notice elsewhere that cites the article or shares its volume is queued:
    whether such a notice is the same record is a reviewer's call (the labelled sets
    disagree with themselves on exactly this).
    """
    if notice.notice not in _ATTACHED or article.notice:
        return None
    if ev.journal is not Field.SAME or not _same_subject(notice, article, ev, exact=False):
        return None
    if ev.first_author is Field.DIFFERENT and ev.authors < 0.5:
        return None
    what = _ATTACHED[notice.notice]
    if _same_issue(ev) and ev.year_gap == 0 and _next_page(article, notice, most=500):
        return Outcome.SURE, f"{what} attached to its article (same issue, next page)"
    cites = notice.cited != "" and notice.cited == f"{article.volume}:{article.first_page}"
    late = notice.year - article.year if notice.year and article.year else None
    if cites or (ev.volume is Field.SAME and late in (0, 1)):
        where = f"cites vol {article.volume}, pg {article.first_page}" if cites else "same volume"
        return Outcome.POSSIBLE, f"{what} about this article, printed elsewhere ({where})"
    return None


def _reply_link(reply: MatchKeys, letter: MatchKeys, ev: PairEvidence) -> Link | None:
    """A reply printed right after the (short) letter it answers, under its title.

    A response to a full article is a separate article and stays apart.
    """
    if reply.notice != "reply" or letter.notice not in ("", "letter"):
        return None
    if not _same_subject(reply, letter, ev, exact=False) or ev.year_gap != 0:
        return None
    if _same_issue(ev) and _next_page(letter, reply, most=3):
        return Outcome.SURE, "reply attached to the letter it answers (same issue, next page)"
    return None


def _same_volume(a: MatchKeys, b: MatchKeys, ev: PairEvidence) -> str:
    """One-page records in another issue of the same volume as a same-titled record.

    Sure in two cases: the one-page record comes in an *earlier* issue than the full
    article (its abstract in the volume's congress issue), or both records are one
    page (one abstract or notice printed twice). A one-page record printed *after*
    the article is an erratum without its marker and is left to the usual rules.
    """
    if a.notice or b.notice or not _same_subject(a, b, ev, exact=True):
        return ""
    if ev.first_author is not Field.SAME or ev.authors < 0.75:
        return ""
    if ev.journal is not Field.SAME or ev.volume is not Field.SAME or ev.year_gap != 0:
        return ""
    if Field.DIFFERENT in (ev.doi, ev.pmid):
        return ""
    if ev.issue is not Field.DIFFERENT and ev.first_page is not Field.DIFFERENT:
        return ""
    if _one_page(a) and _one_page(b):
        return "same title and authors, two one-page records in one journal volume"
    short, full = (a, b) if _one_page(a) else (b, a)
    span, start = _pages(full), _pages(short)
    if not _one_page(short) or span is None or start is None or span[1] <= span[0]:
        return ""
    if ev.issue is not Field.DIFFERENT or not (short.issue.isdigit() and full.issue.isdigit()):
        return ""
    if int(short.issue) < int(full.issue) and start[0] < span[0]:
        return "one-page abstract in an earlier issue of the volume that prints the article"
    return ""


def _shifted(a: MatchKeys, b: MatchKeys, ev: PairEvidence) -> str:
    """Volume, issue and page read one field off: ``v=, i=26, p=9`` vs ``v=26, i=9``."""
    if not _same_subject(a, b, ev, exact=True):
        return ""
    if ev.first_author is not Field.SAME or ev.journal is not Field.SAME or ev.year_gap != 0:
        return ""
    for x, y in ((a, b), (b, a)):
        if not x.volume and x.issue and x.issue == y.volume and x.first_page == y.issue:
            return "same title, author, journal and year; volume and issue read one field off"
    return ""


def _two_supplements(a: MatchKeys, b: MatchKeys, ev: PairEvidence) -> str:
    """One conference abstract printed in two journals' supplements."""
    if not (a.supplement and b.supplement) or a.notice or b.notice:
        return ""
    if min(len(a.title_words), len(b.title_words)) < 10 or ev.title < 0.97:
        return ""
    if not _same_subject(a, b, ev, exact=True) or ev.year_gap != 0:
        return ""
    if Field.DIFFERENT in (ev.doi, ev.pmid) or ev.author_counts_differ:
        return ""
    if ev.first_author is not Field.SAME or ev.authors < 0.9 or len(a.authors) < 2:
        return ""
    return "the same conference abstract in two supplements (long title, all authors, year)"


def _republished(a: MatchKeys, b: MatchKeys, ev: PairEvidence) -> str:
    """A journal article printed again the next year (under a new DOI)."""
    if a.conference or b.conference or a.supplement or b.supplement or a.notice or b.notice:
        return ""
    if not _same_subject(a, b, ev, exact=True) or ev.year_gap != 1:
        return ""
    if ev.journal is not Field.SAME or ev.abstract is not Field.SAME or ev.pmid is Field.DIFFERENT:
        return ""
    if len(a.authors) < 2 or len(a.authors) != len(b.authors) or ev.authors < 0.99:
        return ""
    if not (a.volume and b.volume and a.first_page and b.first_page):
        return ""
    return "republished in the same journal a year later (title, all authors and abstract)"


def linked(
    a: MatchKeys, b: MatchKeys, ev: PairEvidence
) -> tuple[Outcome, str, dict[str, Any]] | None:
    """The link rule that joins ``a`` and ``b``: outcome, rule and detail; ``None`` if none.

    The detail names a notice member (``notice`` kind and ``notice_record`` id), so
    the merged record can show that an erratum, retraction or reply is attached.
    """
    if ev.title_missing or (ev.title < 0.97 and not (a.notice or b.notice)):
        return None  # every rule but the notice rules needs nearly equal titles
    printed_once = ev.volume is Field.SAME and ev.first_page is Field.SAME
    for x, y in ((a, b), (b, a)) if not printed_once else ():
        # (one notice indexed twice, once without its marker, is left to the usual rules)
        link = _notice_link(x, y, ev) or _reply_link(x, y, ev)
        if link:
            return link[0], link[1], {"notice": x.notice, "notice_record": x.record_id}
    rule = _same_volume(a, b, ev) or _shifted(a, b, ev)
    rule = rule or _two_supplements(a, b, ev) or _republished(a, b, ev)
    return (Outcome.SURE, rule, {}) if rule else None
