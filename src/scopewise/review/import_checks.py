"""What an import checks besides the file's format: the source's name, unreadable
fields, and whether the searches match the protocol's plan.

- The source (the database searched) is never guessed from a file name: a file
  called ``faulty_year.ris`` would otherwise put "faulty_year" in the PRISMA flow.
  It comes from ``--source``, from the content (a format or tag naming the database,
  e.g. a Web of Science or Scopus export), or from the protocol source whose query
  is the one given; otherwise the import asks for ``--source``.
- A value that cannot be read (a year "10 15") stays in the record's raw fields,
  exactly as written; the import reports how many per field, with a few examples,
  so nothing is dropped without a word.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from scopewise.errors import UsageError
from scopewise.protocol import Protocol
from scopewise.records import Record
from scopewise.store.records import VALUE_COLUMNS
from scopewise.text import name_key, plural

__all__ = [
    "UnparsedField",
    "UnparsedTally",
    "content_source",
    "resolve_source",
    "source_mismatches",
    "unparsed_warnings",
]

_FORMAT_SOURCES = {"medline": "PubMed", "pubmed-xml": "PubMed", "wos": "Web of Science"}
_DB_TAGS = ("DB", "DP")
_KNOWN_PLATFORMS = {"scopus": "Scopus", "web of science": "Web of Science",
                    "pubmed": "PubMed", "embase": "Embase"}
EXAMPLES = 3
"""How many examples of an unreadable field the warning shows."""

# Raw field names (lower case) that hold each parsed value, across the readers.
_RAW_NAMES = {
    "year": ("py", "y1", "da", "dp", "year", "publication year", "pubyear", "date", "yr"),
    "doi": ("do", "di", "doi"),
}
_COLUMN = {name: VALUE_COLUMNS.index(name) for name in _RAW_NAMES}
_RAW = VALUE_COLUMNS.index("raw")


def _first_text(value: Any) -> str:
    if isinstance(value, list | tuple):
        value = next((v for v in value if str(v).strip()), "")
    return str(value).strip() if value is not None else ""


def content_source(fmt: str, first: Record | None) -> str | None:
    """The database the file itself names: by its format (MEDLINE, WoS), a database tag
    (RIS ``DB``/``DP``), a Web of Science accession number, or a Scopus link/column."""
    if fmt in _FORMAT_SOURCES:
        return _FORMAT_SOURCES[fmt]
    if first is None:
        return None
    raw = {str(k).lower(): v for k, v in first.raw.items()}
    for tag in _DB_TAGS:
        value = _first_text(raw.get(tag.lower()))
        if value:
            return value
    if str(first.source_record_id).startswith("WOS:"):
        return "Web of Science"
    source = _first_text(raw.get("source"))
    if source.lower() in _KNOWN_PLATFORMS:
        return _KNOWN_PLATFORMS[source.lower()]
    for key in ("link", "ur", "url"):
        if "scopus.com" in _first_text(raw.get(key)).lower():
            return "Scopus"
    return None


def _planned_name(protocol: Protocol, name: str) -> str:
    """``name`` as the protocol spells it, when a planned source is that database."""
    wanted = name.casefold()
    for planned in protocol.sources:
        if wanted in (planned.name.casefold(), planned.platform.casefold()):
            return planned.name
    return name


def _as_spelt(name: str, spellings: Sequence[str]) -> str:
    """``name`` as the first of ``spellings`` that is the same apart from case and
    spacing, else ``name`` with its spaces collapsed."""
    return next((s for s in spellings if name_key(s) == name_key(name)), " ".join(name.split()))


def resolve_source(
    given: str | None, fmt: str, first: Record | None, protocol: Protocol, query: str,
    file_name: str, earlier: Sequence[str] = (),
) -> str:
    """The source name of an import (see the module notes). A name given as
    ``--source`` is spelt as the protocol's source, or an ``earlier`` import's, of the
    same name apart from case and spacing ("cinahl" is CINAHL), so that one database
    is one box of the flow diagram.

    Raises
    ------
    UsageError
        Nothing names the database: the message asks for ``--source``.
    """
    if given is not None and given.strip():
        return _as_spelt(given, [p.name for p in protocol.sources] + list(earlier))
    named = content_source(fmt, first)
    if named:
        return _planned_name(protocol, named)
    if query.strip():
        for planned in protocol.sources:
            if planned.method == "file" and planned.query.strip() == query.strip():
                return planned.name
    planned_names = [p.name for p in protocol.sources if p.method == "file"]
    hint = f" (the protocol plans: {', '.join(planned_names)})" if planned_names else ""
    raise UsageError(
        f"{file_name}: the file does not say which database it came from; "
        f"give --source NAME{hint}; nothing was imported"
    )


def source_mismatches(protocol: Protocol, imported: Sequence[str]) -> list[str]:
    """Warnings when the protocol's sources and the imported ones differ, both ways.

    Online searches planned with ``method = "api"`` are matched by name as well: they
    are stored under the planned source name by ``scopewise search --all``.
    """
    planned = {p.name.casefold(): p.name for p in protocol.sources}
    platforms = {p.platform.casefold() for p in protocol.sources if p.platform}
    done = {s.casefold(): s for s in imported}
    out: list[str] = []
    unplanned = [s for key, s in done.items() if key not in planned and key not in platforms]
    if unplanned:
        out.append(
            f"imported but not planned in the protocol's sources: {', '.join(unplanned)} "
            "(add them to the protocol's [[sources]], or check the source name given at import)"
        )
    missing = [name for key, name in planned.items() if key not in done]
    if missing and planned:
        out.append(f"planned in the protocol but not imported yet: {', '.join(missing)}")
    return out


@dataclass
class UnparsedField:
    """One field's values that could not be read: how many, and the first few."""

    count: int = 0
    examples: list[tuple[int, str]] = field(default_factory=list)  # (record number, value)


