"""Journal names in the forms exports write them, compared through the ISO 4 abbreviation.

One journal reaches a review as ``Proceedings of the National Academy of Sciences``,
``Proc Natl Acad Sci U S A``, ``Journal of Pediatrics [electronic resource]`` or
``Current Opinion in Nephrology & Hypertension: official journal of ...``. The word
prefixes of :func:`~scopewise.dedup.score.journals_compatible` catch most abbreviations
(``nephrol`` starts ``nephrology``), but not contractions (``natl``, ``jpn``,
``dtsch``). Those come from the ISSN's List of Title Word Abbreviations (LTWA), which
the ``pyiso4`` package ships and applies: both names are abbreviated the ISO 4 way and
compared again. The list is loaded once, on first use.

>>> iso4_words(("proceedings", "national", "academy", "sciences"))
('proc', 'natl', 'acad', 'sci')
>>> main_title("Clinical Pharmacology: Advances and Applications [Electronic Resource]")
'Clinical Pharmacology'
>>> main_title("Journal of Thrombosis and Haemostasis.Conference: XXIII Congress")
'Journal of Thrombosis and Haemostasis'
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache

__all__ = ["drop_notes", "iso4_words", "main_title"]

# "[Electronic Resource]", "[Internet]", "[Print]": catalogue notes, not the name
_NOTE_RE = re.compile(r"\s*\[[^\]]*\]?")
# "Name: subtitle", "Name - subtitle", and Embase's "Name.Conference: ..." (no space)
_SUBTITLE_RE = re.compile(r"\s*:\s*|\s+[-–—]\s+|(?<=[a-z]{4})\.(?=[A-Z][a-z]{2,})")


def drop_notes(name: str) -> str:
    """The journal name without bracketed catalogue notes."""
    return _NOTE_RE.sub(" ", name).strip() if "[" in name else name


def main_title(name: str) -> str:
    """The journal name before a subtitle (``Name: official journal of ...``)."""
    return _SUBTITLE_RE.split(drop_notes(name), maxsplit=1)[0].strip()


@lru_cache(maxsize=1)
def _abbreviator() -> Callable[[str], str]:
    from pyiso4.ltwa import Abbreviate

    abbreviate = Abbreviate.create()

    def run(text: str) -> str:
        return str(abbreviate(text, remove_part=True))

    return run


@lru_cache(maxsize=50_000)
def iso4_words(words: tuple[str, ...]) -> tuple[str, ...]:
    """The ISO 4 abbreviation of a journal name given as normalised words.

    Names the LTWA cannot process (rare Unicode edge cases) are returned as they are.
    """
    if not words:
        return words
    try:
        abbreviated = _abbreviator()(" ".join(words))
    except (IndexError, KeyError, ValueError):  # pyiso4 trips on a few odd strings
        return words
    return tuple(w for w in re.split(r"[^a-z0-9]+", abbreviated.lower()) if w)
