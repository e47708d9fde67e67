"""The sections of the report the team writes: stored as Markdown files in the project.

``DIR/sections/NAME.md`` holds the text of section NAME (summary, context,
discussion, limitations, implications, conclusion); a team may edit those files
directly or store one with ``scopewise report DIR --section NAME --text-file F``.
A file wins over ``[report] sections`` in the protocol.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from scopewise.errors import UsageError
from scopewise.protocol import Protocol
from scopewise.protocol.model import REPORT_SECTIONS

__all__ = ["SECTIONS_DIR", "read_texts", "write_text"]

SECTIONS_DIR = "sections"


def read_texts(folder: Path, protocol: Protocol) -> dict[str, str]:
    """Every written section's text, by name (files first, then the protocol)."""
    texts = {k: v for k, v in protocol.report.sections.items() if v.strip()}
    for name in REPORT_SECTIONS:
        path = folder / SECTIONS_DIR / f"{name}.md"
        if path.is_file():
            text = path.read_text(encoding="utf-8-sig", errors="replace").strip()
            if text:
                texts[name] = text
    return texts


def write_text(folder: Path, name: str, text_file: Path) -> Path:
    """Store ``text_file`` as the text of section ``name``; returns where it went.

    Raises
    ------
    UsageError
        The section name is unknown, or the file is missing, binary or empty.
    """
    if name not in REPORT_SECTIONS:
        raise UsageError(f"unknown section {name!r}; choose from {', '.join(REPORT_SECTIONS)}")
    try:
        raw = text_file.read_bytes()
    except OSError as exc:
        raise UsageError(f"{text_file}: cannot read the text file ({exc.strerror})") from None
    if b"\x00" in raw[:4096]:
        raise UsageError(f"{text_file}: not a text file (binary content)")
    try:
        text = raw.decode("utf-8-sig").strip()
    except UnicodeDecodeError as exc:
        raise UsageError(f"{text_file}: not UTF-8 text (byte {exc.start})") from None
    if not text:
        raise UsageError(f"{text_file}: the file is empty")
    target = folder / SECTIONS_DIR / f"{name}.md"
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text + "\n")
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target
