"""Counts, cross-tabulations and tables of charted sources: pure functions over rows.

Rows are :class:`ChartedSource` values holding each source's final charted values.
A multiple-choice source counts once under each of its values, so a field's counts
may add up to more than the number of sources; percentages are of sources.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from scopewise.cells import is_number
from scopewise.charting.values import display_value, is_empty
from scopewise.protocol import ChartingField, ChartingForm, Protocol

__all__ = [
    "ChartedSource",
    "CrossTab",
    "FieldCount",
    "Table",
    "characteristics_table",
    "crosstab",
    "field_counts",
    "field_values",
    "short_citation",
    "sources_per_country",
    "sources_per_year",
    "synthesis_order",
]

NOT_CHARTED = "(not charted)"


@dataclass(frozen=True, slots=True)
class ChartedSource:
    """An included source and its final charted values."""

    record_id: int
    title: str
    authors: tuple[str, ...] = ()
    year: int | None = None
    journal: str = ""
    values: dict[str, Any] = field(default_factory=dict)
    doi: str = ""


@dataclass(frozen=True, slots=True)
class FieldCount:
    """How many sources carry one value of one field."""

    field: str
    value: str
    count: int
    percent: float


@dataclass(frozen=True, slots=True)
class CrossTab:
    """Counts of sources per (row value, column value)."""

    row_field: str
    column_field: str
    rows: tuple[str, ...]
    columns: tuple[str, ...]
    counts: dict[tuple[str, str], int]

    def count(self, row: str, column: str) -> int:
        """Sources with ``row`` in the row field and ``column`` in the column field."""
        return self.counts.get((row, column), 0)


@dataclass(frozen=True, slots=True)
class Table:
    """A plain table: a header and rows of text."""

    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


def short_citation(source: ChartedSource) -> str:
    """ "Surname et al. (2021)", as a table cell cites a source."""
    if source.authors:
        first = source.authors[0].split(",")[0].strip()
        name = first if len(source.authors) == 1 else f"{first} et al."
    else:
        name = (source.title[:40] + "...") if len(source.title) > 43 else source.title
    return f"{name} ({source.year})" if source.year else name


def field_values(spec: ChartingField, value: Any) -> list[str]:
    """The values a source counts under for ``spec``, as readers see them."""
    if is_empty(value):
        return []
    if spec.type == "multiple_choice":
        return [str(v) for v in value]
    return [display_value(spec, value)]


def _value_order(spec: ChartingField, seen: Iterable[str]) -> list[str]:
    if spec.choices:
        known = list(spec.choices)
        return known + sorted(v for v in set(seen) if v not in known)
    if spec.type == "yes_no":
        return ["yes", "no"]
    if spec.type in ("year", "number"):
        return sorted(set(seen), key=lambda v: (float(v) if is_number(v) else float("inf"), v))
    return sorted(set(seen), key=str.casefold)


def _spec(form: ChartingForm, name: str) -> ChartingField:
    spec = form.field(name)
    if spec is None:
        known = ", ".join(f.name for f in form.fields)
        raise KeyError(f"no charting field {name!r}; the form has: {known}")
    return spec


def field_counts(
    rows: Sequence[ChartedSource], form: ChartingForm, fields: Iterable[str] | None = None
) -> list[FieldCount]:
    """Counts and percentages per value of every choice-like field (or of ``fields``).

    Free-text fields are left out unless named: their values rarely repeat.
    """
    names = (
        list(fields)
        if fields is not None
        else [f.name for f in form.active_fields if f.type not in ("text", "long_text")]
    )
    total = len(rows)
    out: list[FieldCount] = []
    for name in names:
        spec = _spec(form, name)
        counter: Counter[str] = Counter()
        missing = 0
        for row in rows:
            values = field_values(spec, row.values.get(name))
            if not values:
                missing += 1
            counter.update(set(values))
        for value in _value_order(spec, counter):
            if not spec.choices and spec.type != "yes_no" and counter[value] == 0:
                continue
            count = counter[value]
            out.append(FieldCount(name, value, count, 100.0 * count / total if total else 0.0))
        if missing:
            out.append(
                FieldCount(name, NOT_CHARTED, missing, 100.0 * missing / total if total else 0.0)
            )
    return out


def crosstab(rows: Sequence[ChartedSource], form: ChartingForm, a: str, b: str) -> CrossTab:
    """Sources per (value of ``a``, value of ``b``); all choices appear, in form order."""
    spec_a, spec_b = _spec(form, a), _spec(form, b)
    counts: Counter[tuple[str, str]] = Counter()
    seen_a: set[str] = set()
    seen_b: set[str] = set()
    for row in rows:
        values_a = set(field_values(spec_a, row.values.get(a)))
        values_b = set(field_values(spec_b, row.values.get(b)))
        seen_a |= values_a
        seen_b |= values_b
        for va in values_a:
            for vb in values_b:
                counts[(va, vb)] += 1
    return CrossTab(
        row_field=a,
        column_field=b,
        rows=tuple(_value_order(spec_a, seen_a)),
        columns=tuple(_value_order(spec_b, seen_b)),
        counts=dict(counts),
    )


def sources_per_year(
    rows: Sequence[ChartedSource], form: ChartingForm | None = None
) -> list[tuple[int | None, int]]:
    """Sources per publication year, oldest first (``None`` last: year unknown).

    The charted ``year`` field wins over the bibliographic year when the form has one.
    """
    counter: Counter[int | None] = Counter()
    has_field = (
        form is not None and (spec := form.field("year")) is not None and spec.type == "year"
    )
    for row in rows:
        year = row.values.get("year") if has_field else None
        counter[int(year) if year is not None else row.year] += 1
    known = sorted(y for y in counter if y is not None)
    out: list[tuple[int | None, int]] = [(y, counter[y]) for y in known]
    if None in counter:
        out.append((None, counter[None]))
    return out


def sources_per_country(rows: Sequence[ChartedSource], form: ChartingForm) -> list[tuple[str, int]]:
    """Sources per country (every country field), most sources first."""
    specs = [f for f in form.fields if f.type == "country"]
    counter: Counter[str] = Counter()
    for row in rows:
        names: set[str] = set()
        for spec in specs:
            names.update(field_values(spec, row.values.get(spec.name)))
        counter.update(names)
    return sorted(counter.items(), key=lambda item: (-item[1], item[0]))


def characteristics_table(
    rows: Sequence[ChartedSource], form: ChartingForm, fields: Iterable[str] | None = None
) -> Table:
    """The table of characteristics of included sources (PRISMA-ScR item 17).

    One row per source: its short citation, then each active field (long text left
    out unless named, since it belongs in the findings, not a table cell).
    """
    names = (
        list(fields)
        if fields is not None
        else [f.name for f in form.active_fields if f.type != "long_text"]
    )
    specs = [_spec(form, n) for n in names]
    header = ("Source", *(s.title for s in specs))
    body = tuple(
        (short_citation(row), *(display_value(s, row.values.get(s.name)) for s in specs))
        for row in rows
    )
    return Table(columns=header, rows=body)


def _order_key(entry: str, form: ChartingForm, row: ChartedSource) -> tuple[int, ...]:
    name, _, wanted = entry.partition("=")
    spec = form.field(name.strip())
    if spec is None:
        return (0,)
    value = row.values.get(spec.name)
    if wanted:
        return (0 if wanted.strip() in field_values(spec, value) else 1,)
    values = field_values(spec, value)
    if spec.choices:
        positions = [spec.choices.index(v) for v in values if v in spec.choices]
        return (min(positions) if positions else len(spec.choices),)
    return (0 if values else 1,)


def synthesis_order(rows: Sequence[ChartedSource], protocol: Protocol) -> list[ChartedSource]:
    """The included sources in the order the protocol's ``[report] order`` gives.

    E.g. ``["study_design=review", "category"]``: reviews first, then by the first
    charting category each source informs; ties by first author, year and id.
    """
    form = protocol.charting
    order = protocol.report.order

    def key(row: ChartedSource) -> tuple[Any, ...]:
        parts: list[int] = []
        for entry in order:
            parts.extend(_order_key(entry, form, row))
        author = row.authors[0].casefold() if row.authors else "~"
        return (*parts, author, row.year or 0, row.record_id)

    return sorted(rows, key=key)
