"""Report commands: ``scopewise report`` and ``scopewise demo``."""

from __future__ import annotations

from pathlib import Path

import click

from scopewise.errors import UsageError
from scopewise.report import FORMATS
from scopewise.review import Review
from scopewise.text import plural

__all__ = ["COMMANDS", "demo", "report"]


@click.command()
@click.argument("directory", type=click.Path(path_type=Path))
@click.option(
    "-o",
    "--out",
    "out_dir",
    type=click.Path(path_type=Path),
    help="Folder to write the report into (created if needed).",
)
@click.option(
    "--format",
    "formats",
    default=None,
    metavar="LIST",
    help=f"Comma-separated formats out of {','.join(FORMATS)} (default: the protocol's).",
)
@click.option("--section", help="Store the text of a section the team writes: "
              "summary, context, discussion, limitations, implications or conclusion ...")
@click.option("--text-file", type=click.Path(path_type=Path), help="... read from this file.")
@click.option("--db", "db_url", help="Database URL, if not the project's own.")
def report(
    directory: Path, out_dir: Path | None, formats: str | None, section: str | None,
    text_file: Path | None, db_url: str | None,
) -> None:
    """Write the review report for DIRECTORY: the PRISMA flow (prisma.json, prisma.svg,
    prisma.png), report.html, report.docx, report.pdf, report.md, report.json and
    checklist.csv (the PRISMA-ScR checklist).

    Every number is counted from the project data; if they contradict each other the
    report stops and names the broken rule. With --section NAME --text-file F it
    stores the text of that section instead (then -o is optional).
    """
    if (section is None) != (text_file is None):
        raise UsageError("give --section and --text-file together")
    if section is None and out_dir is None:
        raise UsageError("give -o/--out, the folder to write the report into")
    with Review.open(directory, db_url=db_url) as review:
        if section is not None and text_file is not None:
            path = review.set_report_text(section, text_file)
            click.echo(f"Stored the {section} section in {path}.")
            if out_dir is None:
                return
        assert out_dir is not None
        flow = review.flow()
        written = review.report(out_dir, formats)
    click.echo(
        f"PRISMA flow: {flow.identified:,} identified, {flow.duplicates_removed:,} duplicates "
        f"removed, "
        + (f"{flow.removed_other_total:,} removed for other reasons, "
           if flow.removed_other_total else "")
        + f"{flow.screened:,} screened, {flow.included:,} included."
    )
    if not flow.complete:
        click.echo(
            f"The review is in progress: {plural(flow.open_title_abstract, 'record')} to decide at "
            f"title/abstract, {flow.awaiting_retrieval:,} awaiting retrieval, "
            f"{flow.open_full_text:,} to decide at full text."
        )
    for path in written:
        click.echo(f"Wrote {path}")
    for reason in written.skipped.values():
        click.echo(reason)


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
