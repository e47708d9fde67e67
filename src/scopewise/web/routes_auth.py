"""Signing in and out, password links, one's own account."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from scopewise.errors import AccountError, LoginThrottled, ScopewiseError, UsageError
from scopewise.web.facade import review as _review
from scopewise.web.render import render
from scopewise.web.security import (
    checked_form,
    closes_form,
    cookie_names,
    login_csrf,
    requires,
    set_login_csrf,
    set_session_cookie,
)

__all__ = ["ROUTES"]


def _home_for(role: str) -> str:
    return "/screen" if role == "reviewer" else "/dashboard"


async def home(request: Request) -> Response:
    session = request.state.session
    if session is None:
        return RedirectResponse("/login", status_code=303)
    return RedirectResponse(_home_for(session.account.role), status_code=303)


def _login_page(request: Request, message: str = "", status: int = 200, email: str = "") -> Response:
    token = login_csrf(request)
    notice = {"set": "Your password is set; sign in with it.",
              "changed": "Your password was changed; sign in again."}.get(
        request.query_params.get("password", ""), "")
    response = render(request, "login.html", status_code=status, title="Sign in",
                      message=message, email=email, csrf_token=token, notice=notice)
    set_login_csrf(response, request, token)
    return response


async def login_form(request: Request) -> Response:
    request.state.session = None  # the form is shown signed in too (to switch accounts)
    return _login_page(request)


@closes_form
async def login(request: Request) -> Response:
    request.state.session = None  # a sign-in always starts a new session
    form = await checked_form(request)
    email, password = str(form.get("email", "")), str(form.get("password", ""))
    address = request.client.host if request.client else "unknown"
    try:
        signed = await run_in_threadpool(_review(request).sign_in, email, password, address)
    except LoginThrottled as exc:
        response = _login_page(request, str(exc), 429, email)
        response.headers["Retry-After"] = str(exc.retry_after)
        return response
    except AccountError as exc:
        return _login_page(request, str(exc), 400, email)
    response = RedirectResponse(_home_for(signed.session.account.role), status_code=303)
    set_session_cookie(response, request, signed.token)
    return response


@requires("viewer")
async def logout(request: Request) -> Response:
    await checked_form(request)
    token = request.cookies.get(cookie_names(bool(request.app.state.https))[0], "")
    await run_in_threadpool(_review(request).sign_out, token)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(cookie_names(bool(request.app.state.https))[0], path="/",
                           secure=bool(request.app.state.https), httponly=True, samesite="lax")
    return response


MISMATCH = "the two new passwords differ; type the same one twice (nothing was changed)"


async def reset_form(request: Request) -> Response:
    token = request.path_params["token"]
    valid = await run_in_threadpool(_review(request).password_link_valid, token)
    if not valid:
        raise HTTPException(404, "this password link is not valid (used, expired or mistyped)")
    csrf = login_csrf(request)
    page = render(request, "reset.html", title="Set a password", message="", csrf_token=csrf)
    set_login_csrf(page, request, csrf)
    return page


@closes_form
async def reset(request: Request) -> Response:
    request.state.session = None
    form = await checked_form(request)
    token = request.path_params["token"]
    password = str(form.get("password", ""))
    try:
        if "password_again" in form and str(form.get("password_again")) != password:
            raise UsageError(MISMATCH)
        await run_in_threadpool(_review(request).set_password_with_link, token, password)
    except ScopewiseError as exc:
        page = render(request, "reset.html", status_code=400, title="Set a password",
                      message=str(exc), csrf_token=str(form.get("csrf_token", "")))
        return page
    return RedirectResponse("/login?password=set", status_code=303)


@requires("viewer")
async def account_page(request: Request) -> Response:
    return render(request, "account.html", title="Your account", message="")


@requires("viewer")
async def change_password(request: Request) -> Response:
    form = await checked_form(request)
    session = request.state.session
    new = str(form.get("new_password", ""))
    try:
        if "new_password_again" in form and str(form.get("new_password_again")) != new:
            raise UsageError(MISMATCH)
        await run_in_threadpool(
            _review(request).change_password, session.account.id,
            str(form.get("old_password", "")), new,
        )
    except ScopewiseError as exc:
        return render(request, "account.html", status_code=400, title="Your account",
                      message=str(exc))
    response = RedirectResponse("/login?password=changed", status_code=303)
    response.delete_cookie(cookie_names(bool(request.app.state.https))[0], path="/")
    return response


ROUTES = [
    Route("/", home, methods=["GET"]),
    Route("/login", login_form, methods=["GET"]),
    Route("/login", login, methods=["POST"]),
    Route("/logout", logout, methods=["POST"]),
    Route("/reset/{token}", reset_form, methods=["GET"]),
    Route("/reset/{token}", reset, methods=["POST"]),
    Route("/account", account_page, methods=["GET"]),
    Route("/account/password", change_password, methods=["POST"]),
]