@dataclass
class UnparsedTally:
    """Counts, per field, the records whose raw value could not be read (kept raw)."""

    fields: dict[str, UnparsedField] = field(default_factory=dict)
    seen: int = 0

    def add(self, batch: Sequence[Sequence[Any]]) -> None:
        """Look at one batch of stored values (in :data:`VALUE_COLUMNS` order)."""
        for values in batch:
            self.seen += 1
            empty = [name for name, i in _COLUMN.items() if not values[i]]
            if not empty:
                continue
            try:
                raw = json.loads(values[_RAW])
            except (TypeError, ValueError):
                continue
            if not isinstance(raw, dict):
                continue
            lowered = {str(k).lower(): v for k, v in raw.items()}
            for name in empty:
                text = next((_first_text(lowered[k]) for k in _RAW_NAMES[name]
                             if _first_text(lowered.get(k))), "")
                if text and (name != "year" or any(c.isdigit() for c in text)):
                    found = self.fields.setdefault(name, UnparsedField())
                    found.count += 1
                    if len(found.examples) < EXAMPLES:
                        found.examples.append((self.seen, text[:60]))

    def summary(self) -> dict[str, dict[str, Any]]:
        """``{field: {"count": n, "examples": [{"record": i, "value": v}, ...]}}``."""
        return {
            name: {"count": f.count,
                   "examples": [{"record": r, "value": v} for r, v in f.examples]}
            for name, f in sorted(self.fields.items())
        }

    def warnings(self) -> list[str]:
        """One line per field, e.g. ``year: 2 values could not be read ...``."""
        return unparsed_warnings(self.summary())


def unparsed_warnings(summary: dict[str, dict[str, Any]]) -> list[str]:
    """The warning lines of an :meth:`UnparsedTally.summary` (as the audit trail keeps
    it, so the web app can show an import's warnings again later)."""
    out = []
    for name, f in sorted(summary.items()):
        shown = ", ".join(f"{e['value']!r} (record {e['record']})" for e in f.get("examples", []))
        count = int(f.get("count", 0))
        out.append(
            f"{name}: {plural(count, 'value')} could not be read and "
            f"{'is' if count == 1 else 'are'} kept as "
            f"written in the raw fields, e.g. {shown}"
        )
    return out
