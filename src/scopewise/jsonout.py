"""JSON as every reader takes it: a number that is not finite (NaN, infinity) is null.

Python's :func:`json.dumps` writes ``NaN`` and ``Infinity``, which JSON does not allow;
jq, JavaScript's ``JSON.parse`` and most other readers then refuse the whole file. A
recall with no relevant record, or a kappa where one rater used one value only, is
such a number, so every JSON file and printout of scopewise goes through :func:`dumps`.
"""

from __future__ import annotations

import json
import math
from typing import Any

__all__ = ["dumps", "finite"]


def finite(value: Any) -> Any:
    """``value`` with every non-finite float, at any depth, replaced by ``None``."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {key: finite(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [finite(item) for item in value]
    return value


def dumps(value: Any, **options: Any) -> str:
    """:func:`json.dumps` of ``value`` with non-finite numbers as ``null``."""
    return json.dumps(finite(value), allow_nan=False, **options)
