"""A call into the Review facade from a route: in a worker thread (the facade blocks on
the database), with the user's errors turned into an error page."""

from __future__ import annotations

from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request

from scopewise.errors import NotFound, ScopewiseError

__all__ = ["actor", "call", "review"]


def review(request: Request) -> Any:
    """The process's :class:`~scopewise.review.Review` (opened once by the app)."""
    return request.app.state.review


def actor(request: Request) -> str:
    """The signed-in account's team member name: who decisions and audit events name."""
    return str(request.state.session.account.name)


async def call(fn: Any, *args: Any, not_found: int = 400, **kwargs: Any) -> Any:
    """``fn(*args, **kwargs)`` in a worker thread; a :class:`ScopewiseError` becomes a
    400 page with its message (a :class:`NotFound`, the ``not_found`` status)."""
    try:
        return await run_in_threadpool(fn, *args, **kwargs)
    except NotFound as exc:
        raise HTTPException(not_found, str(exc)) from None
    except ScopewiseError as exc:
        raise HTTPException(400, str(exc)) from None
