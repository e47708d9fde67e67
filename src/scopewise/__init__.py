"""scopewise: run a scoping review end to end, reproducibly."""

from __future__ import annotations

from scopewise.errors import ScopewiseError
from scopewise.records import Author, Record

__all__ = ["Author", "Record", "ScopewiseError", "__version__"]

__version__ = "0.1.0"
