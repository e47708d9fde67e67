"""Security plumbing: headers, the session cookie, CSRF tokens and role checks.

- Headers on every response: a CSP with no inline script, nosniff, no framing, no
  referrer to other sites, and HSTS when served over https.
- The session cookie holds a random token (the database keeps its sha256). Over https
  it is ``__Host-`` prefixed and Secure; always HttpOnly and SameSite=Lax.
- CSRF: a signed-in form carries its session's token; the sign-in and password-link
  forms (no session yet) carry a token that must equal a cookie set with the form
  (double submit). Every POST handler calls :func:`checked_form` first.
- No CORS headers at all: other origins get nothing readable.
"""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable
from functools import wraps
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

__all__ = [
    "ROLE_RANK",
    "SecurityMiddleware",
    "checked_form",
    "closes_form",
    "cookie_names",
    "login_csrf",
    "requires",
    "set_login_csrf",
    "set_session_cookie",
]

ROLE_RANK = {"viewer": 0, "reviewer": 1, "lead": 2}
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'; "
    "frame-src 'self'"
)
# the largest upload a page takes (an import, 200 MiB) and its form fields
MAX_FORM_BYTES = 210 * 1024 * 1024


def cookie_names(https: bool) -> tuple[str, str]:
    """The session cookie's and the sign-in CSRF cookie's names."""
    return ("__Host-scopewise", "__Host-scopewise-csrf") if https else (
        "scopewise_session", "scopewise_csrf")


def _https(request: Request) -> bool:
    return bool(request.app.state.https)


def set_session_cookie(response: Response, request: Request, token: str) -> None:
    """Put a new session's token in the cookie."""
    name = cookie_names(_https(request))[0]
    response.set_cookie(
        name, token, httponly=True, samesite="lax", secure=_https(request), path="/"
    )


def login_csrf(request: Request) -> str:
    """The token for a form shown before sign-in (the cookie's, or a new one)."""
    return request.cookies.get(cookie_names(_https(request))[1]) or secrets.token_urlsafe(32)


def set_login_csrf(response: Response, request: Request, token: str) -> None:
    """Set the sign-in CSRF cookie that the form's token must match."""
    response.set_cookie(
        cookie_names(_https(request))[1], token, httponly=True, samesite="lax",
        secure=_https(request), path="/",
    )


async def checked_form(request: Request) -> FormData:
    """The POSTed form, after its CSRF token was checked (403 otherwise)."""
    length = request.headers.get("content-length")
    if length and length.isascii() and length.isdigit() and int(length) > MAX_FORM_BYTES:
        raise HTTPException(413, "the upload is too large")
    form = await request.form(max_files=5, max_fields=2000)
    request.state.form = form  # closed (its uploads' temporary files too) by close_form
    sent = form.get("csrf_token") or request.headers.get("x-csrf-token") or ""
    session = request.state.session
    if session is not None:
        expected = session.csrf_token
    else:
        expected = request.cookies.get(cookie_names(_https(request))[1], "")
    if not isinstance(sent, str) or not expected or not secrets.compare_digest(sent, expected):
        raise HTTPException(403, "the form's security token is missing or stale; reload the page")
    return form


Endpoint = Callable[[Request], Awaitable[Response]]


def closes_form(endpoint: Endpoint) -> Endpoint:
    """Close the request's form (and the temporary files of its uploads) when done."""

    @wraps(endpoint)
    async def closing(request: Request) -> Response:
        try:
            return await endpoint(request)
        finally:
            form = getattr(request.state, "form", None)
            if form is not None:
                await form.close()

    return closing


def requires(role: str) -> Callable[[Endpoint], Endpoint]:
    """Only a signed-in account of ``role`` or higher reaches the route.

    Anonymous GETs are sent to the sign-in page; anything else is refused (403).
    """

    def wrap(endpoint: Endpoint) -> Endpoint:
        @wraps(endpoint)
        @closes_form
        async def guarded(request: Request) -> Response:
            session = request.state.session
            if session is None:
                if request.method in ("GET", "HEAD"):
                    return RedirectResponse("/login", status_code=303)
                raise HTTPException(403, "sign in first")
            if ROLE_RANK[session.account.role] < ROLE_RANK[role]:
                raise HTTPException(403, f"this page is for a {role} account")
            return await endpoint(request)

        guarded.required_role = role  # type: ignore[attr-defined]
        return guarded

    return wrap


class SecurityMiddleware(BaseHTTPMiddleware):
    """Loads the session from its cookie and sets the security headers."""

    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        https = _https(request)
        token = request.cookies.get(cookie_names(https)[0], "")
        review: Any = request.app.state.review
        request.state.session = (
            await run_in_threadpool(review.web_session, token) if token else None
        )
        response = await call_next(request)
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CSP)
        headers["X-Content-Type-Options"] = "nosniff"
        headers.setdefault("X-Frame-Options", "DENY")
        headers["Referrer-Policy"] = "same-origin"
        headers["Cross-Origin-Opener-Policy"] = "same-origin"
        if not request.url.path.startswith("/static/"):
            headers.setdefault("Cache-Control", "no-store")
        if https:
            headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
        return response
