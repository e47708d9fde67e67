"""``scopewise serve``: the web app for review teams."""

from __future__ import annotations

import ipaddress
import os
from pathlib import Path

import click

from scopewise.errors import UsageError
from scopewise.text import plural

__all__ = ["COMMANDS", "is_loopback", "serve"]


def is_loopback(host: str) -> bool:
    """Whether ``host`` is reached only from this machine."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@click.command()
@click.argument("directory", type=click.Path(path_type=Path))
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8765, show_default=True, type=int, help="Port to listen on.")
@click.option(
    "--workers", default=1, show_default=True, type=int,
    help="Server processes (more than one needs PostgreSQL).",
)
@click.option("--db", "db_url", help="Database URL, if not the project's own.")
@click.option(
    "--https", is_flag=True,
    help="The app is reached over https (behind a TLS proxy): Secure __Host- cookies and HSTS.",
)
def serve(
    directory: Path, host: str, port: int, workers: int, db_url: str | None, https: bool
) -> None:
    """Serve the review in DIRECTORY to the team's browsers."""
    import uvicorn

    from scopewise.review import Review

    if workers < 1:
        raise UsageError(f"--workers must be 1 or more, not {workers}")
    with Review.open(directory, db_url=db_url) as review:  # migrations run here, once
        backend = review.store.backend
        url = review.store.url
    if workers > 1 and backend == "sqlite":
        raise UsageError(
            "several workers need PostgreSQL (SQLite lets one process write at a time); "
            "use --workers 1 or a postgresql+psycopg:// database"
        )
    if not is_loopback(host):
        click.echo(
            f"warning: listening on {host}, reachable from other machines; put a reverse "
            "proxy with TLS in front (see the README's team deployment section) and pass --https",
            err=True,
        )
    os.environ["SCOPEWISE_WEB_DIR"] = str(directory.resolve())
    os.environ["SCOPEWISE_WEB_DB"] = url
    os.environ["SCOPEWISE_WEB_HTTPS"] = "1" if https else ""
    click.echo(
        f"Serving {directory} on http://{host}:{port} ({backend}, {plural(workers, 'worker')})"
    )
    uvicorn.run(
        "scopewise.web:app_from_environment",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        proxy_headers=https,
        forwarded_allow_ips="127.0.0.1" if https else None,
        log_level="warning",
        access_log=False,
    )


COMMANDS = [serve]
