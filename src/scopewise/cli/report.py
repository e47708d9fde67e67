"""Report commands: ``scopewise report`` and ``scopewise demo``."""

from __future__ import annotations

from pathlib import Path

import click

from scopewise.report import FORMATS
from scopewise.review import Review

__all__ = ["COMMANDS", "demo", "report"]


@click.command()
@click.argument("directory", type=click.Path(path_type=Path))
@click.option(
    "-o",
    "--out",
    "out_dir",
    type=click.Path(path_type=Path),
    required=True,
    help="Folder to write the report into (created if needed).",
)
@click.option(
    "--format",
    "formats",
    default=None,
    metavar="LIST",
    help=f"Comma-separated formats out of {','.join(FORMATS)} (default: the protocol's).",
)
@click.option("--db", "db_url", help="Database URL, if not the project's own.")
def report(directory: Path, out_dir: Path, formats: str | None, db_url: str | None) -> None:
    """Write the PRISMA flow (prisma.json, prisma.svg, prisma.png) and report.html for
    the review in DIRECTORY.

    Every number is counted from the project data; if they contradict each other the
    report stops and names the broken rule.
    """
    with Review.open(directory, db_url=db_url) as review:
        flow = review.flow()
        written = review.report(out_dir, formats)
    click.echo(
        f"PRISMA flow: {flow.identified:,} identified, {flow.duplicates_removed:,} duplicates "
        f"removed, {flow.screened:,} screened, {flow.included:,} included."
    )
    if not flow.complete:
        click.echo(
            f"The review is in progress: {flow.open_title_abstract:,} record(s) to decide at "
            f"title/abstract, {flow.awaiting_retrieval:,} awaiting retrieval, "
            f"{flow.open_full_text:,} to decide at full text."
        )
    for path in written:
        click.echo(f"Wrote {path}")


@click.command()
@click.argument(
    "directory", type=click.Path(path_type=Path), default=Path("scopewise-demo"), required=False
)
@click.option("--seed", default=0, show_default=True, type=int, help="Seed of every random choice.")
def demo(directory: Path, seed: int) -> None:
    """Run a whole review on the bundled example (PTSD trajectories, 6,189 records),
    offline: import, deduplication, two simulated reviewers, ranking with a stopping
    rule, full text, and the report. DIRECTORY (default: ./scopewise-demo) must not
    hold a project yet.
    """
    from scopewise.review.demo import run_demo

    run_demo(directory, seed=seed, say=click.echo)


COMMANDS = [report, demo]
