"""The ``scopewise`` command line: a thin client of :class:`scopewise.review.Review`.

Every error a user can cause prints one line on stderr and exits with code 2;
``--debug`` (anywhere on the command line) shows the traceback instead.
"""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Sequence

import click

from scopewise import __version__
from scopewise.cli.core import audit, init, protocol, status
from scopewise.errors import ScopewiseError

__all__ = ["cli", "main"]

# Per-area modules; each exposes COMMANDS, a list of click commands.
AREA_MODULES = (
    "scopewise.cli.imports",
    "scopewise.cli.dedup",
    "scopewise.cli.screen",
    "scopewise.cli.simulate",
    "scopewise.cli.report",
)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="scopewise")
def cli() -> None:
    """Run a scoping review end to end: protocol, import, deduplication, screening,
    charting, analysis and the PRISMA-ScR report.

    Add --debug anywhere to see a traceback instead of a one-line error.
    """


for command in (init, status, protocol, audit):
    cli.add_command(command)

for module_name in AREA_MODULES:
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name != module_name:
            raise
        continue
    for command in getattr(module, "COMMANDS", ()):
        cli.add_command(command)


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point of the ``scopewise`` console script."""
    args = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args or os.environ.get("SCOPEWISE_DEBUG") == "1"
    args = [a for a in args if a != "--debug"]
    try:
        cli.main(args=args, prog_name="scopewise", standalone_mode=False)
    except ScopewiseError as exc:
        if debug:
            raise
        click.echo(f"error: {exc}", err=True)
        sys.exit(exc.exit_code)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        sys.exit(1)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
