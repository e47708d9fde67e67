"""Whole numbers read from forms, queries and paths, one way for every page.

A record, search, note or excerpt number typed into a URL or a form is read only when
it is plain ASCII digits that fit the database's integer: ``str.isdigit`` alone also
takes "²" (which ``int`` then refuses) and ``int`` takes "-1", " 7 " and "1_000", and a
number past 2**31 - 1 makes PostgreSQL refuse the query. Anything else is the
caller's 400 or 404, never a server error.
"""

from __future__ import annotations

from typing import Any

from starlette.exceptions import HTTPException

from scopewise.records import MAX_ID, number_of

__all__ = ["MAX_ID", "number_or_400", "number_or_404", "whole_number"]

def whole_number(raw: Any) -> int | None:
    """``raw`` as a whole number from 0 to :data:`MAX_ID`, or ``None``."""
    return number_of(raw)


def number_or_400(raw: Any, message: str) -> int:
    """``raw`` as a whole number, or a 400 answer saying ``message``."""
    value = whole_number(raw)
    if value is None:
        raise HTTPException(400, message)
    return value


def number_or_404(raw: Any, message: str) -> int:
    """``raw`` (a number in the path) as a whole number, or a 404 saying ``message``."""
    value = whole_number(raw)
    if value is None:
        raise HTTPException(404, message)
    return value
