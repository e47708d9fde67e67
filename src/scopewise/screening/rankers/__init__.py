"""Prioritisation: rankers that put the likely relevant records first.

Look a ranker up by name with :func:`get_ranker`; add one from another package by
declaring it in the ``scopewise.rankers`` entry-point group.
"""

from scopewise.screening.rankers.base import Ranker, record_text
from scopewise.screening.rankers.registry import (
    BUILTIN_RANKERS,
    ENTRY_POINT_GROUP,
    available_rankers,
    get_ranker,
    ranker_class,
)

__all__ = [
    "BUILTIN_RANKERS",
    "ENTRY_POINT_GROUP",
    "Ranker",
    "available_rankers",
    "get_ranker",
    "ranker_class",
    "record_text",
]
