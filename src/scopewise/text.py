"""Text as people write it: files that mix UTF-8 and Windows-1252, and punctuation that
Word writes one way and keyboards another.

A UTF-8 file may carry a few bytes of Windows-1252 (an abstract or a note pasted from
Word, two exports joined into one). Read as UTF-8 those bytes fail; read as cp1252
every accented letter of the rest turns into two wrong ones. With the codec error
handler :data:`FALLBACK`, a UTF-8 decoder reads each byte it refuses as the cp1252
character it stands for (Latin-1 for the five bytes cp1252 leaves undefined), so no
character is lost or garbled. Written by hand: Python's codecs offer the hook, and
no library of the field does this one thing without guessing over the whole file.
"""

from __future__ import annotations

import codecs

__all__ = [
    "FALLBACK", "SAME_PUNCTUATION", "binary_kind", "looks_binary", "name_key", "not_text",
    "plural",
]

#: The name of the codec error handler (``bytes.decode("utf-8", FALLBACK)``).
FALLBACK = "scopewise-cp1252"


def _byte_as_cp1252(byte: int) -> str:
    try:
        return bytes([byte]).decode("cp1252")
    except UnicodeDecodeError:  # 0x81, 0x8d, 0x8f, 0x90, 0x9d: undefined in cp1252
        return chr(byte)


def _cp1252_fallback(error: UnicodeError) -> tuple[str, int]:
    """Codec error handler: the bytes a UTF-8 decoder refused, one by one as cp1252."""
    if not isinstance(error, UnicodeDecodeError):
        raise error
    bad = error.object[error.start:error.end]
    return "".join(_byte_as_cp1252(b) for b in bad), error.end


codecs.register_error(FALLBACK, _cp1252_fallback)


#: Characters that text from Word and text typed on a keyboard write differently:
#: curly and straight quotes, dashes and hyphens. Each maps to one character, so a
#: translated text keeps its offsets (``text.translate(SAME_PUNCTUATION)``); used where
#: typed words are looked for in stored text.
SAME_PUNCTUATION = str.maketrans({
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'", "`": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"',
    "\u00ab": '"', "\u00bb": '"',
    "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-",
    "\u2015": "-", "\u2212": "-",
})


def name_key(text: str) -> str:
    """``text`` as names typed by people are compared: case and spacing aside
    ("Reviewer  a" and "reviewer A" have the same key)."""
    return " ".join(text.split()).casefold()


# Control bytes that never appear in a text file (tab, LF, FF, CR and ESC may).
_CONTROL = frozenset(range(0x20)) - {0x09, 0x0A, 0x0C, 0x0D, 0x1B}


def looks_binary(head: bytes) -> bool:
    """Whether a file's first bytes (no byte-order mark, no NUL) hold more than 1 %
    control bytes that a text file never has: binary content."""
    return bool(head) and sum(1 for b in head if b in _CONTROL) / len(head) > 0.01


def binary_kind(head: bytes) -> str:
    """What a binary file probably is, from its first bytes, in words for a message
    ("a PDF"); ``""`` when its kind is not one people often give by mistake."""
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):  # OLE2 compound file
        return "an Excel 97-2003 workbook (.xls) or a Word 97-2003 document (.doc)"
    if head.startswith(b"%PDF"):
        return "a PDF"
    if head.startswith(b"PK\x03\x04"):
        return "a zip package (a Word .docx, a workbook or a .zip archive)"
    return ""


def not_text(head: bytes) -> str:
    """The start of a message refusing a binary file, naming its kind when known:
    "this is a PDF, not a text file", else "this is not a text file (binary content)"."""
    kind = binary_kind(head)
    return f"this is {kind}, not a text file" if kind else "this is not a text file (binary content)"


def plural(n: int, word: str, many: str = "") -> str:
    """A count with its word in number: ``1 field``, ``2 fields``, ``1,254 records``
    (``many`` for a word whose plural is not ``word + "s"``)."""
    return f"{n:,} {word if n == 1 else many or word + 's'}"
