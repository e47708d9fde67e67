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
from scopewise.errors import ScopewiseError

__all__ = ["cli", "main"]

# Each command's module, imported only when the command runs (or --help lists them),
# so that a small command does not pay for the machine learning stack, and
# ``simulate`` (no project) not for the database layer.
LAZY_COMMANDS = {
    "init": "scopewise.cli.core",
    "status": "scopewise.cli.core",
    "protocol": "scopewise.cli.core",
    "audit": "scopewise.cli.core",
    "import": "scopewise.cli.imports",
    "export": "scopewise.cli.imports",
    "search": "scopewise.cli.imports",
    "dedup": "scopewise.cli.dedup",
    "screen": "scopewise.cli.screen",
    "simulate": "scopewise.cli.simulate",
    "report": "scopewise.cli.report",
    "consult": "scopewise.cli.consult",
    "demo": "scopewise.cli.report",
    "serve": "scopewise.cli.serve",
    "user": "scopewise.cli.user",
    "round": "scopewise.cli.round",
    "remove": "scopewise.cli.remove",
    "chart": "scopewise.cli.chart",
    "check": "scopewise.cli.maintenance",
    "backup": "scopewise.cli.maintenance",
    "restore": "scopewise.cli.maintenance",
}


class LazyGroup(click.Group):
    """A group whose area commands are imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *LAZY_COMMANDS})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        command = super().get_command(ctx, cmd_name)
        if command is not None or cmd_name not in LAZY_COMMANDS:
            return command
        module = importlib.import_module(LAZY_COMMANDS[cmd_name])
        for candidate in getattr(module, "COMMANDS", ()):
            if candidate.name == cmd_name:
                return candidate  # type: ignore[no-any-return]
        return None


@click.group(
    cls=LazyGroup,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.version_option(__version__, prog_name="scopewise")
def cli() -> None:
    """Run a scoping review end to end: protocol, import, deduplication, screening,
    charting, analysis and the PRISMA-ScR report.

    Add --debug anywhere to see a traceback instead of a one-line error.
    """


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
