"""CSV cells that stay text: a file scopewise writes never starts a formula.

Excel, LibreOffice and Google Sheets run a CSV cell that begins with ``=``, ``+``,
``-``, ``@``, a tab or a carriage return as a formula ("CSV injection"). Titles,
abstracts, notes and charted values come from outside the project or from any team
member, so a hostile one could carry such a formula into the lead's spreadsheet.
:func:`text_cell` writes such a cell behind an apostrophe, which spreadsheets read
as "this is text". A number (``-0.5``, ``+3``) is left as it is, and a cell that
already begins with an apostrophe gets one more, so that :func:`read_text_cell`,
used where scopewise reads CSV back (decisions, charting sheets, records), removes
exactly one and every value survives the round trip. Written by hand: the rule is
two lines and no library of the field states it.
"""

from __future__ import annotations

__all__ = ["is_number", "read_text_cell", "text_cell"]

_ALWAYS = ("=", "@", "\t", "\r", "'")
_SIGNS = ("+", "-")


def is_number(text: str) -> bool:
    """Whether ``text`` reads as a number (``float`` takes it)."""
    try:
        float(text)
    except ValueError:
        return False
    return True


def _kept_text(text: str) -> bool:
    """Whether ``text`` is written behind an apostrophe (see the module notes)."""
    return text.startswith(_ALWAYS) or (text.startswith(_SIGNS) and not is_number(text))


def text_cell(value: object) -> object:
    """``value`` as a CSV cell that a spreadsheet shows as written (non-text kept)."""
    if isinstance(value, str) and _kept_text(value):
        return "'" + value
    return value


def read_text_cell(text: str) -> str:
    """A cell of a CSV scopewise wrote, as it was before :func:`text_cell`."""
    return text[1:] if text.startswith("'") and _kept_text(text[1:]) else text
