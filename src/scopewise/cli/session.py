"""``scopewise screen DIR --session --reviewer R``: screen record after record in one
terminal session.

The session keeps the project open, so the ranker is prepared once and refitted by the
background worker (:meth:`~scopewise.review.Review.start_background_ranking`) while the
reviewer reads: the next record is on screen as soon as a decision is typed.

An answer is a decision, then (at full text, for an exclusion) reason codes, then
optionally ``:`` and a note, e.g. ``i``, ``exclude``, ``m: unsure about the setting``
or ``e NOFT, POP: no peer workers``. A note may also come on its own line first:
``n`` (or ``note``) asks for it, ``n: text`` gives it; it goes with the decision typed
next. ``q`` (or end of input) ends the session. The reason codes valid at the stage
are listed with their criteria whenever the stage changes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import click

from scopewise.cli.screen_text import plain, print_next, stop_sentence
from scopewise.errors import ScopewiseError
from scopewise.review import Review
from scopewise.review.screening import NextRecord
from scopewise.screening.decisions import STAGE_LABELS
from scopewise.text import plural

__all__ = ["Answer", "parse_answer", "run_session"]

WORDS = {"i": "include", "e": "exclude", "m": "maybe", "q": "quit"}
NOTE_WORDS = ("n", "note")


@dataclass(frozen=True, slots=True)
class Answer:
    """One typed answer: the decision (or ``quit``), reason codes and a note."""

    decision: str
    reasons: tuple[str, ...] = ()
    note: str = ""


def parse_answer(text: str) -> Answer:
    """Read ``decision [CODE[, CODE…]] [: note]``; raises ``ValueError`` in words."""
    head, _, note = text.partition(":")
    words = [w for w in re.split(r"[\s,;]+", head.strip()) if w]
    if not words:
        raise ValueError("type a decision: i(nclude), e(xclude), m(aybe), or q to quit")
    first = words[0].lower()
    decision = WORDS.get(first, first)
    if decision not in ("include", "exclude", "maybe", "quit"):
        raise ValueError(f"{words[0]!r} is not a decision: type i, e, m or q")
    return Answer(decision, tuple(words[1:]), note.strip())


def _choices(item: NextRecord) -> str:
    if item.stage == "title_abstract":
        return "i(nclude), e(xclude), m(aybe), q(uit); add ': note', or n for a note line"
    return "i(nclude), e(xclude) CODE[, CODE], q(uit); add ': note', or n for a note line"


def _note_line(text: str) -> str | None:
    """The note of a line that is only a note (``n``, ``note``, ``n: text``), else None."""
    head, colon, note = text.partition(":")
    if head.strip().lower() not in NOTE_WORDS:
        return None
    if colon:
        return note.strip()
    return click.prompt("Note", default="", show_default=False).strip()


def _print_codes(review: Review, stage: str) -> None:
    """The reason codes valid at ``stage``, each with its criterion."""
    codes = [c for c in review.protocol.all_criteria if stage in c.stages]
    required = " (an exclusion needs one or more)" if stage == "full_text" else ""
    click.echo(f"Exclusion reason codes at {STAGE_LABELS[stage]}{required}:")
    for c in codes:
        click.echo(f"  {c.code}: {plain(c.text)}")
    if not codes:
        click.echo("  (none in the protocol)")


def run_session(review: Review, reviewer: str, stage: str | None, directory: Path) -> int:
    """Serve and record decisions until nothing is left or the reviewer quits; returns
    how many decisions were recorded."""
    review.start_background_ranking()
    recorded = 0
    listed: str | None = None
    while True:
        item = review.next_record(reviewer, stage)
        if item is None:
            where = f" at {STAGE_LABELS[stage]}" if stage else ""
            click.echo(f"Nothing left to screen for {plain(reviewer)}{where}.")
            break
        if item.stage != listed:
            _print_codes(review, item.stage)
            listed = item.stage
        print_next(item, reviewer, directory, hint=False)
        if item.stopping is not None and item.stopping.stop:
            click.echo(stop_sentence(
                item.stopping, review.protocol.screening.target_recall, directory))
        answer = _ask(item, review, reviewer)
        if answer is None:
            break
        recorded += 1
        click.echo("")
    click.echo(f"Recorded {plural(recorded, 'decision')} this session.")
    return recorded


def _ask(item: NextRecord, review: Review, reviewer: str) -> Answer | None:
    """Prompt until a decision is recorded (the answer) or the reviewer quits (None)."""
    pending = ""
    while True:
        try:
            text = click.prompt(_choices(item), default="", show_default=False)
            note = _note_line(text)
        except click.exceptions.Abort:  # end of input
            click.echo("")
            return None
        if note is not None:
            pending = note
            click.echo("  Note kept; now type the decision." if note else "  No note.")
            continue
        try:
            answer = parse_answer(text)
            if pending and not answer.note:
                answer = Answer(answer.decision, answer.reasons, pending)
        except ValueError as exc:
            click.echo(f"  {exc}")
            continue
        if answer.decision == "quit":
            return None
        try:
            d = review.decide(
                item.record_id, answer.decision, reviewer, item.stage, answer.reasons, answer.note
            )
        except ScopewiseError as exc:  # a reason the protocol lacks, a stage rule...
            click.echo(f"  Not recorded: {exc}")
            continue
        extra = f" ({', '.join(d.reasons)})" if d.reasons else ""
        change = f"; {d.change}" if d.change else ""
        click.echo(f"  Recorded {d.decision}{extra} for record {d.record_id}{change}.")
        return answer
