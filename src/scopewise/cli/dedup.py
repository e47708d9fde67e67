"""Command ``dedup``: merge sure duplicates, queue and review possible ones, overlap, undo."""

from __future__ import annotations

from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from scopewise.cli.core import console
from scopewise.cli.types import NUMBER
from scopewise.dedup.side_by_side import reason_words, side_by_side
from scopewise.errors import UsageError
from scopewise.records import Record
from scopewise.review import Review
from scopewise.store.dedup import Candidate

__all__ = ["COMMANDS", "dedup_command"]

_KEYS = {"s": "same", "d": "different", "k": "skip"}


@click.command("dedup")
@click.argument("directory", type=click.Path(path_type=Path))
@click.option(
    "--auto-only",
    is_flag=True,
    help="Merge the sure duplicates only; leave the queue of possible ones untouched.",
)
@click.option(
    "--full",
    is_flag=True,
    help="Compare all records again, not only those imported since the last run.",
)
@click.option(
    "--review",
    "walk",
    is_flag=True,
    help="Walk the queue of possible duplicates: s=same, d=different, k=skip, q=quit.",
)
@click.option(
    "--overlap",
    is_flag=True,
    help="Show how many records each source contributed and how many only it found.",
)
@click.option("--undo", "undo", type=NUMBER, metavar="GROUP", help="Undo the merge of group GROUP.")
@click.option("--actor", default="scopewise", show_default=True, help="Who does this.")
@click.option("--db", "db_url", help="Database URL, if not the project's own.")
def dedup_command(
    directory: Path, auto_only: bool, full: bool, walk: bool, overlap: bool, undo: int | None,
    actor: str, db_url: str | None,
) -> None:  # fmt: skip
    """Find duplicate records in the review in DIRECTORY.

    Sure duplicates are merged automatically (each merge keeps its reason and can be
    undone with --undo); possible duplicates are queued for a person (--review).
    After a new import only the new records are compared with all earlier ones.
    """
    modes = [name for name, on in (("--review", walk), ("--overlap", overlap),
                                   ("--undo", undo is not None)) if on]  # fmt: skip
    if len(modes) > 1 or (modes and (auto_only or full)):
        given = modes + [o for o, on in (("--auto-only", auto_only), ("--full", full)) if on]
        raise UsageError(f"{' and '.join(given)} cannot be combined; give one of them")
    out = console()
    with Review.open(directory, db_url=db_url) as review:
        if undo is not None:
            group = review.undo_merge(undo, actor=actor)
            out.print(
                f"Undid group {group.id}: its {len(group.record_ids)} records "
                f"({', '.join(map(str, group.record_ids))}) are separate records again."
            )
        elif overlap:
            _overlap(review, out)
        elif walk:
            _walk(review, out, actor)
        else:
            _run(review, out, auto_only, full, actor, directory)


def _run(review: Review, out: Console, auto_only: bool, full: bool, actor: str,
         directory: Path) -> None:  # fmt: skip
    with out.status("Deduplicating") as status:
        summary = review.dedup(auto_only=auto_only, full=full, actor=actor,
                               progress=lambda text: status.update(text))  # fmt: skip
    scope = (f"{summary.new_records:,} new records against all {summary.records:,}"
             if summary.incremental else f"{summary.records:,} records")  # fmt: skip
    out.print(f"Compared {scope} ({summary.compared:,} candidate pairs, "
              f"{summary.seconds:.1f} s).")  # fmt: skip
    grew = f" ({summary.groups_extended} existing groups grew)" if summary.groups_extended else ""
    out.print(f"Merged {summary.duplicates_merged:,} duplicate records into "
              f"{summary.groups_created:,} new groups{grew}.")  # fmt: skip
    if summary.notices_attached:
        out.print(f"{summary.notices_attached:,} of the groups attach a notice (erratum, "
                  "correction, retraction or reply) to its article; the merge reason names it.")  # fmt: skip
    if summary.retractions_attached:
        out.print(f"[bold red]{summary.retractions_attached:,} groups hold a RETRACTION "
                  "notice:[/] the article they stand for is retracted.")  # fmt: skip
    if auto_only:
        out.print("The queue of possible duplicates was left untouched (--auto-only).")
    elif summary.queued:
        out.print(f"Queued {summary.queued:,} possible duplicates for a person: "
                  f"scopewise dedup {directory} --review")  # fmt: skip
    else:
        out.print("No new possible duplicates to review.")


def _overlap(review: Review, out: Console) -> None:
    result = review.source_overlap()
    if not result.sources:
        out.print("No records yet: import search results first.")
        return
    table = Table(title="Source overlap")
    for name in ("Source", "Records", "Distinct records", "Only this source",
                 "Duplicates within source"):  # fmt: skip
        table.add_column(name, justify="left" if name == "Source" else "right")
    for row in result.rows():
        table.add_row(
            str(row["source"]), f"{row['contributed']:,}", f"{row['unique']:,}",
            f"{row['only_here']:,}", f"{row['within_source_duplicates']:,}",
        )  # fmt: skip
    out.print(table)


def _side_by_side(out: Console, pair: Candidate, a: Record, b: Record, n: int, total: int
                  ) -> None:  # fmt: skip
    table = Table(title=f"Possible duplicate {n} of {total} (score {pair.score:.2f})",
                  show_lines=True)  # fmt: skip
    table.add_column("")
    table.add_column(f"record {pair.record_a}", ratio=1)
    table.add_column(f"record {pair.record_b}", ratio=1)
    for row in side_by_side(a, b):
        table.add_row(row.name + ("*" if row.differs else ""), row.left, row.right)
    out.print(table)
    out.print(f"Why: {reason_words(pair.reason)}")


def _walk(review: Review, out: Console, actor: str) -> None:
    queue = review.duplicate_queue()
    if not queue:
        out.print("The queue of possible duplicates is empty.")
        return
    done = {"same": 0, "different": 0, "skip": 0}
    for n, (pair, a, b) in enumerate(queue, start=1):
        _side_by_side(out, pair, a, b, n, len(queue))
        key = click.prompt("Same (s), different (d), skip (k) or quit (q)?",
                           type=click.Choice(["s", "d", "k", "q"]), show_choices=False)  # fmt: skip
        if key == "q":
            break
        review.resolve_candidate(pair.id, _KEYS[key], actor=actor)
        done[_KEYS[key]] += 1
    left = len(queue) - sum(done.values())
    out.print(f"Marked {done['same']} same (merged), {done['different']} different, "
              f"skipped {done['skip']}; {left} left in the queue.")  # fmt: skip


COMMANDS = [dedup_command]
