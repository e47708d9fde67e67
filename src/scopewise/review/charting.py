"""ChartingMixin: chart included sources, reconcile two charters, map the evidence.

The CLI (``scopewise chart``), the report and the web app all call these methods.
Values are checked by :mod:`scopewise.charting`, kept append-only by
:mod:`scopewise.store.charting`, and counted by :mod:`scopewise.analysis`.
"""

from __future__ import annotations

import contextlib
import hashlib
import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Connection

from scopewise.analysis.charting import (
    ChartedSource,
    FieldCount,
    Table,
    characteristics_table,
    field_counts,
    sources_per_country,
    sources_per_year,
    synthesis_order,
)
from scopewise.analysis.evidence_map import EvidenceMap, evidence_map
from scopewise.charting import (
    ChartConflict,
    ChartingState,
    FieldAgreement,
    Suggestion,
    charting_state,
    check_value,
    display_value,
    field_agreement,
    is_empty,
    replace_values,
    state_from_rows,
    suggest,
)
from scopewise.errors import ChartingError, NotFound
from scopewise.protocol import ChartingField, ChartingForm, Protocol
from scopewise.review.core import ReviewCore
from scopewise.store import charting as db

__all__ = ["ChartProgress", "ChartSaved", "ChartingMixin", "ChartingResults",
           "MapCoverage", "SourceCharters", "SuggestionAccuracy"]


@dataclass(frozen=True, slots=True)
class ChartSaved:
    """What one call to :meth:`ChartingMixin.chart` stored."""

    record_id: int
    reviewer: str
    changed: dict[str, tuple[Any, Any]]
    complete: bool


@dataclass(frozen=True, slots=True)
class ChartProgress:
    """Where one source's charting stands, as a lead follows it."""

    charters: tuple[str, ...]  # who entered values, in name order
    complete: tuple[str, ...]  # who marked it complete
    conflicts: int  # fields on which charters differ and no lead has decided


@dataclass(frozen=True, slots=True)
class SourceCharters:
    """Who may still chart one source, as the form tells a reviewer."""

    needed: int  # the protocol's charters per source
    count: int  # charters who entered values
    charters: tuple[str, ...]  # their names, in name order (a lead's view only)
    yours: bool  # the asking reviewer is one of them
    complete: bool  # the asking reviewer marked the source complete
    conflicts: int  # fields on which the charters differ and no lead has decided

    @property
    def full(self) -> bool:
        """The source has its charters and the asking reviewer is not one of them:
        their values would be one charter too many (with two charters per source)."""
        return _one_too_many(self.needed, self.count, self.yours)


@dataclass(frozen=True, slots=True)
class MapCoverage:
    """Which included sources an evidence map of two fields counts, and why the rest
    are not on it."""

    included: int
    mapped: int  # final values on both fields: in at least one cell
    conflict: int  # a value of either field in conflict between charters
    awaiting: int  # a value of either field awaiting the second charter
    no_value: int  # no value yet for either field (not charted, or left empty)

    @property
    def charted(self) -> bool:
        """Whether any source has any value on the two fields yet."""
        return bool(self.mapped or self.conflict or self.awaiting)


@dataclass(frozen=True, slots=True)
class SuggestionAccuracy:
    """How often reviewers confirmed one field's suggestions."""

    field: str
    suggested: int
    confirmed: int
    by_value: dict[str, tuple[int, int]]

    @property
    def rate(self) -> float | None:
        """Share of suggestions the reviewers' values confirmed."""
        return self.confirmed / self.suggested if self.suggested else None


@dataclass(frozen=True, slots=True)
class ChartingResults:
    """Everything a report shows of the charting, gathered in one read."""

    form: ChartingForm
    included: int
    sources: tuple[ChartedSource, ...]
    field_counts: tuple[FieldCount, ...]
    per_year: tuple[tuple[int | None, int], ...]
    per_country: tuple[tuple[str, int], ...]
    characteristics: Table
    agreement: tuple[FieldAgreement, ...]
    map: EvidenceMap | None
    reviewers_per_record: int
    conflicts: int
    simulated: bool = False
    pending: dict[str, int] = field(default_factory=dict)


