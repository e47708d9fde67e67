"""The application factory: open the project once per process, mount the routes."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from anyio import to_thread
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

from scopewise.review import Review
from scopewise.web import (
    routes_auth,
    routes_chart,
    routes_consultation,
    routes_downloads,
    routes_lead,
    routes_records,
    routes_screen,
)
from scopewise.web.render import HERE, make_environment, render
from scopewise.web.security import SecurityMiddleware

THREADS = int(os.environ.get("SCOPEWISE_WEB_THREADS") or 6)
"""Requests a worker process runs at once (the others queue; see ``lifespan``)."""

__all__ = ["app_from_environment", "create_app"]


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if not hasattr(request.state, "session"):
        request.state.session = None
    response = render(
        request, "error.html", status_code=exc.status_code, title="Error", message=exc.detail
    )
    for key, value in (exc.headers or {}).items():
        response.headers[key] = value
    return response


def create_app(
    directory: str | Path,
    db_url: str | None = None,
    https: bool = False,
    ranking: bool = True,
    rank_wait: float = 0.02,
) -> Starlette:
    """The web app for the project in ``directory``.

    Parameters
    ----------
    https:
        The app is reached over https (behind a TLS proxy): ``__Host-`` Secure cookies
        and HSTS.
    ranking:
        Start the background ranking worker (off in tests that do not screen).
    rank_wait:
        The longest a page waits for a refit still running before it serves the
        previous ranking (seconds; a page never waits for training beyond this). 20 ms:
        late in screening a refit takes 15-20 ms of CPU per model, and waiting 50 ms
        for it set the p95 of decide-and-next at a team's pace (bench/web_load.py's
        late row: 84-88 ms at 50 ms, 67 ms at 20 ms, 54 ms at 10 ms with the served
        ranking more often a decision behind; at most 2 behind in every case).
    """
    folder = Path(directory)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        # A few threads run the facade at once, the rest of the requests wait their
        # turn: twenty threads contending for the interpreter lock and the database
        # each got less done than a handful queued in order (bench/web_load.py).
        to_thread.current_default_thread_limiter().total_tokens = THREADS
        review = Review.open(folder, db_url=db_url)
        if ranking:
            review.start_background_ranking(wait=rank_wait)
        app.state.review = review
        app.state.project_title = review.protocol.review.title
        try:
            yield
        finally:
            review.close()

    routes = [
        *routes_auth.ROUTES,
        *routes_screen.ROUTES,
        *routes_lead.ROUTES,
        *routes_records.ROUTES,
        *routes_downloads.ROUTES,
        *routes_chart.ROUTES,
        *routes_consultation.ROUTES,
        Mount("/static", app=StaticFiles(directory=HERE / "static"), name="static"),
    ]
    app = Starlette(
        routes=routes,
        middleware=[Middleware(SecurityMiddleware)],
        exception_handlers={HTTPException: _http_error},
        lifespan=lifespan,
    )
    app.state.https = https
    app.state.templates = make_environment()
    app.state.project_title = ""
    app.state.folder = folder
    return app


def app_from_environment() -> Starlette:
    """The app ``scopewise serve`` starts in each worker (settings in the environment)."""
    return create_app(
        os.environ["SCOPEWISE_WEB_DIR"],
        db_url=os.environ.get("SCOPEWISE_WEB_DB") or None,
        https=os.environ.get("SCOPEWISE_WEB_HTTPS") == "1",
        rank_wait=float(os.environ.get("SCOPEWISE_WEB_RANK_WAIT") or 0.02),
    )
