"""Commands ``check``, ``backup`` and ``restore``: the project database as a whole."""

from __future__ import annotations

from pathlib import Path

import click

from scopewise.errors import DatabaseDamaged as ProjectDamaged
from scopewise.review.maintenance import backup_project, check_project_folder, restore_project
from scopewise.text import plural

__all__ = ["COMMANDS", "backup", "check", "restore"]

DIR = click.argument("directory", type=click.Path(path_type=Path))
DB = click.option("--db", "db_url", help="Database URL, if not the project's own.")


@click.command()
@DIR
@DB
def check(directory: Path, db_url: str | None) -> None:
    """Check the project in DIRECTORY: the database's own integrity check, then that
    every decision, duplicate and charting entry points to a record and the PRISMA
    flow adds up. Exit code 2 when something is wrong."""
    result = check_project_folder(directory, db_url)
    for line in result.checked:
        click.echo(f"checked: {line}")
    if result.ok:
        click.echo("No problems found.")
        return
    for line in result.problems:
        click.echo(f"problem: {line}", err=True)
    raise ProjectDamaged(
        f"{directory}: {plural(len(result.problems), 'problem')} found; restore the latest backup "
        f"with scopewise restore BACKUP {directory} --force"
    )


@click.command()
@DIR
@click.option("-o", "--output", required=True, type=click.Path(path_type=Path),
              help="Backup file to write (a SQLite file, whatever the backend).")
@DB
def backup(directory: Path, output: Path, db_url: str | None) -> None:
    """Write a consistent copy of the project's database while others keep working."""
    counts = backup_project(directory, output, db_url)
    click.echo(
        f"Wrote a backup of {directory} to {output} ({counts.get('records', 0):,} records, "
        f"{counts.get('decisions', 0):,} decisions). Restore it with "
        f"scopewise restore {output} {directory} --force"
    )


@click.command()
@click.argument("backup_file", type=click.Path(path_type=Path))
@DIR
@click.option("--force", is_flag=True, help="Replace the project's current database.")
@DB
def restore(backup_file: Path, directory: Path, force: bool, db_url: str | None) -> None:
    """Restore BACKUP_FILE (from scopewise backup) as the database of DIRECTORY.

    DIRECTORY may be a new folder. An existing database is replaced only with
    --force; a SQLite file is then kept beside it as project.db.damaged-N.
    """
    counts = restore_project(backup_file, directory, db_url, force)
    click.echo(
        f"Restored {backup_file} into {directory} ({counts.get('records', 0):,} records, "
        f"{counts.get('decisions', 0):,} decisions); check it with scopewise check {directory}"
    )


COMMANDS = [check, backup, restore]
