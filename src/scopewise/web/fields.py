"""Whole numbers read from forms, queries and paths, one way for every page
(:func:`scopewise.records.number_of`), answered with the page's 400 or 404.

A record, search, note or excerpt number typed into a URL or a form is read only when
it is plain ASCII digits that fit the database's integer: ``str.isdigit`` alone also
takes "²" (which ``int`` then refuses) and ``int`` takes "-1", " 7 " and "1_000", and a
number past 2**31 - 1 makes PostgreSQL refuse the query. Anything else is the
caller's 400 or 404, never a server error.
"""

from __future__ import annotations

from typing import Any

from starlette.exceptions import HTTPException

from scopewise.records import number_of

__all__ = ["number_or_400", "number_or_404", "page_number"]


def number_or_400(raw: Any, message: str) -> int:
    """``raw`` as a whole number, or a 400 answer saying ``message``."""
    value = number_of(raw)
    if value is None:
        raise HTTPException(400, message)
    return value


def page_number(raw: Any) -> int:
    """The page a list is asked for (``?page=``; 1 when absent or below 1), or a 400."""
    return max(number_or_400(raw or "1", "page must be a page number: 1, 2, 3 ..."), 1)


def number_or_404(raw: Any, message: str) -> int:
    """``raw`` (a number in the path) as a whole number, or a 404 saying ``message``."""
    value = number_of(raw)
    if value is None:
        raise HTTPException(404, message)
    return value
