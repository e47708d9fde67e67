"""Project commands: init, status, protocol, audit."""

from __future__ import annotations

from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from scopewise import jsonout
from scopewise.errors import ProtocolError
from scopewise.protocol import Protocol
from scopewise.protocol.io import check_protocol
from scopewise.review import Review
from scopewise.review.protocol_names import name_errors
from scopewise.review.status_view import status_rows
from scopewise.text import plural

__all__ = ["COMMANDS", "audit", "init", "protocol", "status"]

DIR = click.argument("directory", type=click.Path(path_type=Path))


def console() -> Console:
    """A console on stdout that never wraps lines mid-word in tests."""
    return Console(highlight=False, soft_wrap=True)


@click.command()
@DIR
@click.option(
    "--protocol",
    "protocol_file",
    type=click.Path(path_type=Path),
    help="Protocol TOML to start from.",
)
@click.option(
    "--db", "db_url", help="Database URL (default: SQLite inside DIR; or $SCOPEWISE_DATABASE_URL)."
)
@click.option("--author", default="scopewise", show_default=True, help="Who creates the project.")
def init(directory: Path, protocol_file: Path | None, db_url: str | None, author: str) -> None:
    """Create a review project in DIRECTORY.

    Without --protocol it writes a protocol skeleton (protocol.toml) to fill in.
    """
    with Review.create(
        directory, protocol_path=protocol_file, db_url=db_url, author=author
    ) as review:
        out = console()
        out.print(f"Created project [bold]{review.protocol.review.title}[/bold] in {directory}")
        out.print(f"Database: {review.store.backend}")
        if protocol_file is None:
            out.print(
                f"A protocol skeleton is in {directory / 'protocol.toml'}: fill it in, then run "
                f"scopewise protocol update {directory} --note 'first draft'"
            )


def _status_table(counts: dict[str, object]) -> Table:
    table = Table(title=str(counts["title"]), show_header=True)
    table.add_column("stage")
    table.add_column("count", justify="right")
    table.add_row("protocol version", str(counts["protocol_version"]))
    for label, value in status_rows(counts):
        table.add_row(label, str(value))
    table.add_row("charting entries (values saved, every charter)", str(counts["charting_entries"]))
    table.add_row("consultation participants", str(counts["participants"]))
    return table


@click.command()
@DIR
@click.option("--db", "db_url", help="Database URL, if not the project's own.")
@click.option("--json", "as_json", is_flag=True, help="Print the counts as JSON.")
def status(directory: Path, db_url: str | None, as_json: bool) -> None:
    """Counts per stage of the review in DIRECTORY."""
    with Review.open(directory, db_url=db_url) as review:
        counts = review.status()
        warnings = review.source_warnings()
    if as_json:
        click.echo(jsonout.dumps(counts, indent=2, sort_keys=True))
    else:
        console().print(_status_table(counts))
    for line in warnings:
        click.echo(f"warning: {line}", err=True)


@click.group()
def protocol() -> None:
    """Check, show and version the review protocol."""


def _print_protocol(p: Protocol) -> None:
    out = console()
    out.print(f"[bold]{p.review.title}[/bold]")
    if p.review.registration:
        out.print(f"Registration: {p.review.registration}")
    out.print(f"Framework: {p.review.framework}; reported to {p.review.reporting_guideline}")
    for i, q in enumerate(p.questions, 1):
        out.print(f"Q{i}. {q}")
    out.print(f"Population: {p.pcc.population}")
    out.print(f"Concept: {p.pcc.concept}")
    out.print(f"Context: {p.pcc.context}")
    table = Table(title="Eligibility criteria")
    table.add_column("code")
    table.add_column("kind")
    table.add_column("criterion")
    for c in p.criteria.inclusion:
        table.add_row(c.code, "include", c.text)
    for c in p.criteria.exclusion:
        table.add_row(c.code, "exclude", c.text)
    out.print(table)
    if p.sources:
        sources = Table(title="Sources and search plan")
        for col in ("source", "method", "platform", "query", "dates"):
            sources.add_column(col)
        for s in p.sources:
            dates = f"{s.date_from or '…'}–{s.date_to or '…'}"
            sources.add_row(s.name, s.method, s.platform or s.connector or "", s.query, dates)
        out.print(sources)
    plan = p.screening
    out.print(
        f"Screening: {', '.join(plan.stages)}; "
        f"{plural(plan.reviewers_per_record, 'reviewer')} per record; "
        f"blinding {'on' if plan.blinding else 'off'}"
    )
    if p.charting.fields:
        form = Table(title="Charting form")
        for col in ("field", "type", "required", "choices"):
            form.add_column(col)
        for f in p.charting.fields:
            form.add_row(f.name, f.type, "yes" if f.required else "", "; ".join(f.choices))
        out.print(form)
    consult = p.consultation
    out.print(
        f"Consultation: {'on' if consult.enabled else 'off'}"
        + (f"; quotes {consult.quotes}" if consult.enabled else "")
    )


