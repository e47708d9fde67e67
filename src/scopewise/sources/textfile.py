"""Opening a bibliographic file as text: encodings, BOMs and binary content.

Exports arrive in UTF-8 (with or without BOM), UTF-16 (Windows tools, with or
without BOM) and Latin-1/cp1252 (older EndNote and Ovid exports). The encoding is
decided once, from the bytes, before any record is read, so a reader can stream the
file line by line with bounded memory. A file whose bytes are not text at all is
refused with one line saying so.

Some files mix the two families: a UTF-8 export with a few bytes of Windows-1252
inside (an abstract pasted from Word, two exports joined into one file). Such a file
is read as UTF-8, and each byte that is not UTF-8 as the Windows-1252 character it
stands for (:mod:`scopewise.text`), so no character is lost or garbled;
:attr:`SourceFile.notes` says how many bytes were read
so and on which line the first stands. A UTF-16 file with a fault is refused, naming
the byte.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from scopewise.errors import ImportFormatError
from scopewise.text import FALLBACK, binary_kind, looks_binary, not_text, plural

__all__ = [
    "Decoding",
    "Head",
    "SourceFile",
    "decide_decoding",
    "decode_text",
    "detect_encoding",
    "is_blank",
    "read_small_file",
    "small_file_text",
]

HEAD_BYTES = 64 * 1024
_CHUNK = 1 << 20
_STRAY = re.compile("[\udc80-\udcff]")  # a byte that is not UTF-8, under surrogateescape
_NON_ASCII = re.compile("[^\x00-\x7f\udc80-\udcff]")


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
    if looks_binary(head):
        return None
    if head.isascii() and whole:
        return "utf-8"
    return ""


@dataclass(frozen=True)
class Decoding:
    """How a file is read as text: an encoding (``None``: not text), the codec's error
    handler, and what the reading met on the way."""

    encoding: str | None
    errors: str = "strict"
    stray: int = 0
    """Bytes that are not UTF-8, read as Windows-1252 (see the module notes)."""
    first_stray_line: int = 0
    fault: str = ""
    """Why a file that says it is UTF-16 cannot be read (empty when it can)."""


def _utf8_scan(path: Path, skip: int) -> tuple[int, int, int]:
    """Characters beyond ASCII that are UTF-8, bytes that are not, and the line of the
    first byte that is not (0 when none), read in chunks."""
    decoder = codecs.getincrementaldecoder("utf-8")(errors="surrogateescape")
    non_ascii = stray = first = lines = 0
    with path.open("rb") as handle:
        handle.seek(skip)
        while True:
            chunk = handle.read(_CHUNK)
            text = decoder.decode(chunk, final=not chunk)
            non_ascii += len(_NON_ASCII.findall(text))
            found = len(_STRAY.findall(text))
            if found and not first:
                first = lines + text.count("\n", 0, _STRAY.search(text).start()) + 1  # type: ignore[union-attr]
            stray += found
            lines += text.count("\n")
            if not chunk:
                return non_ascii, stray, first


def _fault(path: Path, encoding: str) -> str:
    """Why ``path`` cannot be read as ``encoding`` (empty when it can)."""
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    offset = 0
    with path.open("rb") as handle:
        try:
            while chunk := handle.read(_CHUNK):
                decoder.decode(chunk)
                offset += len(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError as exc:
            where = offset + exc.start  # near: the decoder may hold a byte or two back
            return (f"the file is {encoding.upper()} text with a fault near byte {where:,} "
                    f"({exc.reason}); export the records again, or save the file as UTF-8")
    return ""


def decide_decoding(path: Path, head: bytes | None = None) -> Decoding:
    """How to read ``path`` as text (see :class:`Decoding` and the module notes).

    BOMs decide first; UTF-16 without BOM is recognised from its NUL pattern and must
    then hold throughout. Otherwise the whole file is checked (in chunks) as UTF-8; a
    file that is not wholly UTF-8 but holds UTF-8 beyond ASCII is read as UTF-8 with
    its other bytes as cp1252; one with no UTF-8 beyond ASCII as cp1252, else Latin-1.
    """
    if head is None:
        with path.open("rb") as handle:
            head = handle.read(HEAD_BYTES)
    found = _encoding_from_head(head, len(head) < HEAD_BYTES)
    if found is None or found == "utf-8":
        return Decoding(found)
    if found.startswith("utf-16"):
        return Decoding(found, fault=_fault(path, found))
    skip = len(codecs.BOM_UTF8) if found == "utf-8-sig" else 0
    if _valid(path, "utf-8", skip):
        return Decoding(found or "utf-8")
    non_ascii, stray, first = _utf8_scan(path, skip)
    if found == "utf-8-sig" or non_ascii:
        return Decoding(found or "utf-8", FALLBACK, stray, first)
    return Decoding("cp1252" if _valid(path, "cp1252") else "latin-1")


def detect_encoding(path: Path, head: bytes | None = None) -> str | None:
    """The encoding of ``path``, or ``None`` when its bytes are not text
    (:func:`decide_decoding`)."""
    return decide_decoding(path, head).encoding


def is_blank(data: bytes) -> bool:
    """True when the bytes hold nothing but whitespace, NULs and byte-order marks."""
    return not data.strip(b" \t\r\n\x00\xef\xbb\xbf\xff\xfe")


def decode_text(data: bytes) -> str | None:
    """A whole file already in memory as text, decided as :func:`detect_encoding` does
    (without reading the file again); ``None`` when the bytes are not text.

    Raises
    ------
    UnicodeDecodeError
        A UTF-16 BOM or pattern that the rest of the bytes contradict (a UTF-8 file
        with bytes that are not UTF-8 is read as the module notes say).
    """
    found = _encoding_from_head(data[:HEAD_BYTES], len(data) < HEAD_BYTES)
    if found is None:
        return None
    if found.startswith("utf-16"):
        return data.decode(found)
    try:
        return data.decode(found or "utf-8")
    except UnicodeDecodeError:
        pass
    if found == "utf-8-sig" or _NON_ASCII.search(data.decode("utf-8", "surrogateescape")):
        return data.decode(found or "utf-8", FALLBACK)
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
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
        raise error(f"{path}: {not_text(data[:16])}; {save_as}")
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
        self.decoding = decide_decoding(self.path, data)
        self.encoding = self.decoding.encoding
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
            kind = binary_kind(self.head.data)
            raise ImportFormatError(
                f"this is {kind}, not text, so it cannot be read as {what}; save or export "
                "the records as RIS, CSV or Excel (.xlsx)" if kind else
                f"this is not a text file (binary content), so it cannot be read as {what}; "
                "export the records again from the database",
                path=self.name,
            )
        return self.encoding

    @property
    def notes(self) -> list[str]:
        """What reading the text met that the person importing should know."""
        stray = self.decoding.stray
        if not stray:
            return []
        line = f"{self.decoding.first_stray_line:,}"
        read = (
            f"was not UTF-8 and was read as a Windows-1252 character (on line {line})"
            if stray == 1
            else "were not UTF-8 and were read as Windows-1252 characters (the first on line "
            f"{line})"
        )
        return [f"text: {plural(stray, 'byte')} {read}; check the accented letters and dashes "
                "there"]

    def open_text(self, what: str = "records") -> TextIO:
        """Open as text with universal newlines (``\\r``, ``\\n`` and ``\\r\\n`` all end a line)."""
        encoding = self.require_text(what)
        if self.decoding.fault:
            raise ImportFormatError(self.decoding.fault, path=self.name)
        return open(self.path, encoding=encoding, errors=self.decoding.errors, newline=None)

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
