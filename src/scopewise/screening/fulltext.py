"""Full texts: checking and filing a PDF, and which full-text entry of a record counts.

A record that passed title/abstract screening is *sought for retrieval*. Its full text
is either attached (a PDF copied into the project folder as ``files/<sha256>.pdf``) or
recorded as *not retrieved* with a reason; both are PRISMA numbers. Entries are
appended: the latest per record counts (attaching a PDF after "not retrieved" makes
the record retrieved again).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from scopewise.errors import ScreeningError

__all__ = [
    "FULL_TEXT_STATUSES",
    "PDF_MAGIC",
    "FullTextEntry",
    "check_pdf",
    "file_pdf",
    "latest_full_texts",
    "sha256_file",
]

PDF_MAGIC = b"%PDF-"
# The PDF reference lets readers accept the header anywhere in the first 1024 bytes
# (some generators prepend junk); we accept the same, nothing more lenient.
_HEADER_WINDOW = 1024
FULL_TEXT_STATUSES = ("attached", "not_retrieved")


@dataclass(frozen=True, slots=True)
class FullTextEntry:
    """One stored full-text entry of a record."""

    id: int
    record_id: int
    status: str  # attached | not_retrieved
    file_name: str = ""
    sha256: str | None = None
    path: str | None = None  # inside the project folder, e.g. files/<sha256>.pdf
    reason: str = ""
    created_at: datetime | None = None
    created_by: str = ""


def check_pdf(path: Path) -> None:
    """Raise :class:`ScreeningError` unless ``path`` is a readable PDF file.

    The check is the ``%PDF-`` magic number, not the file name.
    """
    if not path.is_file():
        raise ScreeningError(f"{path}: no such file; give the path of the full-text PDF")
    try:
        with path.open("rb") as handle:
            head = handle.read(_HEADER_WINDOW)
    except OSError as exc:
        raise ScreeningError(f"{path}: cannot read the file ({exc.strerror})") from None
    if PDF_MAGIC not in head:
        raise ScreeningError(
            f"{path}: not a PDF (it does not start with %PDF-); attach the article's PDF file"
        )


def sha256_file(path: Path) -> str:
    """The SHA-256 hex digest of a file's bytes."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 16), b""):
            digest.update(block)
    return digest.hexdigest()


def file_pdf(source: Path, files_dir: Path) -> tuple[str, Path]:
    """Copy a checked PDF into ``files_dir`` as ``<sha256>.pdf``.

    The copy goes to a temporary file first and is renamed into place, so a crash
    never leaves half a PDF under its final name. An identical file already filed is
    reused.

    Returns
    -------
    (sha256, destination path)
    """
    check_pdf(source)
    sha = sha256_file(source)
    files_dir.mkdir(parents=True, exist_ok=True)
    dest = files_dir / f"{sha}.pdf"
    if dest.is_file() and sha256_file(dest) == sha:
        return sha, dest
    fd, tmp_name = tempfile.mkstemp(dir=files_dir, suffix=".part")
    os.close(fd)
    try:
        shutil.copyfile(source, tmp_name)
        os.replace(tmp_name, dest)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    return sha, dest


def latest_full_texts(entries: Iterable[FullTextEntry]) -> dict[int, FullTextEntry]:
    """The full-text entry that counts per record: the latest (highest id)."""
    out: dict[int, FullTextEntry] = {}
    for entry in entries:
        current = out.get(entry.record_id)
        if current is None or entry.id > current.id:
            out[entry.record_id] = entry
    return out
