"""Names in a protocol that only later stages know (the stopping rule, the ranker and
the citation style), and names that later reading cannot tell apart (team members and
criterion codes that differ only in case or spacing).

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
from typing import Any

from scopewise.errors import ProtocolError, UsageError
from scopewise.protocol.io import locate
from scopewise.report.references import citation_style_problem
from scopewise.screening.rankers import available_rankers
from scopewise.screening.stopping import resolve_stop_rule
from scopewise.text import name_key

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


def _twice(data: dict[str, Any], table: str, key: str) -> list[tuple[tuple[str | int, ...], str]]:
    """The entries of an array of tables whose ``key`` repeats an earlier one apart
    from case and spacing: (location, name)."""
    entries = data.get(table)
    if isinstance(entries, dict):  # criteria: inclusion and exclusion together
        entries = [(kind, i, e) for kind in ("inclusion", "exclusion")
                   for i, e in enumerate(entries.get(kind) or [])]
    else:
        entries = [(i, e) for i, e in enumerate(entries or [])]
    seen: set[str] = set()
    out = []
    for *where, entry in entries:
        name = entry.get(key) if isinstance(entry, dict) else None
        if not isinstance(name, str):
            continue
        if name_key(name) in seen:
            out.append(((table, *where, key), name))
        seen.add(name_key(name))
    return out


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
    # names and codes typed elsewhere are read in any case and spacing ("ann" is Ann,
    # "notpeer" is NOTPEER), so two must differ by more than that
    for where, name in _twice(data, "team", "name") + _twice(data, "criteria", "code"):
        what = "team member" if where[0] == "team" else "criterion code"
        out.append(ProtocolError(
            f"{name!r} is a second {what} that differs from an earlier one only in case "
            "or spacing; names typed in the CLI and in files are read without those, so "
            "give each a name of its own", path=path, line=locate(text, where),
            field=".".join(str(p) if isinstance(p, str) else f"[{p}]" for p in where)
            .replace(".[", "[")))
    return out


def check_names(text: str, path: str) -> None:
    """Raise the first of :func:`name_errors`, if any."""
    errors = name_errors(text, path)
    if errors:
        raise errors[0]
