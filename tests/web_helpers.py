"""Helpers shared by the web tests: accounts, the protocol, signing in through the form."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from starlette.testclient import TestClient

from scopewise.web import create_app
from small_protocol import small_protocol

PASSWORD = "correct horse battery"
ACCOUNTS = {
    "lead@example.org": ("Lead", "lead"),
    "ann@example.org": ("Ann", "reviewer"),
    "bob@example.org": ("Bob", "reviewer"),
    "vic@example.org": ("Vic", "viewer"),
}


def team_protocol(screening: str = "reviewers_per_record = 2") -> str:
    """The small protocol with Ann and Bob reviewing, and Vic a stakeholder."""
    text = small_protocol("Web test review", screening, reviewers=("Ann", "Bob"))
    return text.replace("[pcc]", '[[team]]\nname = "Vic"\nrole = "stakeholder"\n[pcc]')


def csrf(client: TestClient, path: str) -> str:
    """The CSRF token of the first form on ``path``."""
    page = client.get(path)
    found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert found, f"no CSRF token on {path} ({page.status_code})"
    return found.group(1)


def sign_in(client: TestClient, email: str, password: str = PASSWORD) -> None:
    """Sign ``client`` in through the login form."""
    token = csrf(client, "/login")
    answer = client.post("/login", data={"email": email, "password": password, "csrf_token": token})
    assert answer.status_code == 303, answer.text


def signed_in(app_client: TestClient, email: str) -> TestClient:
    app_client.cookies.clear()
    sign_in(app_client, email)
    return app_client


@contextmanager
def web_client(folder: Path, db_url: str) -> Iterator[TestClient]:
    """A test client on the project's web app, without background ranking, that does
    not follow redirects (the tests read them)."""
    app = create_app(folder, db_url=db_url, ranking=False)
    with TestClient(app, base_url="http://127.0.0.1", follow_redirects=False) as client:
        yield client
