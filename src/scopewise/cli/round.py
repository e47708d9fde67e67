"""``scopewise round``: update rounds of a living review."""

from __future__ import annotations

from pathlib import Path

import click

from scopewise.errors import UsageError
from scopewise.review import Review

__all__ = ["COMMANDS", "round_command"]


@click.command("round")
@click.argument("directory", type=click.Path(path_type=Path))
@click.argument("action", type=click.Choice(["start", "list"]))
@click.option("--name", help="Name of the new round, e.g. \"Update 2024\" (with start).")
@click.option("--actor", default="scopewise", show_default=True, help="Who does this.")
@click.option("--db", "db_url", help="Database URL, if not the project's own.")
def round_command(
    directory: Path, action: str, name: str | None, actor: str, db_url: str | None
) -> None:
    """Start an update round (ACTION start --name NAME) or list the rounds (ACTION list).

    Every search imported after a round starts belongs to it; its records are
    deduplicated against all earlier ones, and the report shows the flow of the
    previous rounds, the new one and the total.
    """
    with Review.open(directory, db_url=db_url) as review:
        if action == "start":
            if name is None:
                raise UsageError("give the round a name with --name, e.g. --name \"Update 2024\"")
            row = review.start_round(name, actor=actor)
            click.echo(f"Started round {row.number}: {row.name}. Imports from now on belong to it.")
            return
        for r in review.rounds():
            started = r.started_at.strftime("%Y-%m-%d %H:%M") if r.started_at else "-"
            click.echo(f"{r.number}  {r.name}  (started {started})")


COMMANDS = [round_command]
