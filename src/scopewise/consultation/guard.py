"""The lead's summary of a theme must not smuggle a note out.

With ``quotes = "never"`` only the lead's own words leave the project, so a summary
is refused when it copies a run of words from a note, or names someone (a
capitalised word found in a note and nowhere in the protocol). Both checks are
heuristics that lean to refusing: a refused summary costs a rephrasing, a leaked
name cannot be taken back.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterable, Iterator

from scopewise.errors import UsageError

__all__ = ["COPIED_WORDS", "check_summary", "name_candidates", "words"]

#: This many consecutive words shared with a note make a summary a quotation.
COPIED_WORDS = 8
_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")
# Words that start many sentences; capitalised, they are not names.
_COMMON = frozenset(
    ["a", "an", "and", "as", "at", "but", "by", "for", "from", "he", "her", "his", "i", "if", "in", "it", "its", "my", "no", "not", "of", "on", "or", "our", "she", "so", "that", "the", "their", "them", "then", "there", "these", "they", "this", "those", "to", "us", "we", "what", "when", "where", "which", "who", "why", "with", "yes", "you", "your", "also", "after", "before", "because", "both", "each", "every", "however", "many", "most", "one", "some", "two", "three", "first", "second", "sometimes", "often", "other", "others", "all", "any", "how", "just", "well", "ok", "okay", "interviewer", "participant"]
)


def words(text: str) -> Iterator[str]:
    """The words of ``text`` as they are written (letters and digits; apostrophes kept)."""
    for match in _WORD.finditer(text):
        yield match.group()


def name_candidates(notes: Iterable[str], protocol_text: str) -> set[str]:
    """Case-folded words that may be names: capitalised in a note, never written in
    lower case in any note, absent from the protocol and not a common word."""
    capitalised: set[str] = set()
    lower: set[str] = set()
    for note in notes:
        for word in words(note):
            if len(word) > 1 and word[0].isupper() and not word.isupper():
                capitalised.add(word.casefold())
            elif word[0].islower():
                lower.add(word.casefold())
    known = {w.casefold() for w in words(protocol_text)}
    return capitalised - lower - known - _COMMON


def _copies(summary: str, notes: Iterable[str]) -> bool:
    runs = set()
    folded = [w.casefold() for w in words(summary)]
    for i in range(len(folded) - COPIED_WORDS + 1):
        runs.add(tuple(folded[i : i + COPIED_WORDS]))
    if not runs:
        return False
    for note in notes:
        window: deque[str] = deque(maxlen=COPIED_WORDS)
        for word in words(note):
            window.append(word.casefold())
            if len(window) == COPIED_WORDS and tuple(window) in runs:
                return True
    return False


def check_summary(summary: str, notes: Iterable[str], protocol_text: str) -> str:
    """``summary`` stripped, when it neither copies a note nor names someone in one.

    Raises
    ------
    UsageError
        One line saying which rule the summary breaks.
    """
    notes = list(notes)
    text = " ".join(summary.split())
    if _copies(text, notes):
        raise UsageError(
            f'summary refused (quotes = "never"): it repeats {COPIED_WORDS} or more '
            "consecutive words of a consultation note; write it in your own words"
        )
    candidates = name_candidates(notes, protocol_text)
    for word in words(text):
        if word[0].isupper() and word.casefold() in candidates:
            raise UsageError(
                f'summary refused (quotes = "never"): {word!r} occurs in a consultation '
                "note and nowhere in the protocol, so it may name a person; leave it out"
            )
    return text
