"""Page fields as exports write them, and when two of them can still be the same pages.

Exports damage page ranges in a few recurring ways: the end page abbreviated
(``1234-45``) or cut to its last digit (``1234-5``), a supplement written as
``Suppl-29`` for ``S417-S429``, an article number (``e12724``) in one database and
the page count of the PDF (``1-6``) in another, or no pages at all. Reading a field
keeps what can be trusted and drops what cannot (an end page before the first page is
damage, not information), so that such damage never vetoes a match the other fields
support; two genuinely different page ranges still do.

>>> read_pages("1325-9")
Pages(first='1325', last='1329', article_number=False, end='9', starts=())
>>> read_pages("2539-2").last, read_pages("Suppl-29").first, read_pages("e12724").article_number
('', '', True)
>>> same_pages_damaged(read_pages("e12724"), read_pages("1-6"))
True
>>> same_pages_damaged(read_pages("417-429"), read_pages("1-13")), same_pages_damaged(read_pages("417-429"), read_pages("1-6"))
(True, False)
>>> read_pages("351, 366-368")
Pages(first='351', last='', article_number=False, end='', starts=('351', '366'))
"""

from __future__ import annotations

import re
from typing import NamedTuple

__all__ = ["Pages", "read_pages", "same_pages_damaged", "same_part", "same_range"]

_PLACEHOLDERS = frozenset({"unknown", "na", "n a", "none", "null", "n/a", "-", "--"})
_SPLIT_RE = re.compile(r"\s*(?:[-–—]+|to|,|;)\s*")
# a list of page parts ("351, 366-368", "12-14; 18"), each a page or a range of pages
_LIST_RE = re.compile(r"\s*[,;]\s*")
_PIECE_RE = re.compile(r"^\s*[a-z]?\d+(?:\s*[-–—]+\s*[a-z]?\d+)?\s*$")
# Front matter is numbered in roman numerals; any other first page without digits
# ("Suppl", "No pagination specified") says nothing about where the article is.
_ROMAN_RE = re.compile(r"^[ivxlcdm]+\.?$")
# "e12724", and Web of Science's "ARTN 123" / "UNSP 123" / "Article 123" / "Art. no. 123"
_ELOCATOR_RE = re.compile(
    r"^(?:e|(?:artn|unsp|art\.?\s*no\.?|article(?:\s*(?:no\.?|number))?)\s*:?\s*e?)\d+$"
)
# Article numbers printed without an "e" are long; page numbers rarely pass 9999.
_ARTICLE_DIGITS = 5


class Pages(NamedTuple):
    """First and last page as digits (``""`` when unknown) and whether the field is an
    article number (an e-locator) rather than pages."""

    first: str
    last: str
    article_number: bool
    end: str = ""  # the end page's digits as written ("9" in "128-9")
    # first page of every part of a list ("366-368, 351": 366 and 351), when the field
    # is a list of parts; databases order the parts differently
    starts: tuple[str, ...] = ()


def read_pages(pages: str) -> Pages:
    """What a page field says: ``"c37-c42"`` -> first ``37``, last ``42``.

    Pages without digits (roman numerals of front matter) keep their letters; a
    supplement marker in place of the first page, or an end page that cannot follow
    the first, is unknown rather than wrong.
    """
    pages = (pages or "").strip().lower()
    if not pages or pages in _PLACEHOLDERS:
        return Pages("", "", False)
    pieces = [piece for piece in _LIST_RE.split(pages) if piece.strip()]
    if len(pieces) > 1 and all(_PIECE_RE.match(piece) for piece in pieces):
        # "351, 366-368": the article's first part is read, every part's start kept
        first_piece = read_pages(pieces[0])
        starts = tuple(read_pages(piece).first for piece in pieces)
        return first_piece._replace(starts=tuple(dict.fromkeys(s for s in starts if s)))
    parts = _SPLIT_RE.split(pages)
    head = parts[0].strip()
    if not re.search(r"\d", head) and not _ROMAN_RE.match(head):
        # "Suppl", "No pagination specified" ("No-Specified"), "n.p.": no page at all
        return Pages("", "", False)
    first = re.sub(r"\D", "", head).lstrip("0") or re.sub(r"[^a-z]", "", head)
    # "123-+", "100364-nan", "123-&": an end page that is not there
    single = len(parts) == 1 or not re.search(r"\d", parts[1])
    article_number = bool(_ELOCATOR_RE.match(head)) or (
        single and head.isdigit() and len(first) >= _ARTICLE_DIGITS
    )
    last = end = ""
    if not single and first.isdigit():
        last = end = re.sub(r"\D", "", parts[1]).lstrip("0")
        if last and len(last) < len(first):  # "1325-9" means 1325-1329
            last = first[: len(first) - len(last)] + last
            if int(last) < int(first):  # "2539-2" cut from 2539-2542: unknown
                last = ""
    return Pages(first, last, article_number, end)


def same_range(a: Pages, b: Pages) -> bool:
    """The same numeric range of two pages or more, allowing for an end page cut to
    its last digits on one side (``128-9`` for ``128-139``).

    >>> same_range(read_pages("128-139"), read_pages("128-9")), same_range(read_pages("128-139"), read_pages("128-38"))
    (True, False)
    """
    if not a.first.isdigit() or a.first != b.first or not a.last or not b.last:
        return False
    if a.last == b.last:
        return int(a.last) > int(a.first)
    short, full = (a, b) if len(a.end) < len(b.end) else (b, a)
    return len(short.end) < len(short.first) and full.last.endswith(short.end) and short.end != ""


def _count(p: Pages) -> int | None:
    """Number of pages of a numeric range (a single page counts one)."""
    if not p.first.isdigit() or p.article_number:
        return None
    if not p.last:
        return 1
    return int(p.last) - int(p.first) + 1


def same_pages_damaged(a: Pages, b: Pages) -> bool:
    """True when two different page fields can still name the same pages.

    That is an article number against pages (the e-locator of an online journal vs
    the pages of its PDF or print version), or a page count ``1-N`` against a range
    of the same ``N`` pages or against a single number (an article number without its
    ``e``). Two article numbers, or two ranges at different places, are different pages.
    """
    if not a.first or not b.first or a.first == b.first:
        return False
    if a.article_number != b.article_number:
        return a.first.isdigit() and b.first.isdigit()
    if a.article_number:
        return False
    count_a, count_b = _count(a), _count(b)
    if count_a is None or count_b is None:
        return False
    for x, y, count_y in ((a, b, count_b), (b, a, count_a)):
        if x.first == "1" and x.last:
            # "1-6" is the page count of the PDF: of a range of as many pages, or of an
            # article whose field holds its article number ("123" for BMC, PLOS)
            return int(x.last) == count_y or (not y.last and int(x.last) > 1)
    return False


def same_part(a: Pages, b: Pages) -> bool:
    """Two page fields of which one at least is a list of parts, where a part of one
    starts where the other (or one of its parts) starts: "351, 366-368" and
    "366-368, 351", or "366-" and "351, 366-368".

    >>> same_part(read_pages("351,366-368"), read_pages("366-368, 351")), same_part(read_pages("351,366-368"), read_pages("367"))
    (True, False)
    """
    if not (a.starts or b.starts):
        return False
    return bool(set(a.starts or (a.first,)) & set(b.starts or (b.first,)) - {""})
