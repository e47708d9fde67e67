"""Two records field by field, and a queued pair's reason in words, for a person who
decides whether they are the same (``scopewise dedup --review`` and the web page)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from scopewise.records import Record

__all__ = ["FieldRow", "reason_words", "side_by_side"]

AUTHORS_SHOWN = 6
ABSTRACT_SHOWN = 300

_FIELD_WORDS = {
    "first_author": "first author", "first_page": "first page", "doi": "DOI", "pmid": "PMID",
    "publication_type": "type",
}


@dataclass(frozen=True, slots=True)
class FieldRow:
    """One field of both records; ``differs`` when the two values are not the same."""

    name: str
    left: str
    right: str

    @property
    def differs(self) -> bool:
        return self.left != self.right


def _fields(record: Record, abstract_shown: int | None) -> list[tuple[str, str]]:
    authors = "; ".join(a.display() for a in record.authors[:AUTHORS_SHOWN])
    if len(record.authors) > AUTHORS_SHOWN:
        authors += f"; ... ({len(record.authors)} authors)"
    return [
        ("title", record.title), ("authors", authors), ("year", str(record.year or "")),
        ("journal", record.journal), ("volume", record.volume), ("issue", record.issue),
        ("pages", record.pages), ("doi", record.doi), ("pmid", record.pmid),
        ("type", record.publication_type), ("abstract", record.abstract[:abstract_shown]),
    ]  # fmt: skip


def side_by_side(a: Record, b: Record, abstract_shown: int | None = ABSTRACT_SHOWN
                 ) -> list[FieldRow]:
    """The fields either record has, in reading order (abstracts cut to
    ``abstract_shown`` characters, 300 for a terminal; ``None``: whole)."""
    return [FieldRow(name, left, right) for (name, left), (_, right)
            in zip(_fields(a, abstract_shown), _fields(b, abstract_shown), strict=True)
            if left or right]


def _names(values: Any) -> str:
    return ", ".join(_FIELD_WORDS.get(str(v), str(v).replace("_", " ")) for v in values)


def reason_words(reason: Mapping[str, Any]) -> str:
    """A stored reason (:meth:`~scopewise.dedup.verdict.Verdict.reason`) as one
    sentence: the rule, then what matched and what differs."""
    parts = [str(reason.get("rule", "")).strip()]
    if reason.get("matched"):
        parts.append(f"the same: {_names(reason['matched'])}")
    if reason.get("differs"):
        parts.append(f"different: {_names(reason['differs'])}")
    similar = [f"{label} {float(reason[key]):.2f}" for key, label in
               (("title_similarity", "title similarity"), ("author_overlap", "author overlap"))
               if isinstance(reason.get(key), int | float)]
    if similar:
        parts.append(", ".join(similar))
    text = "; ".join(p for p in parts if p)
    return text[:1].upper() + text[1:] + "." if text else ""
