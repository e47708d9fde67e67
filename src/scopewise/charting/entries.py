"""From the append-only charting log to each reviewer's values, final values and conflicts.

Every value a reviewer enters is a new :class:`ChartEntry`; nothing is overwritten.
The latest entry per (record, field, reviewer) counts, and the history stays. A
lead's reconciliation is an entry of kind ``resolution`` and overrides the charters.

With one charter per record the latest value is final. With two, a value is final
when both charters agree, or when a lead resolved it; two different values are a
conflict, one value alone waits for the second charter.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from scopewise.charting.values import is_empty, normalise_stored, same_value
from scopewise.protocol import ChartingField, ChartingForm

__all__ = [
    "ChartConflict",
    "ChartEntry",
    "ChartingState",
    "FieldStatus",
    "charting_state",
    "replace_values",
]

EntryKind = Literal["value", "resolution", "complete"]
FieldStatus = Literal["final", "conflict", "awaiting_second", "empty"]


@dataclass(frozen=True, slots=True)
class ChartEntry:
    """One value as a reviewer entered it (``kind="complete"`` marks a source done)."""

    id: int
    record_id: int
    field: str
    reviewer: str
    value: Any
    kind: EntryKind = "value"
    created_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class ChartConflict:
    """Two charters' different values for one field of one source."""

    record_id: int
    field: str
    values: dict[str, Any]


@dataclass(slots=True)
class ChartingState:
    """Everything derived from the log, for one form and one charting plan."""

    # record -> reviewer -> field -> value (latest per reviewer; renames applied)
    by_reviewer: dict[int, dict[str, dict[str, Any]]] = field(default_factory=dict)
    # record -> field -> final value
    final: dict[int, dict[str, Any]] = field(default_factory=dict)
    # record -> field -> status
    status: dict[int, dict[str, FieldStatus]] = field(default_factory=dict)
    conflicts: list[ChartConflict] = field(default_factory=list)
    # record -> reviewers who marked the source complete
    complete: dict[int, set[str]] = field(default_factory=dict)
    # (record, field) pairs whose values belong to a retired field or a retired choice
    retired: set[tuple[int, str]] = field(default_factory=set)
    # record -> field -> resolution value
    resolved: dict[int, dict[str, Any]] = field(default_factory=dict)
    # (record, field) -> (entry id, reviewer) of the newest value: with one charter
    # per record, the newest value counts
    stamps: dict[tuple[int, str], tuple[int, str]] = field(default_factory=dict)

    def reviewers_of(self, record_id: int) -> set[str]:
        """Who has entered at least one value for the source."""
        return set(self.by_reviewer.get(record_id, {}))


EntryRow = tuple[int, int, str, str, str, Any]
"""An entry as a plain tuple: (id, record_id, field, reviewer, kind, value)."""


def charting_state(
    entries: Sequence[ChartEntry],
    form: ChartingForm,
    reviewers_per_record: int | None = None,
    records: Iterable[int] | None = None,
    fields: Iterable[str] | None = None,
) -> ChartingState:
    """Work out each reviewer's values, the final values and the conflicts.

    Parameters
    ----------
    entries:
        The log, in any order (ids order it).
    form:
        The current charting form: renamed choices are read under their new names,
        and values of retired fields and choices are flagged in ``retired``.
    reviewers_per_record:
        1 or 2; the form's setting by default.
    records:
        Only these records (all in the log by default).
    fields:
        Only these fields (all by default): an evidence map needs two or three, and
        reading only their entries keeps a map of 10,000 sources fast.
    """
    rows = sorted(
        ((e.id, e.record_id, e.field, e.reviewer, e.kind, e.value) for e in entries),
        key=lambda row: row[0],
    )
    return state_from_rows(rows, form, reviewers_per_record, records, fields)


