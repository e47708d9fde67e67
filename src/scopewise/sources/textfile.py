"""Opening a bibliographic file as text: encodings, BOMs and binary content.

Exports arrive in UTF-8 (with or without BOM), UTF-16 (Windows tools, with or
without BOM) and Latin-1/cp1252 (older EndNote and Ovid exports). The encoding is
decided once, from the bytes, before any record is read, so a reader can stream the
file line by line with bounded memory. A file whose bytes are not text at all is
refused with one line saying so.
"""

from __future__ import annotations

import codecs
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from scopewise.errors import ImportFormatError

__all__ = [
    "Head",
    "SourceFile",
    "decode_text",
    "detect_encoding",
    "is_blank",
    "read_small_file",
    "small_file_text",
]

HEAD_BYTES = 64 * 1024
_CHUNK = 1 << 20
# Control bytes that never appear in a text export (tab, LF, FF, CR and ESC may).
_CONTROL = frozenset(range(0x20)) - {0x09, 0x0A, 0x0C, 0x0D, 0x1B}


@dataclass(frozen=True)
class Head:
    """The first bytes of a file and, when it is text, their decoded form."""

    data: bytes
    text: str | None
    suffix: str


def _utf16_without_bom(data: bytes) -> str | None:
    """``utf-16-le``/``-be`` when NUL bytes sit on one parity only, as in UTF-16 text."""
    sample = data[: HEAD_BYTES - (HEAD_BYTES % 2)]
    if len(sample) < 4:
        return None
    even = sample[0::2]
    odd = sample[1::2]
    even_nul = even.count(0) / len(even)
    odd_nul = odd.count(0) / len(odd)
    if odd_nul > 0.3 and even_nul < 0.02:
        return "utf-16-le"
    if even_nul > 0.3 and odd_nul < 0.02:
        return "utf-16-be"
    return None


def _valid(path: Path, encoding: str, skip: int = 0) -> bool:
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    with path.open("rb") as handle:
        handle.seek(skip)
        try:
            while chunk := handle.read(_CHUNK):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return False
    return True


