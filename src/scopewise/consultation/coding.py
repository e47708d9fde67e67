"""Coding a note: which theme, and which span of the note's text.

An excerpt is stored as (note, start, end), never as a copy of the words, so
purging the notes leaves nothing of them behind and the counts still add up.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from scopewise.consultation.guard import words
from scopewise.consultation.model import ConsultationError
from scopewise.errors import UsageError
from scopewise.text import SAME_PUNCTUATION, name_key

__all__ = ["SpanError", "SpanPosition", "check_theme", "locate_span", "span_position"]


class SpanError(ConsultationError):
    """A span that cannot be coded (plain words, and ``cli`` in the options)."""


@dataclass(frozen=True, slots=True)
class SpanPosition:
    """Where a coded span lies in its note, told without its words: the line it
    starts on and its first and last word, counted from the note's start."""

    line: int
    first_word: int
    last_word: int

    @property
    def words(self) -> int:
        """How many words the span covers."""
        return self.last_word - self.first_word + 1


def span_position(text: str, start: int, end: int) -> SpanPosition:
    """The line (from 1) and the words (from 1) of ``text[start:end]``; a word cut by
    the span counts as in it."""
    before = sum(1 for _ in words(text[:start]))
    inside = sum(1 for _ in words(text[start:end]))
    # a word the span starts inside of was counted before it: count it in the span
    if 0 < start < len(text) and _joined(text, start):
        before -= 1
    line = text.count("\n", 0, start) + 1
    return SpanPosition(line, before + 1, before + max(inside, 1))


def _joined(text: str, at: int) -> bool:
    """Whether a word runs across position ``at`` (letters on both sides)."""
    return text[at - 1].isalnum() and text[at].isalnum()


def check_theme(theme: str, themes: Sequence[str]) -> str:
    """The protocol's spelling of ``theme`` (case and spacing ignored).

    Raises
    ------
    UsageError
        Not one of the protocol's themes (``protocol.charting.themes``); the
        allowed ones are named.
    """
    for known in themes:
        if name_key(known) == name_key(theme):
            return known
    if not themes:
        raise UsageError(
            "the protocol has no themes: give the charting form a choice field named "
            "'category' or set [charting] themes_field"
        )
    allowed = "; ".join(themes)
    raise UsageError(f"theme {theme!r} is not one of the protocol's themes: {allowed}")


def locate_span(
    text: str,
    note_id: int,
    start: int | None = None,
    end: int | None = None,
    quote: str | None = None,
) -> tuple[int, int]:
    """The ``[start, end)`` character span of an excerpt in a note's ``text``.

    Give either ``start`` and ``end`` (character offsets, as ``consult show``
    prints them) or ``quote``, words of the note (spacing, the style of quotes and
    dashes and how accents are composed ignored; the first place
    they occur counts, or the first at or after ``start`` when it is given too).

    Raises
    ------
    SpanError
        Offsets outside the note, an empty span, or words that are not in it.
        The message never repeats the note's words.
    """
    if quote is not None:
        if end is not None:
            raise SpanError("give either words of the note or a start and an end, not both",
                            "give either --text or --start/--end, not both")
        return _find(text, note_id, quote, start or 0)
    if start is None or end is None:
        raise SpanError("give words of the note to code (or a start and an end)",
                        "give --start and --end (character offsets), or --text")
    if not 0 <= start < end <= len(text):
        raise SpanError(
            f"span {start}-{end} is not inside note {note_id} "
            f"(its text runs from 0 to {len(text)}); the end must be after the start"
        )
    if not text[start:end].strip():
        raise SpanError(f"span {start}-{end} of note {note_id} holds only blank space")
    return start, end


def _find(text: str, note_id: int, quote: str, offset: int) -> tuple[int, int]:
    if not quote.split():
        raise SpanError("no words given: type words of the note",
                        "--text is empty; give words of the note")
    folded = text.translate(SAME_PUNCTUATION)
    # the words as typed may compose accents otherwise than the note (é or e + ´)
    found = [span for form in ("NFC", "NFD")
             if (span := _match(folded, unicodedata.normalize(form, quote).translate(SAME_PUNCTUATION)
                                .split(), offset)) is not None]
    if not found:
        raise SpanError(
            f"the words given are not in note {note_id}: apart from spacing, line breaks "
            "and the style of quotes and dashes they must match the stored note letter for "
            "letter (check spelling, case and punctuation against your copy)",
            f"the words given with --text are not in note {note_id} "
            "(check them against 'consult DIR show')",
        )
    return min(found)


def _match(text: str, wanted: list[str], position: int) -> tuple[int, int] | None:
    """The first span at or after ``position`` holding ``wanted`` with any whitespace
    between the words (a note wraps its lines), or ``None``."""
    while True:
        first = text.find(wanted[0], position)
        if first < 0:
            return None
        cursor = first + len(wanted[0])
        matched = True
        for word in wanted[1:]:
            gap = cursor
            while gap < len(text) and text[gap].isspace():
                gap += 1
            if gap == cursor or not text.startswith(word, gap):
                matched = False
                break
            cursor = gap + len(word)
        if matched:
            return first, cursor
        position = first + 1