def state_from_rows(
    rows: Iterable[EntryRow],
    form: ChartingForm,
    reviewers_per_record: int | None = None,
    records: Iterable[int] | None = None,
    fields: Iterable[str] | None = None,
    unsettled: Iterable[int] = (),
) -> ChartingState:
    """:func:`charting_state` over plain tuples given in id order (the store's fast path).

    The final values of ``unsettled`` records are left out: a caller about to change
    them (:func:`replace_values`) works them out once, afterwards.
    """
    per_record = reviewers_per_record or form.reviewers_per_record
    wanted = None if records is None else set(records)
    latest: dict[tuple[int, str, str, str], EntryRow] = {}
    for row in rows:
        latest[(row[1], row[2], row[3], row[4])] = row  # a later id replaces an earlier one
    by_name = {f.name: f for f in form.fields}
    renames = {f.name for f in form.fields if f.renamed_choices}
    retired_check = {f.name for f in form.fields if f.retired or f.retired_choices}
    state = ChartingState()
    complete, resolved, by_reviewer = state.complete, state.resolved, state.by_reviewer
    stamps = state.stamps
    for entry_id, rid, name, reviewer, kind, value in latest.values():
        if wanted is not None and rid not in wanted:
            continue
        if kind == "complete":
            if value is not False:
                complete.setdefault(rid, set()).add(reviewer)
            continue
        spec = by_name.get(name)
        if name in renames and spec is not None:
            value = normalise_stored(spec, value)
        if (spec is None or name in retired_check) and _is_retired(spec, value):
            state.retired.add((rid, name))
        if kind == "resolution":
            resolved.setdefault(rid, {})[name] = value
            continue
        own = by_reviewer.setdefault(rid, {}).setdefault(reviewer, {})
        if value is not None:  # stored values are checked: never blank, only None
            own[name] = value
            if per_record == 1:
                stamp = stamps.get((rid, name))
                if stamp is None or stamp[0] < entry_id:
                    stamps[(rid, name)] = (entry_id, reviewer)
    chosen = None if fields is None else set(fields)
    specs = tuple(f for f in form.fields if chosen is None or f.name in chosen)
    skip = set(unsettled)
    for rid in sorted((set(by_reviewer) | set(resolved)) - skip):
        _finalise(state, rid, specs, per_record, stamps)
    return state


def _is_retired(spec: ChartingField | None, value: Any) -> bool:
    if is_empty(value):
        return False
    return spec is None or spec.retired or _uses_retired_choice(spec.retired_choices, value)


def _uses_retired_choice(retired: Sequence[str], value: Any) -> bool:
    if not retired or value is None:
        return False
    if isinstance(value, list):
        return any(v in retired for v in value)
    return value in retired


def _finalise(
    state: ChartingState,
    rid: int,
    specs: Sequence[ChartingField],
    per_record: int,
    stamps: dict[tuple[int, str], tuple[int, str]],
) -> None:
    charters = state.by_reviewer.get(rid, {})
    resolved = state.resolved.get(rid, {})
    final: dict[str, Any] = {}
    status: dict[str, FieldStatus] = {}
    for spec in specs:
        name = spec.name
        if name in resolved:
            if not is_empty(resolved[name]):
                final[name] = resolved[name]
            status[name] = "final"
            continue
        given = {r: v[name] for r, v in charters.items() if name in v}
        if not given:
            status[name] = "empty"
            continue
        values = list(given.values())
        if per_record == 1:
            # the latest charter's value counts
            stamp = stamps.get((rid, name))
            final[name] = given[stamp[1]] if stamp is not None else values[-1]
            status[name] = "final"
            continue
        if len(given) < 2:
            # A blank from a second charter who completed the source is a disagreement.
            done = state.complete.get(rid, set()) - set(given)
            if done and any(r in charters for r in done):
                status[name] = "conflict"
                state.conflicts.append(
                    ChartConflict(rid, name, {**given, **dict.fromkeys(sorted(done))})
                )
            else:
                status[name] = "awaiting_second"
            continue
        first = values[0]
        if all(first == other or same_value(spec, first, other) for other in values[1:]):
            final[name] = first
            status[name] = "final"
        else:
            status[name] = "conflict"
            state.conflicts.append(ChartConflict(rid, name, dict(sorted(given.items()))))
    state.final[rid] = final
    state.status[rid] = status


def replace_values(
    state: ChartingState,
    form: ChartingForm,
    changes: Mapping[int, Mapping[str, Any]],
    reviewer: str,
    reviewers_per_record: int | None = None,
    complete: bool = False,
) -> None:
    """Bring ``state`` up to date with ``reviewer``'s new values (``None`` clears a field)
    on some records, as if they had been appended to the log, and work those records'
    final values and conflicts out again."""
    per_record = reviewers_per_record or form.reviewers_per_record
    touched = set(changes)
    state.conflicts[:] = [c for c in state.conflicts if c.record_id not in touched]
    newest = max((stamp[0] for stamp in state.stamps.values()), default=0) + 1
    for rid, values in changes.items():
        if complete:
            state.complete.setdefault(rid, set()).add(reviewer)
        own = state.by_reviewer.setdefault(rid, {}).setdefault(reviewer, {})
        for name, value in values.items():
            if value is None:
                own.pop(name, None)
            else:
                own[name] = value
                state.stamps[(rid, name)] = (newest, reviewer)
    for rid in sorted(touched):
        _finalise(state, rid, tuple(form.fields), per_record, state.stamps)
