"""The consultation for the lead: participants, sessions, themes; the quote policy holds.

Everything shown comes from ``review.consultation_report()``, which applies the quote
policy once (no note text reaches this page when quotes are "never"), and from the
notes' descriptions (code, group, date, word counts), never their text.
"""

from __future__ import annotations

from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from scopewise.consultation.model import STANCES
from scopewise.errors import ScopewiseError
from scopewise.web.render import render
from scopewise.web.security import checked_form, requires

__all__ = ["ROUTES"]


def _page(review: Any) -> dict[str, Any]:
    return {
        "report": review.consultation_report(),
        "notes": review.consultation_notes(),
        "themes": review.protocol.charting.themes,
        "stances": STANCES,
    }


@requires("lead")
async def consultation(request: Request) -> Response:
    try:
        context = await run_in_threadpool(_page, request.app.state.review)
    except ScopewiseError as exc:
        raise HTTPException(400, str(exc)) from None
    return render(request, "consultation.html", title="Consultation", **context)


@requires("lead")
async def record_theme(request: Request) -> Response:
    form = await checked_form(request)
    try:
        await run_in_threadpool(
            request.app.state.review.record_theme, str(form.get("theme", "")),
            str(form.get("stance", "")), str(form.get("summary", ""))[:5000],
            request.state.session.account.name,
        )
    except ScopewiseError as exc:
        raise HTTPException(400, str(exc)) from None
    return RedirectResponse("/consultation", status_code=303)


ROUTES = [
    Route("/consultation", consultation, methods=["GET"]),
    Route("/consultation/theme", record_theme, methods=["POST"]),
]