@protocol.command("check")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--draft", is_flag=True,
              help="Accept placeholders (TODO, empty required text) while drafting.")
def protocol_check(file: Path, draft: bool) -> None:
    """Validate a protocol FILE: every error in one run, each with its line and field.

    Placeholders ("TODO", empty required text) are errors unless --draft is given.
    """
    p, errors = check_protocol(file, draft=draft)
    try:  # names only later stages know (see scopewise.review.protocol_names)
        named = name_errors(file.read_text(encoding="utf-8-sig"), str(file))
    except (OSError, UnicodeDecodeError):  # check_protocol has said why it cannot be read
        named = []
    errors = sorted(errors + named, key=lambda e: (e.line or 0, e.field or ""))
    for error in errors[:-1]:
        click.echo(f"error: {error}", err=True)
    if errors:
        if len(errors) == 1:
            raise errors[0]
        raise ProtocolError(f"{errors[-1].detail} ({len(errors)} errors in all)",
                            path=errors[-1].path, line=errors[-1].line, field=errors[-1].field)
    assert p is not None
    click.echo(
        f"{file}: valid protocol: {plural(len(p.questions), 'question')}, "
        f"{len(p.criteria.inclusion)} inclusion and {len(p.criteria.exclusion)} exclusion criteria, "
        f"{plural(len(p.sources), 'source')}, {plural(len(p.charting.fields), 'charting field')}"
    )


@protocol.command("show")
@DIR
@click.option("--db", "db_url", help="Database URL, if not the project's own.")
def protocol_show(directory: Path, db_url: str | None) -> None:
    """Show the current protocol of the project in DIRECTORY."""
    with Review.open(directory, db_url=db_url) as review:
        _print_protocol(review.protocol)
        versions = review.protocol_versions()
    click.echo(f"Protocol version {versions[-1].version} of {len(versions)}")


@protocol.command("update")
@DIR
@click.option(
    "--file",
    "file",
    type=click.Path(path_type=Path),
    help="Protocol file (default: DIR/protocol.toml).",
)
@click.option("--author", required=True, help="Who changed the protocol.")
@click.option("--note", required=True, help="Why it changed (reported as a deviation).")
@click.option("--db", "db_url", help="Database URL, if not the project's own.")
def protocol_update(
    directory: Path, file: Path | None, author: str, note: str, db_url: str | None
) -> None:
    """Store the edited protocol as a new version (with its diff)."""
    with Review.open(directory, db_url=db_url) as review:
        version = review.update_protocol(file, author=author, note=note)
    if version is None:
        click.echo("The protocol has not changed; no new version stored.")
    else:
        click.echo(f"Stored protocol version {version}.")


@protocol.command("history")
@DIR
@click.option("--diff", "show_diff", is_flag=True, help="Show each version's diff.")
@click.option("--db", "db_url", help="Database URL, if not the project's own.")
def protocol_history(directory: Path, show_diff: bool, db_url: str | None) -> None:
    """List protocol versions: who, when, why."""
    with Review.open(directory, db_url=db_url) as review:
        versions = review.protocol_versions()
    for v in versions:
        tag = " (registered)" if v.registered else ""
        click.echo(f"v{v.version}{tag}  {v.created_at:%Y-%m-%d %H:%M}  {v.author}  {v.note}")
        if show_diff and v.diff:
            click.echo(v.diff)


@click.command()
@DIR
@click.option("--limit", type=int, default=None, help="Only the last N events.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
@click.option("--db", "db_url", help="Database URL, if not the project's own.")
def audit(directory: Path, limit: int | None, as_json: bool, db_url: str | None) -> None:
    """The audit trail: who changed what, and when."""
    with Review.open(directory, db_url=db_url) as review:
        events = review.audit(limit)
    for e in events:
        if as_json:
            click.echo(
                jsonout.dumps(
                    {
                        "id": e.id,
                        "at": e.at.isoformat(),
                        "actor": e.actor,
                        "action": e.action,
                        "detail": e.detail,
                    },
                    sort_keys=True,
                )
            )
        else:
            click.echo(
                f"{e.at:%Y-%m-%d %H:%M:%S}  {e.actor:<16} {e.action:<24} {jsonout.dumps(e.detail, sort_keys=True)}"
            )


COMMANDS = [init, status, protocol, audit]
