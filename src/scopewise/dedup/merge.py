"""The merged view of a duplicate group: the best value of each field, with provenance."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from rapidfuzz import fuzz

from scopewise.dedup.keys import normalise_title
from scopewise.dedup.notices import clean_title, read_notice
from scopewise.errors import UsageError
from scopewise.records import Record, normalise_doi

__all__ = ["MergedRecord", "merge_records"]


@dataclass(frozen=True, slots=True)
class MergedRecord:
    """One record standing for a duplicate group.

    ``provenance`` names, for each field, the member record that supplied its value;
    ``members`` lists every member id (all its sources stay countable). ``notices``
    lists the members that are notices about the article rather than the article
    itself, as ``(record id, kind)`` with kind ``"erratum"``, ``"retraction"``,
    ``"concern"``, ``"reply"``, ...: an erratum or a retraction attached to an
    article stays visible. The article's own members supply the fields.
    """

    record: Record
    primary_id: int
    members: tuple[int, ...]
    provenance: dict[str, int]
    notices: tuple[tuple[int, str], ...] = ()

    @property
    def retracted(self) -> bool:
        """True when a retraction notice is among the members."""
        return any(kind == "retraction" for _, kind in self.notices)


def _consensus(values: list[tuple[int, str]]) -> tuple[int, str] | None:
    """The value most like the others (a medoid); ties go to mixed case, then length."""
    values = [(rid, v) for rid, v in values if v and v.strip()]
    if not values:
        return None
    if len(values) <= 2:
        return max(values, key=lambda p: (not p[1].isupper(), len(p[1])))

    def centrality(p: tuple[int, str]) -> float:
        return sum(fuzz.ratio(p[1].lower(), q[1].lower()) for q in values if q is not p)

    return max(values, key=lambda p: (round(centrality(p)), not p[1].isupper(), len(p[1])))


def _mode(values: list[tuple[int, Any]]) -> tuple[int, Any] | None:
    values = [(rid, v) for rid, v in values if v not in (None, "", ())]
    if not values:
        return None
    counts = Counter(v for _, v in values)
    best = max(counts.values())
    return next((rid, v) for rid, v in values if counts[v] == best)


def _authors_quality(record: Record) -> tuple[int, int]:
    # Full given names beat initials; more authors beat a truncated list.
    return len(record.authors), sum(len(a.given) for a in record.authors)


def merge_records(
    members: Sequence[tuple[int, Record]], primary_id: int | None = None
) -> MergedRecord:
    """Merge the records of one duplicate group field by field.

    Parameters
    ----------
    members:
        ``(record_id, record)`` of every member.
    primary_id:
        The member that supplies ``raw`` and ``source_record_id``; the first member
        when omitted.
    """
    if not members:
        raise UsageError("merge_records: a duplicate group needs at least one record")
    primary_id = members[0][0] if primary_id is None else primary_id
    by_id = dict(members)
    if primary_id not in by_id:
        raise UsageError(f"merge_records: primary record {primary_id} is not a group member")
    notices = tuple(
        (rid, kind) for rid, r in members if (kind := notice_of(r)) and kind != "letter"
    )
    everyone = members
    if len(notices) < len(members):
        # the article's own records supply the fields; its notices are listed
        noticed = {rid for rid, _ in notices}
        members = [(rid, r) for rid, r in members if rid not in noticed]
    chosen: dict[str, Any] = {}
    provenance: dict[str, int] = {}

    def take(name: str, pick: tuple[int, Any] | None) -> None:
        if pick is not None:
            provenance[name], chosen[name] = pick

    for name in ("title", "journal"):
        take(name, _consensus([(rid, getattr(r, name)) for rid, r in members]))
    take("abstract", max(((rid, r.abstract) for rid, r in members if r.abstract),
                         key=lambda p: len(p[1]), default=None))  # fmt: skip
    with_authors = [(rid, r) for rid, r in members if r.authors]
    if with_authors:
        rid, rec = max(with_authors, key=lambda p: _authors_quality(p[1]))
        take("authors", (rid, rec.authors))
    for name in ("year", "volume", "issue", "pmid", "pmcid", "issn", "isbn", "url",
                 "language", "publication_type"):  # fmt: skip
        take(name, _mode([(rid, getattr(r, name)) for rid, r in members]))
    take("doi", _mode([(rid, normalise_doi(r.doi)) for rid, r in members]))
    ranges = [(rid, r.pages) for rid, r in members if r.pages and "-" in r.pages]
    take("pages", _mode(ranges) or _mode([(rid, r.pages) for rid, r in members]))
    keywords: dict[str, None] = {}
    for _, r in everyone:
        keywords.update(dict.fromkeys(r.keywords))
    primary = by_id[primary_id]
    record = primary.with_changes(**chosen, keywords=tuple(keywords))
    return MergedRecord(
        record=record,
        primary_id=primary_id,
        members=tuple(rid for rid, _ in everyone),
        provenance=provenance,
        notices=notices,
    )


def notice_of(record: Record) -> str:
    """The kind of notice a record is (``"erratum"``, ``"retraction"``, ``"reply"``, ...),
    ``""`` for an article. See :mod:`scopewise.dedup.notices`."""
    raw, cited = clean_title(record.title or "")
    ptype = (record.publication_type or "").strip().lower()
    return read_notice(normalise_title(raw), cited, ptype, raw)[1]
