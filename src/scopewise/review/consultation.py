"""ConsultationMixin: stakeholder consultation on the Review facade.

Notes go in (``import_note``), spans of them are coded to the protocol's themes
(``code_excerpt``), the lead records a stance and a summary per theme
(``record_theme``), and everything that leaves the project goes through
:meth:`consultation_report`, where the quote policy is applied once. The audit
trail records codes, groups, themes, ids and counts, never a note's words or its
file name (which may name the person).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from scopewise.consultation import (
    ConsultationReport,
    Excerpt,
    NoteInfo,
    Participant,
    ThemeStance,
    check_code,
    check_date,
    check_stance,
    check_summary,
    check_theme,
    consultation_report,
    locate_span,
    read_note,
)
from scopewise.consultation.coding import SpanPosition, span_position
from scopewise.consultation.export import write_csv
from scopewise.consultation.guard import words
from scopewise.consultation.model import ConsultationError
from scopewise.errors import DuplicateImport, NotFound, UsageError
from scopewise.review.core import DEFAULT_ACTOR, ReviewCore
from scopewise.store import consultation as db

__all__ = ["ConsultationMixin", "NoteImported", "NotesPurged"]


@dataclass(frozen=True, slots=True)
class NoteImported:
    """A session's notes, stored: their id, who (as code and group), when, how long."""

    note_id: int
    participant: str
    group: str
    held_on: str | None
    words: int
    new_participant: bool


@dataclass(frozen=True, slots=True)
class NotesPurged:
    """What ``purge_notes`` removed, and the coded excerpts that still count."""

    notes: int
    excerpts: int
    compacted: bool = True  # False: the database was busy, purged text may sit in free pages


