"""Writing a hand-made export file for a reader's tests."""

from __future__ import annotations

from pathlib import Path


def write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    """``text`` saved as ``tmp_path / name`` in ``encoding``, newlines as written."""
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path
