"""A disk cache of prepared rankers (and stopping-rule levels) for one-shot
``scopewise screen --next`` calls.

Preparing a ranker (the text features of every record) takes seconds at a few
thousand records; a long-lived process keeps the prepared ranker in memory, but
each ``scopewise screen --next`` is a new process. The prepared ranker (before any
fit) is therefore kept on disk and loaded by the next call with the same records.

Where: ``SCOPEWISE_CACHE_DIR``, else ``$XDG_CACHE_HOME/scopewise``, else
``~/.cache/scopewise``; ``SCOPEWISE_CACHE_DIR=off`` turns the cache off. It is the
user's own folder, never the project folder: a cached ranker is a pickle, and a
project folder may be shared with colleagues, so only files this user wrote are
loaded. The key hashes the ranker's name, the ranker code, the criteria text, the
project's identity (its database row and creation time) and the record ids in
screening order. Records are never changed once imported, so the ids stand for their
text, and the key is made without reading any record (reading 100,000 to hash them
took seconds of every call); any change of records, order, criteria or code prepares
anew.
Only the newest few files are kept, within a byte budget. Any problem with the cache
(unreadable, full disk, a file from another version) only means preparing again.

The statistical stopping rule's per-look levels (a second or more each for a large
urn, see :mod:`scopewise.screening.sequential`) are kept the same way, as plain JSON
numbers in one file per version of the rule's code (:class:`LevelFile`).
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import tempfile
from array import array
from collections.abc import Callable, Iterator, MutableMapping, Sequence
from functools import partial
from pathlib import Path
from typing import IO, Any

__all__ = [
    "KEEP", "MAX_BYTES", "LevelFile", "cache_dir", "load_prepared", "prepared_key",
    "store_prepared",
]

KEEP = 3
"""How many prepared rankers the cache keeps (the newest)."""
MAX_BYTES = 2 << 30
"""The most the kept rankers may take together; the newest one is always kept."""

_SUFFIX = ".ranker.pickle"


def cache_dir() -> Path | None:
    """The user's scopewise cache folder, or ``None`` when the cache is turned off."""
    setting = os.environ.get("SCOPEWISE_CACHE_DIR", "").strip()
    if setting.lower() == "off":
        return None
    if setting:
        return Path(setting)
    base = os.environ.get("XDG_CACHE_HOME", "").strip() or str(Path.home() / ".cache")
    return Path(base) / "scopewise"


def _rankers_dir() -> Path | None:
    folder = cache_dir()
    return None if folder is None else folder / "rankers"


def _write_atomically(path: Path, write: Callable[[IO[bytes]], None]) -> bool:
    """Write ``path`` through a temporary file beside it and rename it into place, so a
    reader never sees half a file; ``False`` (and nothing left behind) on any OS error."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd, name = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    except OSError:
        return False
    temporary = Path(name)
    try:
        with os.fdopen(fd, "wb") as handle:
            write(handle)
        os.replace(temporary, path)
    except (OSError, pickle.PicklingError, TypeError, AttributeError, ValueError):
        temporary.unlink(missing_ok=True)
        return False
    return True


def _source_digest(files: Sequence[Path]) -> bytes:
    """A digest of source files (names and contents): a code change changes it."""
    digest = hashlib.sha256()
    for source in files:
        digest.update(source.name.encode())
        digest.update(source.read_bytes())
    return digest.digest()


def _code_digest() -> bytes:
    from scopewise.screening import rankers

    return _source_digest(sorted(Path(rankers.__file__).parent.glob("*.py")))


def prepared_key(name: str, project: str, record_ids: Sequence[int], criteria: str) -> str:
    """The cache key of a ranker ``name`` prepared on the records ``record_ids`` (in
    this order) of ``project`` (an identity string, see
    :func:`scopewise.store.screening.project_identity`) with ``criteria``."""
    digest = hashlib.sha256(_code_digest())
    digest.update(repr((name, criteria, project)).encode())
    digest.update(array("q", record_ids).tobytes())
    return digest.hexdigest()


def load_prepared(key: str) -> Any | None:
    """The prepared ranker stored under ``key``, or ``None``."""
    folder = _rankers_dir()
    if folder is None:
        return None
    path = folder / f"{key}{_SUFFIX}"
    try:
        with path.open("rb") as handle:
            ranker = pickle.load(handle)
        os.utime(path)  # recently used: kept longer
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError,
            TypeError, ValueError):
        return None
    return ranker


def store_prepared(key: str, ranker: Any) -> None:
    """Keep ``ranker`` (just prepared, not fitted) under ``key``; drop the oldest files."""
    folder = _rankers_dir()
    if folder is None:
        return
    path = folder / f"{key}{_SUFFIX}"
    dump = partial(pickle.dump, ranker, protocol=pickle.HIGHEST_PROTOCOL)
    if not _write_atomically(path, dump):
        return
    # the file just written first, then the others from the most recently used
    try:
        others = sorted((p for p in folder.glob(f"*{_SUFFIX}") if p != path),
                        key=lambda p: p.stat().st_mtime, reverse=True)
        total = 0
        for rank, old in enumerate([path, *others]):
            total += old.stat().st_size
            if rank >= KEEP or (rank > 0 and total > MAX_BYTES):
                old.unlink(missing_ok=True)
    except OSError:
        pass


class LevelFile(MutableMapping[str, float]):
    """Stopping-rule levels in a JSON file of the cache, one file per version of the
    rule's code (``screening/stopping.py`` and ``screening/sequential.py``), so a
    changed computation never reuses old levels. Without a cache folder it is an
    ordinary in-memory mapping."""

    def __init__(self) -> None:
        from scopewise.screening import sequential, stopping

        version = _source_digest([Path(m.__file__ or "") for m in (stopping, sequential)])
        folder = cache_dir()
        self.path = None if folder is None else folder / f"levels-{version.hex()[:16]}.json"
        self._levels: dict[str, float] = {}
        if self.path is not None:
            try:
                data = json.loads(self.path.read_text(encoding="utf-8"))
                self._levels = {str(k): float(v) for k, v in data.items()}
            except (OSError, ValueError, TypeError, AttributeError):
                self._levels = {}

    def __getitem__(self, key: str) -> float:
        return self._levels[key]

    def __setitem__(self, key: str, value: float) -> None:
        self._levels[key] = float(value)
        if self.path is not None:
            text = json.dumps(self._levels).encode("utf-8")

            def write(handle: IO[bytes]) -> None:
                handle.write(text)

            _write_atomically(self.path, write)

    def __delitem__(self, key: str) -> None:
        del self._levels[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._levels)

    def __len__(self) -> int:
        return len(self._levels)
