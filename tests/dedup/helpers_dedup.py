"""Small record builders for the dedup tests (kept out of conftest for clarity)."""

from __future__ import annotations

from typing import Any

from scopewise.dedup import MatchKeys, Verdict, classify, match_keys
from scopewise.records import Author, Record


def rec(title: str = "", authors: str = "", **fields: Any) -> Record:
    """A record from a title, ``"Family, Given; Family, Given"`` authors and fields."""
    people = tuple(Author.parse(a) for a in authors.split(";") if a.strip())
    return Record(title=title, authors=people, **fields)


def keys(record: Record, record_id: int = 1) -> MatchKeys:
    return match_keys(record_id, record)


def judge(a: Record, b: Record) -> Verdict:
    return classify(match_keys(1, a), match_keys(2, b))
