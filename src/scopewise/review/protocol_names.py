"""Names in a protocol that only later stages know: the stopping rule, the ranker and
the citation style.

The protocol package sits below the stages in the layers, so its validation cannot
ask them which names exist. The review asks when a protocol is registered
(:meth:`Review.create`) or changed (:meth:`Review.update_protocol`), and
``scopewise protocol check`` reports these with the other errors. Before, a misspelt
name passed and failed only when screening asked whether it could stop, or when the
report was written at the end of the review.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable

from scopewise.errors import ProtocolError, UsageError
from scopewise.protocol.io import locate
from scopewise.report.references import citation_style_problem
from scopewise.screening.rankers import available_rankers
from scopewise.screening.stopping import resolve_stop_rule

__all__ = ["check_names", "name_errors"]


def _stop_rule(name: str) -> str:
    try:
        resolve_stop_rule(name)
    except UsageError as error:
        return str(error)
    return ""


def _ranker(name: str) -> str:
    if name == "default" or name in available_rankers():
        return ""
    return f"unknown ranker {name!r}: choose one of default, {', '.join(available_rankers())}"


def _citation_style(name: str) -> str:
    problem = citation_style_problem(name)
    return f"{name!r} {problem}" if problem else ""


_CHECKS: tuple[tuple[tuple[str, str], Callable[[str], str]], ...] = (
    (("screening", "stop_rule"), _stop_rule),
    (("screening", "ranker"), _ranker),
    (("report", "citation_style"), _citation_style),
)


def name_errors(text: str, path: str) -> list[ProtocolError]:
    """One error per name the stages do not know, with its line and field. ``text`` is
    the protocol's TOML; it is read even where other fields fail validation, so that
    ``scopewise protocol check`` lists every error in one run. Text that is not TOML
    has no names to check (its syntax error is reported elsewhere)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return []
    out = []
    for loc, check in _CHECKS:
        table = data.get(loc[0])
        value = table.get(loc[1]) if isinstance(table, dict) else None
        problem = check(value) if isinstance(value, str) else ""
        if problem:
            out.append(ProtocolError(problem, path=path, line=locate(text, loc),
                                     field=".".join(loc)))
    return out


def check_names(text: str, path: str) -> None:
    """Raise the first of :func:`name_errors`, if any."""
    errors = name_errors(text, path)
    if errors:
        raise errors[0]
