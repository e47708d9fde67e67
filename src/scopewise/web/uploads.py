"""A file uploaded through a form, saved to a private temporary folder for the facade.

The import page and the consultation page both hand an upload to a facade method
that reads a path. The upload is copied in 1 MiB pieces (Starlette has already
spooled it to disk), so a large export never sits whole in memory, and one byte
over the page's limit refuses it with 413 before anything is read by the project.
The folder and file are removed when the block ends, whatever happened, and a
refusal from inside the block that names the saved file names the uploaded one
instead (the server's temporary folder is nobody's business).
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException

__all__ = ["saved_upload"]

_PIECE = 1 << 20


def _safe_name(uploaded: str) -> str:
    """The uploaded file's name as a name in the private folder: its last part only,
    without control characters, at most 120 characters (its extension kept, which the
    import reads), and ``upload`` when nothing is left or it is only dots ("..")."""
    base = Path(uploaded.replace("\\", "/")).name
    base = "".join(c if c.isprintable() else "_" for c in base)
    if len(base) > 120:
        suffix = Path(base).suffix[:20]
        base = base[: 120 - len(suffix)] + suffix
    return "upload" if not base.strip(". ") else base


@asynccontextmanager
async def saved_upload(
    upload: object, limit: int, name: str | None, missing: str
) -> AsyncIterator[Path]:
    """The upload as a file named ``name`` (default: the uploaded name, without any
    folder part); 400 with ``missing`` when no file was chosen, 413 over ``limit``."""
    if not isinstance(upload, UploadFile) or not upload.filename:
        raise HTTPException(400, missing)
    folder = Path(tempfile.mkdtemp(prefix="scopewise-upload-"))
    try:
        path = folder / _safe_name(name or upload.filename)
        size = 0
        with path.open("wb") as out:
            while piece := await upload.read(_PIECE):
                size += len(piece)
                if size > limit:
                    raise HTTPException(413, f"the file is larger than {limit // 2**20} MiB")
                out.write(piece)
        try:
            yield path
        except HTTPException as exc:  # a message naming the file names what was sent
            detail = str(exc.detail)
            if str(path) not in detail:
                raise
            raise HTTPException(exc.status_code, detail.replace(str(path), path.name)) from None
    finally:
        shutil.rmtree(folder, ignore_errors=True)
