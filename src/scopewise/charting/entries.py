"""From the append-only charting log to each reviewer's values, final values and conflicts.

Every value a reviewer enters is a new :class:`ChartEntry`; nothing is overwritten.
The latest entry per (record, field, reviewer) counts, and the history stays. A
lead's reconciliation is an entry of kind ``resolution`` and overrides the charters.

With one charter per record the latest value is final. With two, a value is final
when both charters agree, or when a lead resolved it; two different values are a
conflict, one value alone waits for the second charter.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from scopewise.charting.values import is_empty, normalise_stored, same_value
from scopewise.protocol import ChartingForm

__all__ = [
    "ChartConflict",
    "ChartEntry",
    "ChartingState",
    "FieldStatus",
    "charting_state",
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

    def reviewers_of(self, record_id: int) -> set[str]:
        """Who has entered at least one value for the source."""
        return set(self.by_reviewer.get(record_id, {}))


def _latest(entries: Iterable[ChartEntry]) -> dict[tuple[int, str, str, str], ChartEntry]:
    latest: dict[tuple[int, str, str, str], ChartEntry] = {}
    for entry in entries:
        key = (entry.record_id, entry.field, entry.reviewer, entry.kind)
        old = latest.get(key)
        if old is None or entry.id > old.id:
            latest[key] = entry
    return latest


def charting_state(
    entries: Sequence[ChartEntry],
    form: ChartingForm,
    reviewers_per_record: int | None = None,
    records: Iterable[int] | None = None,
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
    """
    per_record = reviewers_per_record or form.reviewers_per_record
    wanted = None if records is None else set(records)
    fields = {f.name: f for f in form.fields}
    state = ChartingState()
    for (rid, name, reviewer, kind), entry in sorted(
        _latest(entries).items(), key=lambda item: item[1].id
    ):
        if wanted is not None and rid not in wanted:
            continue
        if kind == "complete":
            if entry.value is not False:
                state.complete.setdefault(rid, set()).add(reviewer)
            continue
        spec = fields.get(name)
        value = normalise_stored(spec, entry.value) if spec is not None else entry.value
        flagged = spec is None or spec.retired or _uses_retired_choice(spec.retired_choices, value)
        if flagged and not is_empty(value):
            state.retired.add((rid, name))
        if kind == "resolution":
            state.resolved.setdefault(rid, {})[name] = value
        else:
            own = state.by_reviewer.setdefault(rid, {}).setdefault(reviewer, {})
            if not is_empty(value):
                own[name] = value
    for rid in sorted(set(state.by_reviewer) | set(state.resolved)):
        _finalise(state, rid, form, per_record)
    return state


def _uses_retired_choice(retired: Sequence[str], value: Any) -> bool:
    if not retired or value is None:
        return False
    if isinstance(value, list):
        return any(v in retired for v in value)
    return value in retired


def _finalise(state: ChartingState, rid: int, form: ChartingForm, per_record: int) -> None:
    charters = state.by_reviewer.get(rid, {})
    resolved = state.resolved.get(rid, {})
    final: dict[str, Any] = {}
    status: dict[str, FieldStatus] = {}
    for spec in form.fields:
        name = spec.name
        if name in resolved:
            if not is_empty(resolved[name]):
                final[name] = resolved[name]
            status[name] = "final"
            continue
        given = {r: v[name] for r, v in charters.items() if name in v and not is_empty(v[name])}
        if not given:
            status[name] = "empty"
            continue
        values = list(given.values())
        if per_record == 1:
            # the latest charter's value counts (entries were read in id order)
            final[name] = values[-1]
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
        if all(same_value(spec, first, other) for other in values[1:]):
            final[name] = first
            status[name] = "final"
        else:
            status[name] = "conflict"
            state.conflicts.append(ChartConflict(rid, name, dict(sorted(given.items()))))
    state.final[rid] = final
    state.status[rid] = status
