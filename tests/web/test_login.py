"""Signing in and out over HTTP: cookies, CSRF, sessions ended on the server, throttling."""

from __future__ import annotations

import re

from starlette.testclient import TestClient

from web_helpers import PASSWORD, csrf, sign_in


def test_login_sets_a_new_httponly_lax_session_and_screen_shows_a_record(app_client: TestClient) -> None:
    token = csrf(app_client, "/login")
    answer = app_client.post(
        "/login", data={"email": "ann@example.org", "password": PASSWORD, "csrf_token": token}
    )
    assert answer.status_code == 303 and answer.headers["location"] == "/screen"
    cookie = next(c for c in answer.headers.get_list("set-cookie") if c.startswith("scopewise_session="))
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie.replace("Lax", "lax")
    first = app_client.cookies.get("scopewise_session")
    page = app_client.get("/screen")
    assert page.status_code == 200
    assert 'id="record-title"' in page.text and "Include" in page.text
    sign_in(app_client, "ann@example.org")  # again: a new session each time
    assert app_client.cookies.get("scopewise_session") != first


def test_login_without_or_with_a_wrong_csrf_token_is_refused(app_client: TestClient) -> None:
    csrf(app_client, "/login")
    data = {"email": "ann@example.org", "password": PASSWORD}
    assert app_client.post("/login", data=data).status_code == 403
    assert app_client.post("/login", data={**data, "csrf_token": "forged"}).status_code == 403
    assert "scopewise_session" not in app_client.cookies


def test_logout_ends_the_session_on_the_server(app_client: TestClient) -> None:
    sign_in(app_client, "ann@example.org")
    old = app_client.cookies.get("scopewise_session")
    assert old
    token = csrf(app_client, "/screen")
    assert app_client.post("/logout", data={}).status_code == 403  # no CSRF token: refused
    assert app_client.post("/logout", data={"csrf_token": token}).status_code == 303
    app_client.cookies.clear()
    app_client.cookies.set("scopewise_session", old)  # the old cookie, replayed
    assert app_client.get("/screen").headers["location"] == "/login"


def test_password_change_and_disabling_end_sessions(app_client: TestClient) -> None:
    sign_in(app_client, "bob@example.org")
    bob = app_client.cookies.get("scopewise_session")
    token = csrf(app_client, "/account")
    mistyped = app_client.post("/account/password", data={
        "csrf_token": token, "old_password": PASSWORD, "new_password": "a different long phrase",
        "new_password_again": "a different long phrasE"})
    assert mistyped.status_code == 400 and "the two new passwords differ" in mistyped.text
    answer = app_client.post("/account/password", data={
        "csrf_token": token, "old_password": PASSWORD, "new_password": "a different long phrase",
        "new_password_again": "a different long phrase"})
    assert answer.status_code == 303
    app_client.cookies.clear()
    app_client.cookies.set("scopewise_session", bob)
    assert app_client.get("/screen").status_code == 303
    app_client.cookies.clear()
    sign_in(app_client, "ann@example.org")
    ann = app_client.cookies.get("scopewise_session")
    app_client.cookies.clear()
    sign_in(app_client, "lead@example.org")
    token = csrf(app_client, "/users")
    assert app_client.post("/users/disable", data={"csrf_token": token, "email": "ann@example.org"}).status_code == 303
    own = app_client.post("/users/disable", data={"csrf_token": token, "email": "LEAD@example.org"})
    assert own.status_code == 400 and "cannot disable your own account" in own.text
    assert app_client.get("/users").status_code == 200  # still signed in, still active
    app_client.cookies.clear()
    app_client.cookies.set("scopewise_session", ann)
    assert app_client.get("/screen").status_code == 303


def test_wrong_password_and_unknown_account_read_the_same(app_client: TestClient) -> None:
    token = csrf(app_client, "/login")
    wrong = app_client.post("/login", data={"email": "ann@example.org", "password": "not it at all", "csrf_token": token})
    unknown = app_client.post("/login", data={"email": "nobody@example.org", "password": "not it at all", "csrf_token": token})
    assert wrong.status_code == unknown.status_code == 400
    message = re.compile(r'<p class="error" role="alert">([^<]*)</p>')
    assert message.search(wrong.text).group(1) == message.search(unknown.text).group(1)


def test_throttled_per_account_with_retry_after_same_for_unknown(app_client: TestClient) -> None:
    token = csrf(app_client, "/login")
    for email in ("bob@example.org", "ghost@example.org"):
        codes = [app_client.post("/login", data={"email": email, "password": "wrong password!", "csrf_token": token}).status_code for _ in range(5)]
        assert codes == [400] * 5
        blocked = app_client.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": token})
        assert blocked.status_code == 429
        assert int(blocked.headers["retry-after"]) > 0
    # another account from the same address still gets in
    sign_in(app_client, "ann@example.org")


def test_security_headers_and_no_cors(app_client: TestClient) -> None:
    page = app_client.get("/login", headers={"Origin": "https://evil.example"})
    csp = page.headers["content-security-policy"]
    for part in ("object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'", "script-src 'self'"):
        assert part in csp
    assert "unsafe-inline" not in csp
    assert page.headers["x-content-type-options"] == "nosniff"
    assert "access-control-allow-origin" not in page.headers
    assert "strict-transport-security" not in page.headers  # plain http here
    assert "<script>" not in page.text and "onclick" not in page.text


def test_over_https_cookies_are_host_prefixed_and_secure_with_hsts(project: tuple) -> None:
    from scopewise.web import create_app

    folder, db_url = project
    app = create_app(folder, db_url=db_url, https=True, ranking=False)
    with TestClient(app, base_url="https://127.0.0.1", follow_redirects=False) as client:
        page = client.get("/login")
        assert page.headers["strict-transport-security"].startswith("max-age=")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
        answer = client.post("/login", data={"email": "ann@example.org", "password": PASSWORD, "csrf_token": token})
        assert answer.status_code == 303
        cookie = next(c for c in answer.headers.get_list("set-cookie") if c.startswith("__Host-scopewise="))
        assert "Secure" in cookie and "HttpOnly" in cookie and "Path=/" in cookie and "Domain" not in cookie
        assert client.get("/screen").status_code == 200
