"""``scopewise user``: accounts for the web app (add, list, disable, reset-password)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from scopewise.cli.core import console
from scopewise.errors import UsageError
from scopewise.review import Review

__all__ = ["COMMANDS", "user"]

DIR = click.argument("directory", type=click.Path(path_type=Path))
DB = click.option("--db", "db_url", help="Database URL, if not the project's own.")


@click.group()
def user() -> None:
    """Accounts that sign in to the web app (scopewise serve)."""


def _read_password() -> str:
    line = sys.stdin.readline()
    password = line[:-1] if line.endswith("\n") else line
    if password.endswith("\r"):
        password = password[:-1]
    if not password:
        raise UsageError("no password on standard input (--password-stdin reads one line)")
    return password


@user.command("add")
@DIR
@click.option("--email", required=True, help="The e-mail address they sign in with.")
@click.option("--name", required=True, help="Their name in the protocol's [[team]].")
@click.option(
    "--role", required=True, type=click.Choice(["lead", "reviewer", "viewer"]),
    help="lead: everything; reviewer: screens and charts; viewer: reads.",
)
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@DB
def user_add(
    directory: Path, email: str, name: str, role: str, password_stdin: bool, db_url: str | None
) -> None:
    """Give a team member an account for the web app."""
    if not password_stdin:
        raise UsageError("give the password on standard input with --password-stdin")
    password = _read_password()
    with Review.open(directory, db_url=db_url) as review:
        account = review.add_account(email, name, role, password, actor="cli")
    console().print(f"Added {account.role} account {account.email} for {account.name}")


@user.command("list")
@DIR
@DB
def user_list(directory: Path, db_url: str | None) -> None:
    """List the accounts."""
    from rich.table import Table

    with Review.open(directory, db_url=db_url) as review:
        found = review.accounts()
    table = Table(show_header=True)
    for column in ("email", "name", "role", "status", "created"):
        table.add_column(column)
    for a in found:
        table.add_row(a.email, a.name, a.role, "disabled" if a.disabled else "active",
                      a.created_at.strftime("%Y-%m-%d %H:%M"))
    console().print(table if found else "No accounts yet: add one with scopewise user add")


@user.command("disable")
@DIR
@click.option("--email", required=True, help="The account's e-mail address.")
@click.option("--enable", is_flag=True, help="Enable a disabled account again.")
@DB
def user_disable(directory: Path, email: str, enable: bool, db_url: str | None) -> None:
    """Disable an account: its sessions end at once and it cannot sign in."""
    with Review.open(directory, db_url=db_url) as review:
        account = review.disable_account(email, actor="cli", disabled=not enable)
    console().print(f"{account.email} is {'disabled' if account.disabled else 'enabled'}")


@user.command("reset-password")
@DIR
@click.option("--email", required=True, help="The account's e-mail address.")
@click.option(
    "--base-url", default="http://127.0.0.1:8765", show_default=True,
    help="Where the web app is reached, for the link.",
)
@DB
def user_reset_password(directory: Path, email: str, base_url: str, db_url: str | None) -> None:
    """Print a one-time link (valid 24 hours) for setting a new password."""
    with Review.open(directory, db_url=db_url) as review:
        token = review.password_link_token(email, actor="cli")
    click.echo(f"{base_url.rstrip('/')}/reset/{token}")


COMMANDS = [user]
