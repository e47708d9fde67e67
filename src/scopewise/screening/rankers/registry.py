"""Rankers by name, through the ``scopewise.rankers`` entry-point group.

Built-in rankers are declared in ``pyproject.toml`` under that group exactly as a
third-party package would declare its own; ``BUILTIN_RANKERS`` repeats those
declarations so the built-ins also work from a source tree that was never installed.
"""

from __future__ import annotations

import importlib
from importlib.metadata import entry_points
from typing import Any

from scopewise.errors import UsageError
from scopewise.screening.rankers.base import Ranker

__all__ = ["BUILTIN_RANKERS", "ENTRY_POINT_GROUP", "available_rankers", "get_ranker", "ranker_class"]

ENTRY_POINT_GROUP = "scopewise.rankers"

#: name -> "module:attribute", the same strings as the entry points in pyproject.toml
BUILTIN_RANKERS: dict[str, str] = {
    "scopewise": "scopewise.screening.rankers.ensemble:ScopewiseRanker",
    "warm-svm": "scopewise.screening.rankers.linear:WarmSVMRanker",
    "svm": "scopewise.screening.rankers.linear:SVMRanker",
    "criteria": "scopewise.screening.rankers.linear:CriteriaRanker",
    "random": "scopewise.screening.rankers.linear:RandomRanker",
}


def _declared() -> dict[str, str]:
    declared = dict(BUILTIN_RANKERS)
    for point in entry_points(group=ENTRY_POINT_GROUP):
        declared.setdefault(point.name, point.value)
    return declared


def available_rankers() -> list[str]:
    """Names of every ranker that can be asked for, sorted."""
    return sorted(_declared())


def ranker_class(name: str) -> type[Ranker]:
    """The ranker class registered under ``name``."""
    declared = _declared()
    if name not in declared:
        raise UsageError(
            f"unknown ranker {name!r}: choose one of {', '.join(available_rankers())}"
        )
    module_name, _, attribute = declared[name].partition(":")
    cls = getattr(importlib.import_module(module_name), attribute)
    if not (isinstance(cls, type) and issubclass(cls, Ranker)):
        raise UsageError(f"ranker {name!r} ({declared[name]}) is not a scopewise Ranker")
    return cls


def get_ranker(name: str = "scopewise", **params: Any) -> Ranker:
    """A new, unfitted ranker registered under ``name``, with hyper-parameters ``params``."""
    try:
        return ranker_class(name)(**params)
    except TypeError as error:
        raise UsageError(f"ranker {name!r} does not take these settings: {error}") from None
