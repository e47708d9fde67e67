"""Coding a note: which theme, and which span of the note's text.

An excerpt is stored as (note, start, end), never as a copy of the words, so
purging the notes leaves nothing of them behind and the counts still add up.
"""

from __future__ import annotations

from collections.abc import Sequence

from scopewise.errors import UsageError

__all__ = ["check_theme", "locate_span"]


def check_theme(theme: str, themes: Sequence[str]) -> str:
    """The protocol's spelling of ``theme`` (case and spacing ignored).

    Raises
    ------
    UsageError
        Not one of the protocol's themes (``protocol.charting.themes``); the
        allowed ones are named.
    """
    wanted = " ".join(theme.split()).casefold()
    for known in themes:
        if " ".join(known.split()).casefold() == wanted:
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
    prints them) or ``quote``, words of the note (spacing ignored; the first place
    they occur counts, or the first at or after ``start`` when it is given too).

    Raises
    ------
    UsageError
        Offsets outside the note, an empty span, or words that are not in it.
        The message never repeats the note's words.
    """
    if quote is not None:
        if end is not None:
            raise UsageError("give either --text or --start/--end, not both")
        return _find(text, note_id, quote, start or 0)
    if start is None or end is None:
        raise UsageError("give --start and --end (character offsets), or --text")
    if not 0 <= start < end <= len(text):
        raise UsageError(
            f"span {start}-{end} is not inside note {note_id} "
            f"(its text runs from 0 to {len(text)}); the end must be after the start"
        )
    if not text[start:end].strip():
        raise UsageError(f"span {start}-{end} of note {note_id} holds only blank space")
    return start, end


def _find(text: str, note_id: int, quote: str, offset: int) -> tuple[int, int]:
    words = quote.split()
    if not words:
        raise UsageError("--text is empty; give words of the note")
    # Match the words with any whitespace between them, as a note wraps its lines.
    position = offset
    while True:
        first = text.find(words[0], position)
        if first < 0:
            raise UsageError(
                f"the words given with --text are not in note {note_id} "
                "(check them against 'consult DIR show')"
            )
        cursor = first + len(words[0])
        matched = True
        for word in words[1:]:
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
