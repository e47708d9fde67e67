"""The evidence map: sources per (value of one field, value of another), gaps marked.

As evidence and gap maps show them (EPPI-Mapper, 3ie): every choice of both fields
is a row or a column, in the protocol's order, so an empty cell stands out as a gap.
An optional third field segments each cell (e.g. study design). Gaps come in two
kinds, as 3ie's maps distinguish them:

- ``no_sources``: no source at all in the cell;
- ``no_review``: sources, but no review among them (a source is a review when a
  choice field whose name mentions "design" or "type" holds a value naming a review).

A multiple-choice source counts once under each of its values.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from scopewise.analysis.charting import ChartedSource, field_values
from scopewise.cells import text_cell
from scopewise.protocol import ChartingField, ChartingForm

__all__ = ["EvidenceCell", "EvidenceMap", "evidence_map", "is_review"]

Gap = Literal["none", "no_sources", "no_review"]
_REVIEW = re.compile(r"review", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class EvidenceCell:
    """One cell of the map."""

    row: str
    column: str
    count: int
    segments: dict[str, int]
    record_ids: tuple[int, ...]
    gap: Gap


@dataclass(frozen=True, slots=True)
class EvidenceMap:
    """A map of ``row_field`` against ``column_field``."""

    row_field: str
    column_field: str
    row_label: str
    column_label: str
    rows: tuple[str, ...]
    columns: tuple[str, ...]
    cells: tuple[EvidenceCell, ...]
    segment_field: str | None
    segment_label: str | None
    segments: tuple[str, ...]
    filters: dict[str, str]
    n_sources: int

    def cell(self, row: str, column: str) -> EvidenceCell:
        """The cell at ``row`` and ``column``."""
        for cell in self.cells:
            if cell.row == row and cell.column == column:
                return cell
        raise KeyError((row, column))

    def count(self, row: str, column: str) -> int:
        """Sources in the cell at ``row`` and ``column``."""
        return self.cell(row, column).count

    @property
    def n_mapped(self) -> int:
        """Sources in at least one cell: those with a (final) value on both fields.
        ``n_sources`` counts every source given, charted or not."""
        return len({rid for cell in self.cells for rid in cell.record_ids})

    @property
    def gaps(self) -> list[EvidenceCell]:
        """Cells with no sources, or with sources but no review."""
        return [c for c in self.cells if c.gap != "none"]

    def to_csv_rows(self) -> list[list[str]]:
        """Header row (the row field's name, then the column values), then one row per value."""
        out = [[self.row_field, *self.columns]]
        for row in self.rows:
            out.append([row, *(str(self.count(row, column)) for column in self.columns)])
        return out

    def to_csv_cells(self) -> list[list[str]]:
        """:meth:`to_csv_rows` for a CSV file: a value that a spreadsheet would run as
        a formula is kept text (:func:`scopewise.cells.text_cell`)."""
        return [[str(text_cell(cell)) for cell in row] for row in self.to_csv_rows()]

    def to_json(self) -> dict[str, Any]:
        """Everything in the map, as plain JSON values."""
        return {
            "row_field": self.row_field,
            "column_field": self.column_field,
            "row_label": self.row_label,
            "column_label": self.column_label,
            "rows": list(self.rows),
            "columns": list(self.columns),
            "segment_field": self.segment_field,
            "segments": list(self.segments),
            "filters": dict(self.filters),
            "n_sources": self.n_sources,
            "n_mapped": self.n_mapped,
            "cells": [
                {
                    "row": c.row,
                    "column": c.column,
                    "count": c.count,
                    "segments": dict(c.segments),
                    "record_ids": list(c.record_ids),
                    "gap": c.gap,
                }
                for c in self.cells
            ],
            "gaps": {
                "no_sources": sum(c.gap == "no_sources" for c in self.cells),
                "no_review": sum(c.gap == "no_review" for c in self.cells),
            },
        }


def _review_fields(form: ChartingForm) -> list[ChartingField]:
    return [
        f
        for f in form.fields
        if f.type in ("single_choice", "multiple_choice")
        and ("design" in f.name or "type" in f.name)
    ]


def is_review(row: ChartedSource, form: ChartingForm) -> bool:
    """Whether the source is a review (its design or type field names a review)."""
    for spec in _review_fields(form):
        if any(_REVIEW.search(v) for v in field_values(spec, row.values.get(spec.name))):
            return True
    return False


def _axis(spec: ChartingField, rows: Sequence[ChartedSource]) -> tuple[str, ...]:
    seen: list[str] = []
    for row in rows:
        for value in field_values(spec, row.values.get(spec.name)):
            if value not in seen:
                seen.append(value)
    if spec.choices:
        shown = [c for c in spec.choices if c not in spec.retired_choices or c in seen]
        return tuple(shown + [v for v in seen if v not in spec.choices])
    if spec.type == "yes_no":
        return ("yes", "no")
    if spec.type in ("year", "number"):
        return tuple(sorted(seen, key=float))
    return tuple(sorted(seen, key=str.casefold))


def _spec(form: ChartingForm, name: str) -> ChartingField:
    spec = form.field(name)
    if spec is None:
        known = ", ".join(f.name for f in form.fields)
        raise KeyError(f"no charting field {name!r}; the form has: {known}")
    return spec


def evidence_map(
    rows: Sequence[ChartedSource],
    form: ChartingForm,
    field_a: str,
    field_b: str,
    segment: str | None = None,
    filters: Mapping[str, str] | None = None,
) -> EvidenceMap:
    """Map ``field_a`` (rows) against ``field_b`` (columns).

    Parameters
    ----------
    rows:
        The charted sources (final values).
    form:
        The charting form: it gives each axis its values, in order.
    segment:
        A third field whose values split each cell's count.
    filters:
        ``{field: value}``: only sources carrying that value are mapped.

    Raises
    ------
    KeyError
        A field name is not on the form (the message lists the form's fields).
    """
    spec_a, spec_b = _spec(form, field_a), _spec(form, field_b)
    spec_s = _spec(form, segment) if segment else None
    wanted = dict(filters or {})
    for name in wanted:
        _spec(form, name)
    kept = [
        row
        for row in rows
        if all(
            value.casefold()
            in {v.casefold() for v in field_values(_spec(form, name), row.values.get(name))}
            for name, value in wanted.items()
        )
    ]
    row_values, column_values = _axis(spec_a, kept), _axis(spec_b, kept)
    segment_values = _axis(spec_s, kept) if spec_s else ()
    members: dict[tuple[str, str], list[ChartedSource]] = {}
    for row in kept:
        values_a = set(field_values(spec_a, row.values.get(field_a)))
        values_b = set(field_values(spec_b, row.values.get(field_b)))
        for va in values_a:
            for vb in values_b:
                members.setdefault((va, vb), []).append(row)
    # A "no review" gap means nothing when an axis is the design field itself.
    review_names = {f.name for f in _review_fields(form)}
    mark_reviews = bool(review_names) and not review_names & {field_a, field_b}
    cells: list[EvidenceCell] = []
    for ra in row_values:
        for cb in column_values:
            inside = members.get((ra, cb), [])
            segments: dict[str, int] = {}
            if spec_s is not None:
                for row in inside:
                    for value in field_values(spec_s, row.values.get(spec_s.name)):
                        segments[value] = segments.get(value, 0) + 1
            gap: Gap = "none"
            if not inside:
                gap = "no_sources"
            elif mark_reviews and not any(is_review(r, form) for r in inside):
                gap = "no_review"
            cells.append(
                EvidenceCell(
                    row=ra,
                    column=cb,
                    count=len(inside),
                    segments={k: segments[k] for k in segment_values if k in segments},
                    record_ids=tuple(sorted(r.record_id for r in inside)),
                    gap=gap,
                )
            )
    return EvidenceMap(
        row_field=field_a,
        column_field=field_b,
        row_label=spec_a.title,
        column_label=spec_b.title,
        rows=row_values,
        columns=column_values,
        cells=tuple(cells),
        segment_field=segment,
        segment_label=spec_s.title if spec_s else None,
        segments=segment_values,
        filters=wanted,
        n_sources=len(kept),
    )
