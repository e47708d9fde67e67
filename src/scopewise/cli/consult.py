"""Command ``consult``: the stakeholder consultation of a review.

``scopewise consult DIR import NOTES --participant CODE --group GROUP [--date D]``
stores a session's notes; ``show``, ``code``, ``uncode``, ``theme``, ``themes``, ``plan``,
``export`` and ``purge-notes`` do the rest. Only ``show`` prints a note's words,
to the lead who codes it; everything else shows codes, groups, themes, counts and
the lead's own summaries.
"""

from __future__ import annotations

import re
from pathlib import Path

import click
from rich.table import Table
from rich.text import Text

from scopewise import jsonout
from scopewise.cli.core import console
from scopewise.cli.types import NUMBER
from scopewise.consultation import STANCES
from scopewise.consultation.model import ConsultationError
from scopewise.errors import UsageError
from scopewise.review import Review
from scopewise.text import plural

__all__ = ["COMMANDS", "consult"]

# Terminal control characters in a note (escape sequences) are shown, not obeyed.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


DB = click.option("--db", "db_url", help="Database URL, if not the project's own.")


def _open(ctx: click.Context, db_url: str | None) -> Review:
    directory: Path = ctx.obj
    return Review.open(directory, db_url=db_url)


def _t(value: object) -> Text:
    """A table cell shown exactly as written (no rich markup read from it)."""
    return Text("" if value is None else str(value))


@click.group()
@click.argument("directory", type=click.Path(path_type=Path))
@click.pass_context
def consult(ctx: click.Context, directory: Path) -> None:
    """Stakeholder consultation of the review in DIRECTORY: import session notes, code
    them to the protocol's themes, record each theme's stance, export and purge.

    Participants are only a pseudonym code and a stakeholder group; with
    quotes = "never" in the protocol no note's words leave the project.
    """
    ctx.obj = directory


@consult.command("import")
@click.argument("notes", type=click.Path(path_type=Path))
@click.option("--participant", required=True, help="Pseudonym code, e.g. P01 (never a name).")
@click.option("--group", help="Stakeholder group from the protocol (needed for a new participant).")
@click.option("--date", "held_on", help="Date of the session, YYYY-MM-DD.")
@click.option("--actor", default="scopewise", show_default=True, help="Who imports.")
@DB
@click.pass_context
def import_notes(
    ctx: click.Context,
    db_url: str | None,
    notes: Path,
    participant: str,
    group: str | None,
    held_on: str | None,
    actor: str,
) -> None:
    """Store the notes of one session (NOTES: .txt, .md or .docx, at most 50 MB)."""
    with _open(ctx, db_url) as review:
        try:
            result = review.import_note(notes, participant, group, held_on, actor=actor)
        except ConsultationError as exc:  # said in this command's options
            raise UsageError(exc.cli) from None
    new = " (new participant)" if result.new_participant else ""
    when = f" of {result.held_on}" if result.held_on else ""
    console().print(
        _t(
            f"Stored note {result.note_id}: session{when} with {result.participant}, "
            f"{result.group}{new}; {result.words:,} words."
        )
    )


@consult.command("notes")
@click.option("--participant", help="Only this participant's notes.")
@DB
@click.pass_context
def list_notes(ctx: click.Context, db_url: str | None, participant: str | None) -> None:
    """List the sessions' notes (never their words)."""
    with _open(ctx, db_url) as review:
        found = review.consultation_notes(participant)
    table = Table(title="Consultation notes")
    for column in ("note", "participant", "group", "date", "words", "excerpts", "text"):
        table.add_column(column)
    for n in found:
        table.add_row(
            _t(n.id),
            _t(n.participant),
            _t(n.group),
            _t(n.held_on or ""),
            _t(n.words),
            _t(n.excerpts),
            _t("purged" if n.purged else "stored"),
        )
    console().print(table)


@consult.command("show")
@click.argument("note_id", type=NUMBER)
@click.option("--plain", is_flag=True, help="The text alone, without character offsets.")
@DB
@click.pass_context
def show(ctx: click.Context, db_url: str | None, note_id: int, plain: bool) -> None:
    """Print a note for coding, each line after its character offset (for --start/--end).

    This is the only command that prints a note's words.
    """
    with _open(ctx, db_url) as review:
        text = review.note_text(note_id)
    offset = 0
    for line in text.removesuffix("\n").split("\n"):
        shown = _CONTROL.sub("\N{REPLACEMENT CHARACTER}", line)
        click.echo(shown if plain else f"{offset:>7} | {shown}")
        offset += len(line) + 1


@consult.command("code")
@click.argument("note_id", type=NUMBER)
@click.option("--theme", required=True, help="One of the protocol's themes.")
@click.option("--start", type=click.IntRange(min=0), help="First character of the excerpt (with --text: where to start looking).")
@click.option("--end", type=click.IntRange(min=1), help="Character after the excerpt.")
@click.option("--text", "quote", help="Words of the note that make the excerpt.")
@click.option("--actor", default="scopewise", show_default=True, help="Who codes.")
@DB
@click.pass_context
def code(
    ctx: click.Context,
    db_url: str | None,
    note_id: int,
    theme: str,
    start: int | None,
    end: int | None,
    quote: str | None,
    actor: str,
) -> None:
    """Code a span of note NOTE_ID to a theme (--start/--end, or --text)."""
    with _open(ctx, db_url) as review:
        try:
            excerpt = review.code_excerpt(note_id, theme, start, end, quote, actor=actor)
        except ConsultationError as exc:  # said in this command's options
            raise UsageError(exc.cli) from None
    console().print(
        _t(
            f"Excerpt {excerpt.id}: note {note_id}, characters {excerpt.start}-{excerpt.end}, "
            f"coded to {excerpt.theme!r} ({excerpt.participant}, {excerpt.group})."
        )
    )


