"""Commands ``import``, ``export`` and ``search``."""

from __future__ import annotations

from pathlib import Path

import click
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from scopewise.cli.core import console
from scopewise.cli.types import NUMBER
from scopewise.errors import UsageError
from scopewise.review import Review
from scopewise.sources import EXPORT_FORMATS

__all__ = ["COMMANDS", "export_command", "import_command", "search_command"]

DIR = click.argument("directory", type=click.Path(path_type=Path))
DB = click.option("--db", "db_url", help="Database URL, if not the project's own.")
ACTOR = click.option("--actor", default="scopewise", show_default=True, help="Who does this.")
_PROGRESS_FROM_BYTES = 2 * 1024 * 1024  # show a progress display for files above 2 MB


@click.command("import")
@DIR
@click.argument("files", nargs=-1, type=click.Path(path_type=Path))
@click.option("--source", help="Database searched, e.g. Embase (needed unless the file or "
              "the protocol names it).")
@click.option("--platform", default="", help="Interface used, e.g. Ovid or EBSCOhost.")
@click.option("--query", default="", help="The exact search string, for the methods section.")
@click.option("--query-file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Read the exact search string from a file.")
@click.option("--searched-on", help="Date the search was run (YYYY-MM-DD).")
@click.option("--format", "fmt", help="File format if detection should be skipped "
              "(ris, medline, wos, bibtex, pubmed-xml, endnote-xml, csv, xlsx, csl-json).")
@click.option("--method", type=click.Choice(["file", "other"]), default="file", show_default=True,
              help="other: records found by other methods (websites, organisations, citation "
              "searching), named with --source; shown in their own column of the flow diagram.")
@click.option("--undo", "undo", type=NUMBER, metavar="SEARCH",
              help="Remove search SEARCH and its records (refused once work rests on them).")
@click.option("--list", "show_list", is_flag=True, help="List the searches imported so far.")
@ACTOR
@DB
def import_command(
    directory: Path, files: tuple[Path, ...], source: str | None, platform: str, query: str,
    query_file: Path | None, searched_on: str | None, fmt: str | None, method: str,
    undo: int | None, show_list: bool, actor: str, db_url: str | None,
) -> None:
    """Import search results (FILES) into the review in DIRECTORY.

    Each file is stored as one search with its source, query, date, file name and
    sha256; it lands whole or not at all, and the same file twice is refused.
    --list shows the searches; --undo SEARCH removes one while no decision, duplicate
    resolution, full text or charting entry rests on its records.
    """
    if sum([bool(files), undo is not None, show_list]) != 1:
        raise UsageError("give FILES to import, or --list, or --undo SEARCH (one of them)")
    if undo is not None or show_list:
        _list_or_undo(directory, undo, actor, db_url)
        return
    if query and query_file:
        raise UsageError("give either --query or --query-file, not both")
    if query_file is not None:
        query = query_file.read_text(encoding="utf-8-sig").strip()
    out = console()
    with Review.open(directory, db_url=db_url) as review:
        for file in files:
            big = file.is_file() and file.stat().st_size >= _PROGRESS_FROM_BYTES
            # Redrawn on each stored batch rather than by a refresh thread: a large
            # file is parsed by worker processes, best started from a single thread.
            with Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
                          TextColumn("{task.completed:,} records"), TimeElapsedColumn(),
                          console=out, transient=True, disable=not big,
                          auto_refresh=False) as bar:
                task = bar.add_task(f"Importing {file.name}", total=None)
                result = review.import_file(
                    file, source=source, platform=platform, query=query,
                    searched_on=searched_on, format=fmt, actor=actor, method=method,
                    progress=lambda n, task=task: bar.update(  # type: ignore[misc]
                        task, completed=n, refresh=True),
                )
            out.print(
                f"Imported {result.records:,} records from {file.name} ({result.format}) "
                f"as search {result.search_id}, source {result.source}."
            )
            if source is None:
                out.print(f"  The source {result.source!r} was read from the file or the "
                          "protocol; pass --source to name the database otherwise.")
            for line in result.warnings:
                click.echo(f"warning: {line}", err=True)


def _list_or_undo(directory: Path, undo: int | None, actor: str, db_url: str | None) -> None:
    with Review.open(directory, db_url=db_url) as review:
        if undo is not None:
            removed = review.undo_search(undo, actor)
            click.echo(
                f"Removed search {undo} and its {removed['records']:,} records; "
                "the same file may be imported again."
            )
            return
        searches = review.searches()
    if not searches:
        click.echo("No searches imported yet.")
        return
    click.echo("id\tsource\tfile\tcount\tsearched\timported")
    for s in searches:
        name = s.file_name or f"({s.method}: {s.file_format})"
        click.echo(f"{s.id}\t{s.source}\t{name}\t{s.record_count}\t{s.searched_on or ''}\t"
                   f"{s.imported_at:%Y-%m-%d}")


@click.command("export")
@DIR
@click.option("-o", "--output", required=True, type=click.Path(path_type=Path),
              help="File to write.")
@click.option("--format", "fmt", type=click.Choice(EXPORT_FORMATS, case_sensitive=False),
              help="Format (default: from the file extension).")
@click.option("--stage", type=click.Choice(["title_abstract", "full_text"]),
              help="Only records with a final outcome at this screening stage ...")
@click.option("--decision", help="... equal to this decision (include, exclude, maybe) "
              "or status (included, excluded, conflict, undecided).")
@DB
def export_command(
    directory: Path, output: Path, fmt: str | None, stage: str | None, decision: str | None,
    db_url: str | None,
) -> None:
    """Export records of the review in DIRECTORY (all imported records by default,
    duplicates included, each with its duplicate_group)."""
    with Review.open(directory, db_url=db_url) as review:
        count = review.export(output, format=fmt, stage=stage, decision=decision)
    console().print(f"Wrote {count:,} records to {output}.")


@click.command("search")
@DIR
@click.option("--source", type=click.Choice(["pubmed", "europepmc", "openalex", "crossref"]),
              help="Database to search online.")
@click.option("--query", help="The exact search string.")
@click.option("--max", "max_records", type=click.IntRange(min=1), help="Stop after N records.")
@click.option("--all", "run_all", is_flag=True,
              help="Run every online search planned in the protocol.")
@ACTOR
@DB
def search_command(
    directory: Path, source: str | None, query: str | None, max_records: int | None,
    run_all: bool, actor: str, db_url: str | None,
) -> None:
    """Search PubMed, Europe PMC, OpenAlex or Crossref and store the results as an
    import (exact query, date and count)."""
    if run_all == bool(source):
        raise UsageError("give either --source with --query, or --all")
    out = console()
    with Review.open(directory, db_url=db_url) as review:
        results = review.search(None if run_all else source, query, max_records, actor=actor)
    for result in results:
        extra = ""
        if result.total_available is not None and result.total_available > result.records:
            extra = f" ({result.total_available:,} found; raise --max to fetch more)"
        out.print(f"Stored {result.records:,} records from {result.source} as search "
                  f"{result.search_id}{extra}.")


COMMANDS = [import_command, export_command, search_command]