def _encoding_from_head(head: bytes, whole: bool) -> str | None:
    """What the first bytes decide: an encoding, ``None`` for binary content, or ``""``
    when the rest of the file must be checked (``whole``: ``head`` is the whole file)."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if b"\x00" in head:
        return _utf16_without_bom(head)
    if head and sum(1 for b in head if b in _CONTROL) / len(head) > 0.01:
        return None
    if head.isascii() and whole:
        return "utf-8"
    return ""


def detect_encoding(path: Path, head: bytes | None = None) -> str | None:
    """The encoding of ``path``, or ``None`` when its bytes are not text.

    BOMs decide first; UTF-16 without BOM is recognised from its NUL pattern; then
    the whole file is checked (in chunks) as UTF-8, then cp1252, then Latin-1.
    """
    if head is None:
        with path.open("rb") as handle:
            head = handle.read(HEAD_BYTES)
    found = _encoding_from_head(head, len(head) < HEAD_BYTES)
    if found != "":
        return found
    if _valid(path, "utf-8"):
        return "utf-8"
    if _valid(path, "cp1252"):
        return "cp1252"
    return "latin-1"


def is_blank(data: bytes) -> bool:
    """True when the bytes hold nothing but whitespace, NULs and byte-order marks."""
    return not data.strip(b" \t\r\n\x00\xef\xbb\xbf\xff\xfe")


def decode_text(data: bytes) -> str | None:
    """A whole file already in memory as text, decided as :func:`detect_encoding` does
    (without reading the file again); ``None`` when the bytes are not text.

    Raises
    ------
    UnicodeDecodeError
        A BOM or UTF-16 pattern that the rest of the bytes contradict.
    """
    found = _encoding_from_head(data[:HEAD_BYTES], len(data) < HEAD_BYTES)
    if found is None:
        return None
    for encoding in (found,) if found else ("utf-8", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            if found:
                raise
    return data.decode("latin-1")


def read_small_file(
    path: Path, limit: int, error: type[Exception], holds: str, too_big_hint: str = ""
) -> bytes:
    """The bytes of a file read whole (a sheet, a decisions file): refused with
    ``error`` when unreadable, larger than ``limit`` bytes or empty. ``holds`` names
    what the file should hold ("decisions", "charting sheet") in the messages."""
    try:
        size = path.stat().st_size
        if size > limit:
            raise error(
                f"{path}: the file is {size / 2**20:.0f} MiB, more than a {holds} file can be "
                f"({limit // 2**20} MiB){too_big_hint}"
            )
        data = path.read_bytes()
    except OSError as exc:
        raise error(f"{path}: cannot read the file ({exc.strerror or exc})") from None
    if is_blank(data):
        raise error(f"{path}: the file is empty; it holds no {holds}")
    return data


def small_file_text(path: Path, data: bytes, error: type[Exception], save_as: str) -> str:
    """:func:`decode_text` of a file read whole, with ``error`` for bytes that are not
    text or contradict their BOM; ``save_as`` says how to save it instead."""
    try:
        text = decode_text(data)
    except UnicodeDecodeError as exc:  # a BOM that the rest of the file contradicts
        raise error(
            f"{path}: cannot read the file as {exc.encoding} text ({exc.reason} at byte {exc.start})"
        ) from None
    if text is None:
        raise error(f"{path}: this is not a text file (binary content); {save_as}")
    return text


class SourceFile:
    """A file about to be read: its path, encoding and first bytes.

    Readers call :meth:`lines` (text formats) or use :attr:`path` directly (binary
    formats such as Excel and XML parsed from bytes).
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        if not self.path.is_file():
            raise ImportFormatError("no such file; check the path", path=str(path))
        with self.path.open("rb") as handle:
            data = handle.read(HEAD_BYTES)
        if is_blank(data):
            raise ImportFormatError(
                "the file is empty; export the records again", path=str(self.path)
            )
        self.encoding = detect_encoding(self.path, data)
        text: str | None = None
        if self.encoding is not None:
            text = data.decode(self.encoding, errors="ignore")
            if text.startswith("\ufeff"):
                text = text[1:]
        self.head = Head(data=data, text=text, suffix=self.path.suffix.lower())

    @property
    def name(self) -> str:
        """The path as shown in messages."""
        return str(self.path)

    def require_text(self, what: str) -> str:
        """The encoding, or an :class:`ImportFormatError` when the file is binary."""
        if self.encoding is None:
            raise ImportFormatError(
                f"this is not a text file (binary content), so it cannot be read as {what}; "
                "export the records again from the database",
                path=self.name,
            )
        return self.encoding

    def open_text(self, what: str = "records") -> TextIO:
        """Open as text with universal newlines (``\\r``, ``\\n`` and ``\\r\\n`` all end a line)."""
        encoding = self.require_text(what)
        return open(self.path, encoding=encoding, errors="strict", newline=None)

    def lines(self, what: str = "records") -> Iterator[tuple[int, str]]:
        """``(line number, line without newline)``, streamed; a BOM is dropped."""
        with self.open_text(what) as handle:
            first = handle.readline()
            if first:
                yield 1, first.lstrip("\ufeff").rstrip("\n")
            for number, line in enumerate(handle, start=2):
                yield number, line[:-1] if line.endswith("\n") else line

    def chunks(self, what: str = "records", size: int = 1 << 20) -> Iterator[str]:
        """The text in pieces of about ``size`` characters, newlines already ``\\n``.

        Cheaper than :meth:`lines` for large files: a reader splits each piece itself.
        A piece may end in the middle of a line; a BOM is dropped.
        """
        with self.open_text(what) as handle:
            piece = handle.read(size).lstrip("\ufeff")
            while piece:
                yield piece
                piece = handle.read(size)
