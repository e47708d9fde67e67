"""Charting sheets, changes to the charting form, and candidate themes on the facade.

A form change (add a field or a choice, rename or retire a choice, retire a field)
edits the project's ``protocol.toml`` with tomlkit, which keeps the lead's comments
and layout, and stores it as a new protocol version with its diff: a logged
deviation from the registered protocol. Stored values are never rewritten: a
renamed choice is read under its new name, retired ones stay in the history,
flagged. An edited protocol that drops a field or a choice that has stored values
is refused: retire it instead.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from scopewise.charting import candidate_themes
from scopewise.errors import ChartingError, ProtocolError
from scopewise.protocol import Protocol, load_protocol, parse_protocol
from scopewise.review.chart_sheet import read_sheet, sheet_rows, write_sheet
from scopewise.review.charting import ChartingMixin
from scopewise.review.core import DEFAULT_ACTOR
from scopewise.review.project import PROTOCOL_NAME
from scopewise.store import charting as db
from scopewise.store.charting import ThemeCandidateRow

__all__ = ["ChartingToolsMixin"]

FIELD_TYPES_TEXT = "text, long_text, number, year, single_choice, multiple_choice, yes_no, country"


class ChartingToolsMixin(ChartingMixin):
    """Sheets, form changes and candidate themes."""

    # -- sheets ----------------------------------------------------------------------

    def export_chart_sheet(
        self, path: str | Path, reviewer: str | None = None, suggest: bool = False
    ) -> int:
        """Write the sources to chart to ``path`` (.csv or .xlsx); returns the row count.

        Final values by default; ``reviewer``'s own values with ``reviewer``.
        """
        if reviewer is not None:
            self._team_member(reviewer)
            with self.store.reading() as conn:
                state = self._state(conn)
            sources = [
                _with_values(s, state.by_reviewer.get(s.record_id, {}).get(reviewer, {}))
                for s in self.sources_to_chart()
            ]
        else:
            sources = self.charted_sources()
        suggestions = self.suggestions_for([s.record_id for s in sources]) if suggest else None
        header, rows = sheet_rows(sources, self.protocol.charting, suggestions)
        write_sheet(Path(path), header, rows)
        return len(rows)

    def import_chart_sheet(self, path: str | Path, reviewer: str) -> dict[str, int]:
        """Read a filled sheet as ``reviewer``'s values, all or nothing.

        Importing again replaces that reviewer's values (an empty cell clears the
        field); the history keeps the earlier ones.
        """
        self._team_member(reviewer)
        with self.store.reading() as conn:
            known = db.all_record_ids(conn)
            included = set(self._included(conn))
        rows = read_sheet(path, self.protocol.charting, known, included)
        return self.chart_many(rows, reviewer, replace=True)

    # -- form changes ----------------------------------------------------------------

    def _edit_form(self, author: str, note: str, edit: Any) -> int:
        import tomlkit

        self._team_member(author, lead=True)
        text = self.store.current_protocol_text()
        doc = tomlkit.parse(text)
        edit(doc)
        new_text = tomlkit.dumps(doc)
        try:
            parse_protocol(new_text, "changed protocol")
        except ProtocolError as exc:
            raise ChartingError(
                f"the form change does not make a valid protocol: {exc.detail}"
            ) from None
        target = self.path / PROTOCOL_NAME
        target.write_text(new_text, encoding="utf-8")
        version = self.update_protocol(target, author=author, note=note)
        if version is None:
            raise ChartingError("the form change changed nothing")
        return version

    def _form_field(self, doc: Any, name: str) -> Any:
        fields = doc.get("charting", {}).get("fields", [])
        for item in fields:
            if item.get("name") == name:
                return item
        known = ", ".join(str(f.get("name")) for f in fields) or "none"
        raise ChartingError(f"no charting field {name!r}; the form's fields: {known}")

    def add_chart_choice(self, field_name: str, choice: str, author: str, note: str = "") -> int:
        """Add ``choice`` to a choice field; returns the new protocol version."""

        def edit(doc: Any) -> None:
            item = self._form_field(doc, field_name)
            if "choices" not in item:
                raise ChartingError(f"field {field_name!r} takes no choices")
            if choice in list(item["choices"]):
                raise ChartingError(f"field {field_name!r} already has the choice {choice!r}")
            item["choices"].append(choice)

        return self._edit_form(
            author, note or f"charting: choice {choice!r} added to {field_name}", edit
        )

    def rename_chart_choice(
        self, field_name: str, old: str, new: str, author: str, note: str = ""
    ) -> int:
        """Rename a choice; values stored under the old name are read under the new one."""

        def edit(doc: Any) -> None:
            import tomlkit

            item = self._form_field(doc, field_name)
            choices = [str(c) for c in item.get("choices", [])]
            if old not in choices:
                raise ChartingError(f"field {field_name!r} has no choice {old!r}")
            if new in choices:
                raise ChartingError(f"field {field_name!r} already has the choice {new!r}")
            item["choices"][choices.index(old)] = new
            renames = item.get("renamed_choices")
            if renames is None:
                renames = tomlkit.inline_table()
                item["renamed_choices"] = renames
            for key in list(renames):
                if renames[key] == old:  # an earlier name follows to the newest
                    renames[key] = new
            renames[old] = new
            retired = item.get("retired_choices")
            if retired is not None and old in list(retired):
                retired[list(retired).index(old)] = new

        return self._edit_form(
            author, note or f"charting: choice {old!r} of {field_name} renamed {new!r}", edit
        )

    def retire_chart_choice(self, field_name: str, choice: str, author: str, note: str = "") -> int:
        """Retire a choice: no longer offered; its stored values stay, flagged."""

        def edit(doc: Any) -> None:
            import tomlkit

            item = self._form_field(doc, field_name)
            if choice not in [str(c) for c in item.get("choices", [])]:
                raise ChartingError(f"field {field_name!r} has no choice {choice!r}")
            retired = item.get("retired_choices")
            if retired is None:
                retired = tomlkit.array()
                item["retired_choices"] = retired
            if choice in list(retired):
                raise ChartingError(f"choice {choice!r} of {field_name!r} is retired already")
            retired.append(choice)

        return self._edit_form(
            author, note or f"charting: choice {choice!r} of {field_name} retired", edit
        )

    def retire_chart_field(self, field_name: str, author: str, note: str = "") -> int:
        """Retire a field: no longer charted; its stored values stay, flagged."""

        def edit(doc: Any) -> None:
            item = self._form_field(doc, field_name)
            if item.get("retired"):
                raise ChartingError(f"field {field_name!r} is retired already")
            item["retired"] = True

        return self._edit_form(author, note or f"charting: field {field_name} retired", edit)

    def add_chart_field(
        self,
        name: str,
        field_type: str,
        author: str,
        *,
        label: str = "",
        choices: tuple[str, ...] = (),
        required: bool = False,
        help_text: str = "",
        note: str = "",
    ) -> int:
        """Add a field to the form; returns the new protocol version."""

        def edit(doc: Any) -> None:
            import tomlkit

            charting = doc.get("charting")
            if charting is None:
                charting = tomlkit.table()
                doc["charting"] = charting
            fields = charting.get("fields")
            if fields is None:
                fields = tomlkit.aot()
                charting["fields"] = fields
            if any(f.get("name") == name for f in fields):
                raise ChartingError(f"the form already has a field {name!r}")
            item = tomlkit.table()
            item["name"] = name
            if label:
                item["label"] = label
            item["type"] = field_type
            if required:
                item["required"] = True
            if help_text:
                item["help"] = help_text
            if choices:
                item["choices"] = list(choices)
            fields.append(item)

        return self._edit_form(author, note or f"charting: field {name} ({field_type}) added", edit)

    def update_protocol(
        self, source: str | Path | None = None, author: str = DEFAULT_ACTOR, note: str = ""
    ) -> int | None:
        """As :meth:`ReviewCore.update_protocol`, refusing a form that loses stored values."""
        path = Path(source) if source is not None else self.path / PROTOCOL_NAME
        self._check_keeps_values(load_protocol(path), str(path))
        return super().update_protocol(source, author, note)

    def _check_keeps_values(self, new: Protocol, path: str) -> None:
        with self.store.reading() as conn:
            stored = db.stored_field_values(conn)
        form = new.charting
        for name, values in stored.items():
            spec = form.field(name)
            if spec is None:
                raise ProtocolError(
                    f"charting field {name!r} has stored values; retire it "
                    "(retired = true) instead of removing it, so nothing is lost",
                    path=path,
                )
            if not spec.choices:
                continue
            known = set(spec.choices) | set(spec.renamed_choices)
            lost = sorted(v for v in values if v not in known)
            if lost:
                raise ProtocolError(
                    f"charting field {name!r}: choice {lost[0]!r} has stored values; rename it "
                    "(renamed_choices) or retire it (retired_choices) instead of removing it",
                    path=path,
                )

    # -- themes ----------------------------------------------------------------------

    def propose_themes(
        self, n_themes: int = 8, author: str = DEFAULT_ACTOR
    ) -> list[ThemeCandidateRow]:
        """Cluster the included sources' titles and abstracts into candidate themes."""
        with self.store.reading() as conn:
            ids = self._included(conn)
            texts = db.record_texts(conn, ids)
        found = candidate_themes([(rid, f"{t} {a}") for rid, (t, a) in texts.items()], n_themes)
        with self.store.transaction() as conn:
            db.add_theme_candidates(conn, ((c.label, c.terms, c.record_ids) for c in found))
            self.store.audit(conn, author, "chart.themes_proposed", {"candidates": len(found)})
            return [r for r in db.theme_candidates(conn) if r.status == "candidate"]

    def theme_candidates(self) -> list[ThemeCandidateRow]:
        """Every candidate theme and the lead's decision on it."""
        with self.store.reading() as conn:
            return db.theme_candidates(conn)

    def _candidate(self, candidate_id: int) -> ThemeCandidateRow:
        for row in self.theme_candidates():
            if row.id == candidate_id:
                if row.status != "candidate":
                    raise ChartingError(f"candidate theme {candidate_id} is {row.status} already")
                return row
        raise ChartingError(f"no candidate theme {candidate_id}; list them with --themes")

    def accept_theme(
        self, candidate_id: int, author: str, name: str | None = None, into_field: str | None = None
    ) -> int | None:
        """Accept a candidate (optionally renamed); with ``into_field`` it becomes a new
        choice of that field (a protocol version). Returns that version, if any."""
        self._team_member(author, lead=True)
        row = self._candidate(candidate_id)
        theme = (name or row.label).strip()
        version = None
        if into_field:
            version = self.add_chart_choice(
                into_field,
                theme,
                author,
                f"charting: accepted theme {theme!r} added to {into_field}",
            )
        with self.store.transaction() as conn:
            db.decide_theme_candidate(conn, candidate_id, "accepted", author, theme, into_field)
            self.store.audit(
                conn,
                author,
                "chart.theme_accepted",
                {"candidate": candidate_id, "name": theme, "field": into_field},
            )
        return version

    def reject_theme(self, candidate_id: int, author: str) -> None:
        """Reject a candidate theme."""
        self._team_member(author, lead=True)
        self._candidate(candidate_id)
        with self.store.transaction() as conn:
            db.decide_theme_candidate(conn, candidate_id, "rejected", author, None, None)
            self.store.audit(conn, author, "chart.theme_rejected", {"candidate": candidate_id})


def _with_values(source: Any, values: dict[str, Any]) -> Any:
    from dataclasses import replace

    return replace(source, values=dict(values))
