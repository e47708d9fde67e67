"""``scopewise remove``: records the lead removes before screening, with the reason."""

from __future__ import annotations

from pathlib import Path

import click

from scopewise.cli.types import NUMBER
from scopewise.errors import UsageError
from scopewise.review import Review
from scopewise.text import plural

__all__ = ["COMMANDS", "remove_command"]


@click.command("remove")
@click.argument("directory", type=click.Path(path_type=Path))
@click.argument("record_ids", nargs=-1, type=NUMBER)
@click.option("--reason", help='Why, e.g. "Retracted" or "Published before 2000".')
@click.option("--ids-file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="A file of record ids, one a line (e.g. an automation tool's output).")
@click.option("--undo", is_flag=True, help="Put the records back to be screened.")
@click.option("--list", "list_", is_flag=True, help="List every removal, undone ones too.")
@click.option("--actor", default="scopewise", show_default=True,
              help="Who does this: the review's lead.")
@click.option("--db", "db_url", help="Database URL, if not the project's own.")
def remove_command(
    directory: Path, record_ids: tuple[int, ...], reason: str | None, ids_file: Path | None,
    undo: bool, list_: bool, actor: str, db_url: str | None,
) -> None:
    """Remove records before screening for a stated reason (PRISMA 2020's "records
    removed for other reasons"), put them back (--undo), or list removals (--list).

    Only records nobody has screened can be removed; the PRISMA flow and the report
    count them by reason. Every removal and undo is audited.
    """
    ids = list(record_ids)
    if ids_file is not None:
        for n, line in enumerate(ids_file.read_text(encoding="utf-8").splitlines(), 1):
            if line.strip():
                try:
                    ids.append(int(line.strip()))
                except ValueError:
                    raise UsageError(f"{ids_file} line {n}: {line.strip()!r} is not a record "
                                     "id") from None
    with Review.open(directory, db_url=db_url) as review:
        actor = review.team_name(actor)
        if list_:
            for r in review.removals():
                undone = (f"  undone {r.undone_at:%Y-%m-%d} by {r.undone_by}"
                          if r.undone_at else "")
                click.echo(f"record {r.record_id}  {r.reason}  "
                           f"(removed {r.removed_at:%Y-%m-%d} by {r.removed_by}){undone}")
            return
        if undo:
            back = review.undo_removals(ids, actor=actor)
            click.echo(f"Put back {plural(len(back), 'record')} to be screened.")
            return
        if reason is None:
            raise UsageError('give the reason with --reason, e.g. --reason "Retracted"')
        count = review.remove_records(ids, reason, actor=actor)
        click.echo(f"Removed {plural(count, 'record')} before screening: "
                   f"{' '.join(reason.split())}. "
                   f"The PRISMA flow counts {'it' if count == 1 else 'them'} as removed for "
                   "other reasons.")


COMMANDS = [remove_command]