@consult.command("uncode")
@click.argument("excerpt_id", type=NUMBER)
@click.option("--actor", default="scopewise", show_default=True, help="Who removes it.")
@DB
@click.pass_context
def uncode(ctx: click.Context, db_url: str | None, excerpt_id: int, actor: str) -> None:
    """Remove coded excerpt EXCERPT_ID (the note keeps its text; audited)."""
    with _open(ctx, db_url) as review:
        excerpt = review.uncode_excerpt(excerpt_id, actor=actor)
    console().print(
        _t(
            f"Excerpt {excerpt.id} removed: note {excerpt.note_id}, characters "
            f"{excerpt.start}-{excerpt.end}, was coded to {excerpt.theme!r}."
        )
    )


@consult.command("theme")
@click.argument("theme")
@click.option("--stance", required=True, help=f"One of: {', '.join(STANCES)}.")
@click.option("--summary", required=True, help="What the consultation said, in your own words.")
@click.option("--reviewer", required=True, help="The lead recording it.")
@DB
@click.pass_context
def theme(
    ctx: click.Context, db_url: str | None, theme: str, stance: str, summary: str, reviewer: str
) -> None:
    """Record whether the consultation supported, added to or questioned THEME."""
    with _open(ctx, db_url) as review:
        recorded = review.record_theme(theme, stance, summary, review.team_name(reviewer))
    console().print(_t(f"Recorded: the consultation {recorded.stance} {recorded.theme!r}."))


@consult.command("themes")
@click.option("--json", "as_json", is_flag=True, help="The whole consultation report as JSON.")
@DB
@click.pass_context
def themes(ctx: click.Context, db_url: str | None, as_json: bool) -> None:
    """Each theme with its stance, counts per group and the lead's summary."""
    with _open(ctx, db_url) as review:
        report = review.consultation_report()
    if as_json:
        click.echo(jsonout.dumps(report.to_json(), indent=2, ensure_ascii=False))
        return
    table = Table(title="Consultation themes")
    for column in ("theme", "stance", "excerpts", "participants per group", "summary"):
        table.add_column(column)
    for f in report.themes:
        groups = ", ".join(f"{g} {n}" for g, n in f.participants_per_group.items())
        table.add_row(
            _t(f.theme), _t(f.stance or "(none yet)"), _t(f.excerpts), _t(groups), _t(f.summary)
        )
    console().print(table)


@consult.command("plan")
@DB
@click.pass_context
def plan(ctx: click.Context, db_url: str | None) -> None:
    """What the report will say about the consultation: the ACTIVE items and the GRIPP2
    short form, with the [consultation] keys still to fill in."""
    with _open(ctx, db_url) as review:
        report = review.consultation_report()
    out = console()
    table = Table(title="ACTIVE framework")
    table.add_column("item")
    table.add_column("answer")
    for item in report.active:
        table.add_row(_t(item.label), _t(item.value or "(missing)"))
    out.print(table)
    gripp = Table(title="GRIPP2 short form")
    gripp.add_column("#")
    gripp.add_column("section")
    gripp.add_column("text")
    for g in report.gripp2:
        gripp.add_row(_t(g.number), _t(g.section), _t(g.text or "(missing)"))
    out.print(gripp)
    missing = [k for k in report.missing if k != "who"]
    if missing:
        out.print(
            _t(
                "Set in protocol.toml [consultation]: "
                + ", ".join(missing)
                + " (then scopewise protocol update)."
            )
        )
    if "who" in report.missing:
        out.print(_t("No participant yet: 'consult DIR import' adds them."))


@consult.command("export")
@click.option(
    "-o", "--output", required=True, type=click.Path(path_type=Path), help="CSV file to write."
)
@DB
@click.pass_context
def export(ctx: click.Context, db_url: str | None, output: Path) -> None:
    """Write participant code, group, theme, stance, counts and summaries to a CSV file."""
    if output.suffix.lower() != ".csv":
        raise UsageError(f"{output}: the consultation export is a .csv file")
    with _open(ctx, db_url) as review:
        rows = review.export_consultation(output)
    console().print(_t(f"Wrote {rows:,} rows to {output}."))


@consult.command("purge-notes")
@click.option("--force", is_flag=True, help="Purge even notes without a coded excerpt.")
@click.option("--actor", default="scopewise", show_default=True, help="Who purges.")
@DB
@click.pass_context
def purge_notes(ctx: click.Context, db_url: str | None, force: bool, actor: str) -> None:
    """Remove the notes' text from the project once coding is done (the codes, groups,
    themes, counts and summaries stay; audited)."""
    with _open(ctx, db_url) as review:
        result = review.purge_notes(actor=actor, force=force)
    console().print(
        _t(
            f"Purged the text of {plural(result.notes, 'note')}; "
            f"{plural(result.excerpts, 'coded excerpt')} "
            f"{'still counts' if result.excerpts == 1 else 'still count'}."
        )
    )
    if not result.compacted:
        console().print(
            _t(
                "The database was busy, so it was not compacted: run purge-notes again "
                "when no one else has the project open, so no purged text stays in its free pages."
            )
        )


COMMANDS = [consult]