class ConsultationMixin(ReviewCore):
    """Review methods for the stakeholder consultation."""

    def _group(self, name: str) -> str:
        plan = self.protocol.consultation
        if not plan.groups:
            raise UsageError(
                "the protocol lists no stakeholder groups: add [consultation] groups = [...] "
                "and run scopewise protocol update"
            )
        found = plan.group(name)
        if found is None:
            raise UsageError(
                f"stakeholder group {name!r} is not in the protocol; use one of: "
                + "; ".join(plan.groups)
            )
        return found

    def import_note(
        self,
        path: str | Path,
        participant: str,
        group: str | None = None,
        held_on: str | None = None,
        actor: str = DEFAULT_ACTOR,
    ) -> NoteImported:
        """Store one session's notes (.txt, .md or .docx) for a participant.

        A new participant needs ``group`` (one of the protocol's groups); a known
        one keeps theirs. The text is stored as it is (HTML or a script stays
        plain text); the file name is not kept.

        Raises
        ------
        ImportFormatError
            Missing, empty, binary, over 50 MB or unreadable file.
        UsageError
            Consultation off, bad code or date, unknown group, a group that
            contradicts the participant's.
        DuplicateImport
            The same notes were imported before.
        """
        if not self.protocol.consultation.enabled:
            raise UsageError(
                "the protocol's consultation is off: set [consultation] enabled = true "
                "and run scopewise protocol update"
            )
        code = check_code(participant)
        wanted = self._group(group) if group is not None else None
        date = check_date(held_on)
        text = read_note(path)
        sha = hashlib.sha256(text.encode("utf-8")).hexdigest()
        with self.store.transaction() as conn:
            known = db.participant(conn, code)
            if known is None:
                if wanted is None:
                    groups = "; ".join(self.protocol.consultation.groups)
                    raise ConsultationError(
                        f"participant {code} is new: choose their stakeholder group, one of: "
                        + groups,
                        f"participant {code} is new: give --group, one of: {groups}",
                    )
                person_id = db.add_participant(conn, code, wanted)
                person = Participant(code, wanted)
                self.store.audit(
                    conn, actor, "consultation.participant_added", {"participant": code, "group": wanted}
                )
            else:
                person_id, person = known
                code = person.code  # as first stored ("p01" is P01)
                if wanted is not None and wanted != person.group:
                    raise UsageError(
                        f"participant {code} is in group {person.group!r}, not {wanted!r}"
                    )
            earlier = db.note_by_sha(conn, sha)
            if earlier is not None:
                raise DuplicateImport(f"{path}: these notes were already imported as note {earlier}")
            count = sum(1 for _ in words(text))
            fmt = Path(path).suffix.lower().lstrip(".")
            note_id = db.insert_note(conn, person_id, date, text, sha, count, fmt, actor)
            self.store.audit(
                conn,
                actor,
                "consultation.note_imported",
                {"note": note_id, "participant": code, "group": person.group, "held_on": date,
                 "words": count, "format": fmt},
            )
        return NoteImported(note_id, code, person.group, date, count, known is None)

    def consultation_participants(self) -> list[Participant]:
        """Every participant (pseudonym code and group), by code."""
        with self.store.reading() as conn:
            return db.participants(conn)

    def consultation_notes(self, participant: str | None = None) -> list[NoteInfo]:
        """Every session's notes (without their text), optionally of one participant.

        Raises
        ------
        NotFound
            ``participant`` is not a known code.
        """
        with self.store.reading() as conn:
            if participant is not None:
                known = db.participant(conn, participant)
                if known is None:
                    raise NotFound(f"no participant {participant!r} in the consultation")
                participant = known[1].code  # as stored ("p01" is P01)
            found = db.notes(conn)
        return [n for n in found if participant is None or n.participant == participant]

    def note_text(self, note_id: int) -> str:
        """The text of a note, for the lead to code it (it is never part of a report).

        Raises
        ------
        NotFound
            No such note.
        UsageError
            The note was purged.
        """
        with self.store.reading() as conn:
            text = db.note_text(conn, note_id)
        if text is None:
            raise UsageError(f"note {note_id} was purged: its text is gone (its counts remain)")
        return text

    def note_excerpts(self, note_id: int) -> list[Excerpt]:
        """The coded spans of one note, in the order they were coded (for the lead).

        Raises
        ------
        NotFound
            No such note.
        """
        with self.store.reading() as conn:
            db.note_text(conn, note_id)  # NotFound for an unknown note
            return [e for e in db.excerpts(conn) if e.note_id == note_id]

    def code_excerpt(
        self,
        note_id: int,
        theme: str,
        start: int | None = None,
        end: int | None = None,
        text: str | None = None,
        actor: str = DEFAULT_ACTOR,
    ) -> Excerpt:
        """Code a span of a note to one of the protocol's themes.

        Give ``start`` and ``end`` (character offsets) or ``text`` (words of the
        note). The excerpt stores the span only.

        Raises
        ------
        UsageError
            Unknown theme (the allowed ones named), purged note, bad span.
        NotFound
            No such note.
        """
        theme = check_theme(theme, self.protocol.charting.themes)
        with self.store.transaction() as conn:
            body = db.note_text(conn, note_id)
            if body is None:
                raise UsageError(f"note {note_id} was purged: it cannot be coded any more")
            first, last = locate_span(body, note_id, start, end, text)
            excerpt_id = db.insert_excerpt(conn, note_id, theme, first, last, actor)
            self.store.audit(
                conn,
                actor,
                "consultation.excerpt_coded",
                {"excerpt": excerpt_id, "note": note_id, "theme": theme, "start": first, "end": last},
            )
            coded = next(e for e in db.excerpts(conn) if e.id == excerpt_id)
        return coded

    def uncode_excerpt(self, excerpt_id: int, actor: str = DEFAULT_ACTOR) -> Excerpt:
        """Remove a coded excerpt (coded to the wrong theme or span); returns it.

        Refused once its note is purged: the span could never be coded again.

        Raises
        ------
        NotFound
            No such excerpt.
        UsageError
            Its note was purged.
        """
        with self.store.transaction() as conn:
            found = next((e for e in db.excerpts(conn) if e.id == excerpt_id), None)
            if found is None:
                raise NotFound(f"no coded excerpt {excerpt_id}")
            if db.note_text(conn, found.note_id) is None:
                raise UsageError(
                    f"note {found.note_id} was purged: excerpt {excerpt_id} stays, since it "
                    "could not be coded again"
                )
            db.delete_excerpt(conn, excerpt_id)
            self.store.audit(
                conn,
                actor,
                "consultation.excerpt_uncoded",
                {"excerpt": excerpt_id, "note": found.note_id, "theme": found.theme,
                 "start": found.start, "end": found.end},
            )
        return found

    def excerpt_positions(self, note_id: int) -> dict[int, SpanPosition]:
        """Where each coded span of a note lies (line, first and last word), told
        without its words; empty once the note is purged.

        Raises
        ------
        NotFound
            No such note.
        """
        with self.store.reading() as conn:
            text = db.note_text(conn, note_id)
            found = [e for e in db.excerpts(conn) if e.note_id == note_id]
        if text is None:
            return {}
        return {e.id: span_position(text, e.start, e.end) for e in found}

    def record_theme(self, theme: str, stance: str, summary: str, reviewer: str) -> ThemeStance:
        """Record whether the consultation supported, added to or questioned a theme,
        with a summary in the lead's own words (the latest per theme counts).

        With ``quotes = "never"`` the summary is refused when it copies eight or more
        consecutive words of a note or names someone found in a note.

        Raises
        ------
        UsageError
            Unknown theme or stance, empty or refused summary, a reviewer who is not
            a lead in the protocol's team.
        """
        protocol = self.protocol
        theme = check_theme(theme, protocol.charting.themes)
        stance = check_stance(stance)
        leads = [m.name for m in protocol.team if m.role == "lead"]
        if reviewer not in leads:
            raise UsageError(
                f"{reviewer!r} is not a lead in the protocol's team; the lead records a "
                f"theme's stance ({', '.join(leads) or 'the team has no lead'})"
            )
        text = " ".join(summary.split())
        if not text:
            raise UsageError("give a summary of what the consultation said, in your own words")
        with self.store.transaction() as conn:
            if protocol.consultation.quotes == "never":
                text = check_summary(text, db.note_texts(conn), self.store.current_protocol_text())
            db.insert_stance(conn, theme, stance, text, reviewer)
            self.store.audit(
                conn,
                reviewer,
                "consultation.theme_recorded",
                {"theme": theme, "stance": stance, "summary_words": sum(1 for _ in words(text))},
            )
            recorded = db.stances(conn)[-1]
        return recorded

    def purge_notes(self, actor: str = DEFAULT_ACTOR, force: bool = False) -> NotesPurged:
        """Remove the text of every stored note; codes, groups, spans and counts stay.

        Refused while a stored note has no coded excerpt, unless ``force``.

        Raises
        ------
        UsageError
            A note is not coded yet (and not ``force``).
        """
        with self.store.transaction() as conn:
            stored = [n for n in db.notes(conn) if not n.purged]
            uncoded = [n for n in stored if not n.excerpts]
            if uncoded and not force:
                raise UsageError(
                    f"note {uncoded[0].id} ({uncoded[0].participant}) has no coded excerpt; "
                    "code it first, or pass --force to purge anyway"
                )
            purged = db.purge_notes(conn)
            kept = len(db.excerpts(conn))
            self.store.audit(
                conn, actor, "consultation.notes_purged", {"notes": purged, "excerpts": kept}
            )
        compacted = db.forget_purged_text(self.store.engine)
        return NotesPurged(purged, kept, compacted)

    def consultation_report(self) -> ConsultationReport:
        """The consultation for reports, exports and pages, filtered by the quote policy.

        With ``quotes = "never"`` no note is even read: only codes, groups, themes,
        counts, the lead's summaries and the protocol's ACTIVE items are in it.
        """
        protocol = self.protocol
        with self.store.reading() as conn:
            texts: dict[int, str | None] = {}

            def excerpt_text(excerpt: Excerpt) -> str | None:
                if excerpt.note_id not in texts:
                    texts[excerpt.note_id] = db.note_text(conn, excerpt.note_id)
                body = texts[excerpt.note_id]
                return None if body is None else body[excerpt.start : excerpt.end]

            return consultation_report(
                protocol.consultation,
                protocol.charting.themes,
                db.participants(conn),
                db.notes(conn),
                db.excerpts(conn),
                db.stances(conn),
                excerpt_text,
            )

    def export_consultation(self, path: str | Path) -> int:
        """Write the consultation CSV (participant code, group, theme, stance, counts,
        summaries) from :meth:`consultation_report`; returns the number of rows.

        Raises
        ------
        UsageError
            The output folder does not exist.
        """
        target = Path(path)
        if not target.parent.is_dir():
            raise UsageError(f"{target}: its folder does not exist")
        return write_csv(self.consultation_report(), target)