class ChartingMixin(ReviewCore):
    """Charting the included sources (issue: charting, evidence maps)."""

    # -- who may do what ---------------------------------------------------------

    def _team_member(self, reviewer: str, *, lead: bool = False) -> str:
        team = {m.name: m.role for m in self.protocol.team}
        role = team.get(reviewer)
        if role is None:
            names = ", ".join(sorted(team)) or "nobody (add [[team]] entries)"
            raise ChartingError(f"{reviewer!r} is not on the review team; the team: {names}")
        if lead and role != "lead":
            raise ChartingError(f"only a lead reconciles charting; {reviewer!r} is a {role}")
        if role == "stakeholder":
            raise ChartingError(f"{reviewer!r} is a stakeholder, who reads but does not chart")
        return reviewer

    def _too_many(self, state: ChartingState, record_id: int, reviewer: str) -> bool:
        """Whether ``reviewer``'s values would make one charter too many on the source
        (see :func:`_one_too_many`)."""
        charters = _charters(state, record_id)
        return _one_too_many(self.protocol.charting.reviewers_per_record,
                             len(charters - {reviewer}), reviewer in charters)

    def _refuse_extra(self, record_ids: Sequence[int]) -> None:
        needed = self.protocol.charting.reviewers_per_record
        shown = ", ".join(str(r) for r in record_ids[:10]) + (", ..." if len(record_ids) > 10 else "")
        which = f"record {shown} already has" if len(record_ids) == 1 else (
            f"records {shown} already have")
        raise ChartingError(
            f"{which} its {needed} charters (the protocol's [charting] reviewers_per_record "
            f"= {needed}), so a further charter's values are not taken: the lead compares the "
            "charters' values and reconciles the fields on which they differ"
        )

    def _is_lead(self, reviewer: str) -> bool:
        return any(m.name == reviewer and m.role == "lead" for m in self.protocol.team)

    # -- reads -------------------------------------------------------------------

    def _included(self, conn: Connection) -> list[int]:
        snapshot = self._screening_state(conn).snapshot
        return db.included_record_ids(conn, self.protocol, snapshot)

    def _state(
        self,
        conn: Connection,
        records: Sequence[int] | None = None,
        fields: Sequence[str] | None = None,
    ) -> ChartingState:
        form = self.protocol.charting
        if records is not None:
            return charting_state(
                db.chart_entries(conn, records, fields), form, records=records, fields=fields
            )
        # The whole log's state is kept while no entry is added and the form is the
        # same object (the web app and the report ask for it again and again).
        key = None if fields is None else tuple(sorted(fields))
        kept, mark = self._kept_state(conn, key)
        if kept is not None:
            return kept
        state = state_from_rows(db.chart_rows(conn, fields), form, fields=fields)
        cached: dict[Any, Any] = getattr(self, "_chart_state_cache", {})
        if not cached or any(v[0] != mark or v[1] is not form for v in cached.values()):
            cached = {}
        cached[key] = (mark, form, state)
        self._chart_state_cache = cached
        return state

    def _kept_state(
        self, conn: Connection, key: Any, take: bool = False
    ) -> tuple[ChartingState | None, Any]:
        """The state kept under ``key`` if the log and the form are still those it was
        worked out from (taken out of the cache with ``take``), and the log's mark."""
        mark = db.log_mark(conn)
        cached: dict[Any, Any] = getattr(self, "_chart_state_cache", {})
        hit = cached.pop(key, None) if take else cached.get(key)
        if hit is not None and hit[0] == mark and hit[1] is self.protocol.charting:
            state: ChartingState = hit[2]
            return state, mark
        return None, mark

    def _state_to_change(self, conn: Connection, records: Iterable[int]) -> ChartingState:
        """The whole log's state, to be brought up to date on ``records`` by the caller:
        the kept one, taken out of the cache (a failed write must not leave a changed
        state there), or read afresh without working out ``records``' final values."""
        kept, _mark = self._kept_state(conn, None, take=True)
        if kept is not None:
            return kept
        return state_from_rows(db.chart_rows(conn), self.protocol.charting, unsettled=records)

    def _form_key(self) -> str:
        """What the kept final values depend on besides the log: the form."""
        form = self.protocol.charting
        cached = getattr(self, "_form_key_cache", None)
        if cached is not None and cached[0] is form:
            return str(cached[1])
        key = hashlib.sha256(form.model_dump_json().encode("utf-8")).hexdigest()
        self._form_key_cache = (form, key)
        return key

    def _keep_final_for(
        self, conn: Connection, before: tuple[int, int], records: Sequence[int]
    ) -> None:
        """After an append: keep the final values of ``records`` up to date, or all of
        them when the kept ones were not up to date before the append."""
        key = self._form_key()
        after = (*db.log_mark(conn), key)
        form = self.protocol.charting
        if db.final_mark(conn) == (*before, key):
            state = charting_state(db.chart_entries(conn, records), form, records=records)
            db.write_final(conn, state.final, after, records)
        else:
            db.write_final(conn, state_from_rows(db.chart_rows(conn), form).final, after)

    def _final_values(
        self, conn: Connection, fields: Sequence[str] | None = None
    ) -> dict[int, dict[str, Any]]:
        """Final values per record (of ``fields``): the kept ones when they describe the
        log as it is, else worked out from the log."""
        if db.final_mark(conn) == (*db.log_mark(conn), self._form_key()):
            return db.read_final(conn, fields)
        return self._state(conn, fields=fields).final

    def _field(
        self, name: str, *, record_id: int | None = None, writing: bool = True
    ) -> ChartingField:
        form = self.protocol.charting
        spec = form.field(name)
        where = f"record {record_id}: " if record_id is not None else ""
        if spec is None:
            known = ", ".join(f.name for f in form.active_fields) or "none"
            raise ChartingError(f"{where}no charting field {name!r}; the form's fields: {known}")
        if writing and spec.retired:
            raise ChartingError(f"{where}field {name!r} is retired; its values stay in the history")
        return spec

    def sources_to_chart(self) -> list[ChartedSource]:
        """The sources to chart: those included at the protocol's last stage."""
        with self.store.reading() as conn:
            ids = self._included(conn)
            details = db.source_details(conn, ids)
        return [details[i] for i in ids if i in details]

    def pilot_sources(self) -> list[int]:
        """The pilot sample: ``[charting] pilot_sample`` sources drawn with a fixed seed."""
        n = self.protocol.charting.pilot_sample
        with self.store.reading() as conn:
            ids = self._included(conn)
        if n <= 0 or not ids:
            return []
        rng = random.Random(f"scopewise-charting-pilot:{n}")
        return sorted(rng.sample(ids, min(n, len(ids))))

    def chart_values(self, record_id: int, reviewer: str) -> dict[str, Any]:
        """``reviewer``'s own latest values for the source (never another's)."""
        with self.store.reading() as conn:
            state = self._state(conn, [record_id])
        return dict(state.by_reviewer.get(record_id, {}).get(reviewer, {}))

    def charted_by(self, reviewer: str) -> set[int]:
        """The sources ``reviewer`` has entered at least one value for (their own work
        only: blinding hides nothing from them here)."""
        with self.store.reading() as conn:
            state = self._state(conn)
        return {rid for rid, by in state.by_reviewer.items() if by.get(reviewer)}

    def chart_progress(self, lead: str) -> dict[int, ChartProgress]:
        """Per source charted so far: who charted it, who marked it complete, and the
        fields in conflict. For a lead only: under blinding it names every charter."""
        self._team_member(lead, lead=True)
        with self.store.reading() as conn:
            state = self._state(conn)
        conflicts: dict[int, int] = {}
        for c in state.conflicts:
            conflicts[c.record_id] = conflicts.get(c.record_id, 0) + 1
        return {
            rid: ChartProgress(tuple(sorted(by)), tuple(sorted(state.complete.get(rid, ()))),
                               conflicts.get(rid, 0))
            for rid, by in state.by_reviewer.items() if by
        }

    def source_charters(self, record_id: int, reviewer: str) -> SourceCharters:
        """Where the source's charting stands for ``reviewer``: how many charters it
        has, whether they are one, and (for a lead only) who the charters are and how
        many fields are in conflict; a reviewer learns counts only."""
        with self.store.reading() as conn:
            state = self._state(conn, [record_id])
        charters = _charters(state, record_id)
        lead = self._is_lead(reviewer)
        conflicts = sum(c.record_id == record_id for c in state.conflicts) if lead else 0
        return SourceCharters(
            needed=self.protocol.charting.reviewers_per_record,
            count=len(charters),
            charters=tuple(sorted(charters)) if lead else (),
            yours=reviewer in charters,
            complete=reviewer in state.complete.get(record_id, ()),
            conflicts=conflicts,
        )

    def sources_full_for(self, reviewer: str) -> set[int]:
        """The sources that already have their charters, ``reviewer`` not among them
        (with two charters per source): a further charter's values would be refused."""
        needed = self.protocol.charting.reviewers_per_record
        if needed < 2:
            return set()
        with self.store.reading() as conn:
            state = self._state(conn)
        return {rid for rid in state.by_reviewer if self._too_many(state, rid, reviewer)}

    def map_coverage(self, field_a: str, field_b: str) -> MapCoverage:
        """How many included sources a map of ``field_a`` x ``field_b`` counts (final
        values on both), and why the others are not on it."""
        for name in (field_a, field_b):
            self._field(name, writing=False)
        with self.store.reading() as conn:
            ids = self._included(conn)
            state = self._state(conn)
        counts = {"mapped": 0, "conflict": 0, "awaiting": 0, "no_value": 0}
        for rid in ids:
            final = state.final.get(rid, {})
            status = state.status.get(rid, {})
            if all(not is_empty(final.get(name)) for name in (field_a, field_b)):
                counts["mapped"] += 1
            elif any(status.get(name) == "conflict" for name in (field_a, field_b)):
                counts["conflict"] += 1
            elif any(status.get(name) == "awaiting_second" for name in (field_a, field_b)):
                counts["awaiting"] += 1
            else:
                counts["no_value"] += 1
        return MapCoverage(included=len(ids), **counts)

    def chart_history(self, record_id: int) -> list[dict[str, Any]]:
        """Every value ever entered for the source, oldest first (for a lead)."""
        form = self.protocol.charting
        with self.store.reading() as conn:
            entries = db.chart_entries(conn, [record_id])
            state = charting_state(entries, form, records=[record_id])
        return [
            {
                "field": e.field,
                "reviewer": e.reviewer,
                "value": e.value,
                "kind": e.kind,
                "at": e.created_at.isoformat() if e.created_at else "",
                "retired": (e.record_id, e.field) in state.retired,
            }
            for e in entries
        ]

    def charted_sources(self, fields: Sequence[str] | None = None) -> list[ChartedSource]:
        """Included sources with their final values (of ``fields`` only, when given),
        in record order."""
        with self.store.reading() as conn:
            ids = self._included(conn)
            details = db.source_details(conn, ids)
            final = self._final_values(conn, fields)
        return _with_final(ids, details, final)

    # -- writes --------------------------------------------------------------------

    def _check_included(self, conn: Connection, record_ids: Sequence[int]) -> None:
        included = set(self._included(conn))
        for rid in record_ids:
            if rid not in included:
                stage = (
                    "full text"
                    if "full_text" in self.protocol.screening.stages
                    else "title/abstract"
                )
                raise ChartingError(
                    f"record {rid} is not included at {stage}; only included sources are charted"
                )

    def _checked(self, record_id: int, values: Mapping[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name, raw in values.items():
            spec = self._field(name, record_id=record_id)
            out[name] = check_value(spec, raw, record_id)
        return out

    def chart(
        self,
        record_id: int,
        values: Mapping[str, Any],
        reviewer: str,
        *,
        complete: bool = False,
        reopen: bool = False,
    ) -> ChartSaved:
        """Check and store ``reviewer``'s values for one source.

        Every value is checked before anything is stored. A ``None`` or empty value
        clears the field. With ``complete=True`` the source is marked done by this
        reviewer, which needs every required field filled in; ``reopen=True`` takes
        their earlier mark back.

        With two charters per source, a third reviewer's values are refused once both
        charters have entered theirs (a lead reconciles with :meth:`resolve_chart`).

        Raises
        ------
        ChartingError
            Unknown or retired field, a value of the wrong type or an unknown choice,
            a record that is not included, a reviewer not on the team, a required
            field left empty on a complete entry, or a source that already has its
            two charters.
        """
        self._team_member(reviewer)
        checked = self._checked(record_id, values)
        with self.store.transaction() as conn:
            self._check_included(conn, [record_id])
            if self.protocol.charting.reviewers_per_record > 1:
                db.lock_sources(conn, [record_id])
            state = self._state(conn, [record_id])
            own = state.by_reviewer.get(record_id, {}).get(reviewer, {})
            changed = self._changes(own, checked)
            if (changed or complete) and self._too_many(state, record_id, reviewer):
                self._refuse_extra([record_id])
            reopen = reopen and not complete and reviewer in state.complete.get(record_id, ())
            if complete:
                merged = {**own, **checked}
                self._check_required(record_id, merged)
            uid = self.store.ensure_user(conn, reviewer)
            rows: list[tuple[int, int, str, Any, str]] = [
                (record_id, uid, name, new, "value") for name, (_, new) in changed.items()
            ]
            if complete or reopen:
                rows.append((record_id, uid, "", complete, "complete"))
            before = db.log_mark(conn)
            db.append_entries(conn, rows)
            if rows:
                self._keep_final_for(conn, before, [record_id])
                self.store.audit(
                    conn,
                    reviewer,
                    "chart.saved",
                    {"record_id": record_id, "fields": sorted(changed), "complete": complete}
                    | ({"reopened": True} if reopen else {}),
                )
        return ChartSaved(record_id, reviewer, changed, complete)

    def _changes(
        self, own: Mapping[str, Any], checked: Mapping[str, Any]
    ) -> dict[str, tuple[Any, Any]]:
        changed: dict[str, tuple[Any, Any]] = {}
        for name, new in checked.items():
            old = own.get(name)
            if is_empty(old) and is_empty(new):
                continue
            if old == new:
                continue
            changed[name] = (old, new)
        return changed

    def _check_required(self, record_id: int, values: Mapping[str, Any]) -> None:
        missing = [
            f.name
            for f in self.protocol.charting.active_fields
            if f.required and is_empty(values.get(f.name))
        ]
        if missing:
            raise ChartingError(
                f"record {record_id}: required {'field' if len(missing) == 1 else 'fields'} empty: "
                f"{', '.join(missing)}; fill {'it' if len(missing) == 1 else 'them'} in before "
                "marking the source complete"
            )

    def chart_many(
        self,
        rows: Mapping[int, Mapping[str, Any]],
        reviewer: str,
        *,
        replace: bool = True,
        complete: bool = False,
    ) -> dict[str, int]:
        """Store checked values for many sources at once (a sheet): all or nothing.

        With ``replace`` the reviewer's values become exactly ``rows``' (an absent or
        empty value clears the field); the history keeps the earlier values.
        Values must already be checked (:func:`scopewise.charting.check_value`).
        """
        self._team_member(reviewer)
        form = self.protocol.charting
        with self.store.transaction() as conn:
            self._check_included(conn, list(rows))
            if form.reviewers_per_record > 1:
                db.lock_sources(conn, list(rows))
            state = self._state_to_change(conn, rows.keys())
            uid = self.store.ensure_user(conn, reviewer)
            applied: dict[int, dict[str, Any]] = {}
            out: list[tuple[int, int, str, Any, str]] = []
            changed_sources = 0
            extra: list[int] = []
            for rid, values in rows.items():
                own = state.by_reviewer.get(rid, {}).get(reviewer, {})
                wanted = dict(values)
                if replace:
                    for spec in form.active_fields:
                        wanted.setdefault(spec.name, None)
                if complete:
                    self._check_required(rid, {**own, **wanted})
                changes = self._changes(own, wanted)
                if (changes or complete) and self._too_many(state, rid, reviewer):
                    extra.append(rid)
                applied[rid] = {name: new for name, (_, new) in changes.items()}
                out.extend((rid, uid, name, new, "value") for name, (_, new) in changes.items())
                if complete:
                    out.append((rid, uid, "", True, "complete"))
                changed_sources += bool(changes)
            if extra:
                self._refuse_extra(extra)
            kept = db.final_mark(conn) == (*db.log_mark(conn), self._form_key())
            db.append_entries(conn, out)
            replace_values(state, form, applied, reviewer, complete=complete)
            mark = db.log_mark(conn)
            # rewrite only the final values that can have changed, when the rest are kept
            moved = [rid for rid, changes in applied.items() if changes or complete]
            db.write_final(
                conn,
                state.final,
                (*mark, self._form_key()),
                moved if kept and len(moved) < len(state.final) // 2 else None,
            )
            self.store.audit(
                conn,
                reviewer,
                "chart.imported",
                {"sources": len(rows), "changed_sources": changed_sources, "entries": len(out)},
            )
        self._chart_state_cache = {None: (mark, form, state)}
        return {"sources": len(rows), "changed_sources": changed_sources, "entries": len(out)}

    # -- dual charting -------------------------------------------------------------

    def chart_conflicts(self, reviewer: str | None = None) -> list[ChartConflict]:
        """Fields on which two charters differ.

        With blinding on, a reviewer (not a lead) sees only conflicts on sources they
        charted themselves; without ``reviewer`` only when blinding is off.
        """
        blinded = self.protocol.screening.blinding
        if reviewer is not None:
            self._team_member(reviewer)
        elif blinded:
            raise ChartingError(
                "blinding is on: say who is asking (--reviewer NAME); only a lead sees every conflict"
            )
        with self.store.reading() as conn:
            state = self._state(conn)
        if reviewer is None or not blinded or self._is_lead(reviewer):
            return list(state.conflicts)
        return [c for c in state.conflicts if reviewer in c.values]

    def resolve_chart(self, record_id: int, field_name: str, value: Any, reviewer: str) -> Any:
        """A lead's reconciled value for one field of one source; returns the stored value."""
        self._team_member(reviewer, lead=True)
        spec = self._field(field_name, record_id=record_id)
        checked = check_value(spec, value, record_id)
        with self.store.transaction() as conn:
            self._check_included(conn, [record_id])
            uid = self.store.ensure_user(conn, reviewer)
            before = db.log_mark(conn)
            db.append_entries(conn, [(record_id, uid, field_name, checked, "resolution")])
            self._keep_final_for(conn, before, [record_id])
            self.store.audit(
                conn,
                reviewer,
                "chart.resolved",
                {
                    "record_id": record_id,
                    "field": field_name,
                    "value": display_value(spec, checked),
                },
            )
        return checked

    def chart_agreement(self, pilot_only: bool = False) -> list[FieldAgreement]:
        """Per-field agreement of the two charters (on the pilot sample when asked)."""
        with self.store.reading() as conn:
            state = self._state(conn)
        records = set(self.pilot_sources()) if pilot_only else None
        values = {
            rid: by for rid, by in state.by_reviewer.items() if records is None or rid in records
        }
        return field_agreement(values, self.protocol.charting)

    # -- suggestions -------------------------------------------------------------------

    def chart_suggestions(self, record_id: int) -> dict[str, list[Suggestion]]:
        """Suggested values (with evidence) for the source's choice and country fields."""
        with self.store.reading() as conn:
            texts = db.record_texts(conn, [record_id])
            pdf = db.full_text_path(conn, record_id)
        if record_id not in texts:
            raise NotFound(f"record {record_id} does not exist")
        full = _pdf_text(self.path / pdf) if pdf else ""
        return suggest(self.protocol.charting, [*texts[record_id], full])

    def suggestions_for(self, record_ids: Sequence[int]) -> dict[int, dict[str, list[Suggestion]]]:
        """Suggestions for many sources in one read."""
        with self.store.reading() as conn:
            texts = db.record_texts(conn, record_ids)
        form = self.protocol.charting
        return {rid: suggest(form, texts[rid]) for rid in record_ids if rid in texts}

    def suggestion_accuracy(self) -> list[SuggestionAccuracy]:
        """How often the reviewers' values confirmed each suggestion (per field and value).

        A suggestion counts once per source and reviewer who filled in the field; it
        is confirmed when that reviewer's value holds the suggested value.
        """
        with self.store.reading() as conn:
            state = self._state(conn)
            ids = sorted(state.by_reviewer)
            texts = db.record_texts(conn, ids)
        form = self.protocol.charting
        tally: dict[str, dict[str, list[int]]] = {}
        for rid in ids:
            found = suggest(form, texts.get(rid, ("", "")))
            for name, suggestions in found.items():
                spec = form.field(name)
                assert spec is not None
                top = suggestions if spec.type != "single_choice" else suggestions[:1]
                for reviewer_values in state.by_reviewer[rid].values():
                    value = reviewer_values.get(name)
                    if is_empty(value):
                        continue
                    chosen = set(value) if isinstance(value, list) else {value}
                    for s in top:
                        counts = tally.setdefault(name, {}).setdefault(s.value, [0, 0])
                        counts[0] += 1
                        counts[1] += s.value in chosen
        out: list[SuggestionAccuracy] = []
        for spec in form.active_fields:
            if spec.name not in tally:
                continue
            by_value = {v: (c[0], c[1]) for v, c in tally[spec.name].items()}
            out.append(
                SuggestionAccuracy(
                    field=spec.name,
                    suggested=sum(c[0] for c in by_value.values()),
                    confirmed=sum(c[1] for c in by_value.values()),
                    by_value=by_value,
                )
            )
        return out

    # -- analysis ------------------------------------------------------------------------

    def evidence_map(
        self,
        field_a: str,
        field_b: str,
        segment: str | None = None,
        filters: Mapping[str, str] | None = None,
    ) -> EvidenceMap:
        """The evidence map of ``field_a`` against ``field_b`` over the final values."""
        for name in (field_a, field_b, *([segment] if segment else []), *(filters or {})):
            self._field(name, writing=False)
        names = {field_a, field_b, *([segment] if segment else []), *(filters or {})}
        rows = self.charted_sources(sorted(names))
        return evidence_map(rows, self.protocol.charting, field_a, field_b, segment, filters)

    def chart_summary(self) -> list[FieldCount]:
        """Counts and percentages per value of every choice-like field."""
        form = self.protocol.charting
        names = [f.name for f in form.active_fields if f.type not in ("text", "long_text")]
        with self.store.reading() as conn:
            ids = self._included(conn)
            final = self._final_values(conn, names)
        rows = [ChartedSource(rid, "", values=final.get(rid, {})) for rid in ids]
        return field_counts(rows, form)

    def default_map_fields(self) -> tuple[str, str] | None:
        """The map a report shows by default: themes x study design, or the first two
        choice fields."""
        return default_map_fields(self.protocol)

    def charting_results(self) -> ChartingResults:
        """The charting as the report shows it."""
        protocol = self.protocol
        form = protocol.charting
        with self.store.reading() as conn:
            ids = self._included(conn)
            details = db.source_details(conn, ids)
            state = self._state(conn)
            simulated = db.simulated_charters(conn)
        rows = _with_final(ids, details, state.final)
        pending = {"conflict": 0, "awaiting_second": 0, "not_started": 0}
        for rid in ids:
            statuses = state.status.get(rid)
            if not statuses:
                pending["not_started"] += 1
                continue
            for status in ("conflict", "awaiting_second"):
                if status in statuses.values():
                    pending[status] += 1
                    break
        fields = default_map_fields(protocol)
        emap = evidence_map(rows, form, *fields) if fields and rows else None
        if emap is not None and not emap.n_mapped:
            emap = None  # nothing charted on the two fields yet: no map of gaps
        values = dict(state.by_reviewer.items())
        return ChartingResults(
            form=form,
            included=len(ids),
            sources=tuple(synthesis_order(rows, protocol)),
            field_counts=tuple(field_counts(rows, form)),
            per_year=tuple(sources_per_year(rows, form)),
            per_country=tuple(sources_per_country(rows, form)),
            characteristics=characteristics_table(synthesis_order(rows, protocol), form),
            agreement=tuple(field_agreement(values, form))
            if form.reviewers_per_record == 2
            else (),
            map=emap,
            reviewers_per_record=form.reviewers_per_record,
            conflicts=len(state.conflicts),
            simulated=simulated,
            pending=pending,
        )


def _pdf_text(path: Path, max_pages: int = 40) -> str:
    """The text of a full-text PDF (its first pages), kept beside it as ``.txt`` once
    read; empty when the file is missing or pypdf cannot read it."""
    cache = path.with_suffix(".txt")
    if cache.is_file():
        return cache.read_text(encoding="utf-8")
    if not path.is_file():
        return ""
    try:
        from pypdf import PdfReader

        reader = PdfReader(str(path))
        text = "\n".join((page.extract_text() or "") for page in reader.pages[:max_pages])
    except Exception:  # a damaged or encrypted PDF gives no suggestions, not an error
        return ""
    with contextlib.suppress(OSError):  # a read-only project still gets its suggestions
        cache.write_text(text, encoding="utf-8")
    return text


def _one_too_many(needed: int, others: int, yours: bool) -> bool:
    """With ``needed`` charters per source (two or more), ``others`` charters on it
    already and the asking reviewer not one of them (``yours``): their values would be
    one charter too many. With one charter per source a later one corrects the values."""
    return needed > 1 and not yours and others >= needed


def _charters(state: ChartingState, record_id: int) -> set[str]:
    """Who has entered at least one value for the source (a cleared entry is none)."""
    return {who for who, values in state.by_reviewer.get(record_id, {}).items() if values}


def _with_final(
    ids: Sequence[int],
    details: Mapping[int, ChartedSource],
    final: Mapping[int, Mapping[str, Any]],
) -> list[ChartedSource]:
    """The sources of ``ids`` (in that order) carrying their final values."""
    return [replace(details[i], values=dict(final.get(i, {}))) for i in ids if i in details]


def default_map_fields(protocol: Protocol) -> tuple[str, str] | None:
    """Themes x study design when both exist, else the first two choice fields."""
    form = protocol.charting
    choice = [f.name for f in form.active_fields if f.type in ("single_choice", "multiple_choice")]
    theme = form.theme_field
    design = next((n for n in choice if "design" in n), None)
    if theme is not None and design is not None and theme.name != design:
        return theme.name, design
    return (choice[0], choice[1]) if len(choice) >= 2 else None
