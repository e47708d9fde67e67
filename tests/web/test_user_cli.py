"""``scopewise user`` and ``scopewise serve`` on the command line."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest

from cli_runner import run
from scopewise.cli import serve as serve_module
from scopewise.review import Review
from small_protocol import TITLES, project_with_titles
from web_helpers import csrf, sign_in, team_protocol, web_client


@pytest.fixture
def folder(tmp_path: Path, db_url: str) -> Path:
    project_with_titles(tmp_path / "p", team_protocol(), TITLES, db_url=db_url)
    return tmp_path / "p"


def _add(folder: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
         password: str, *args: str) -> tuple[int, str, str]:
    monkeypatch.setattr("sys.stdin", io.StringIO(password + "\n"))
    return run(["user", "add", str(folder), *args, "--password-stdin"], capsys)


def test_user_add_list_disable_and_reset_link(folder: Path, capsys: pytest.CaptureFixture[str],
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    code, out, err = _add(folder, capsys, monkeypatch, "a long pass phrase",
                          "--email", "Ann@Example.org", "--name", "Ann", "--role", "reviewer")
    assert code == 0, err
    assert "ann@example.org" in out
    code, out, _ = run(["user", "list", str(folder)], capsys)
    assert code == 0 and "ann@example.org" in out and "active" in out
    code, out, _ = run(["user", "reset-password", str(folder), "--email", "ann@example.org"], capsys)
    assert code == 0
    link = out.strip()
    assert re.fullmatch(r"http://127\.0\.0\.1:8765/reset/[A-Za-z0-9_-]{40,}", link)
    code, out, _ = run(["user", "disable", str(folder), "--email", "ann@example.org"], capsys)
    assert code == 0 and "disabled" in out
    with Review.open(folder) as review:
        assert review.accounts()[0].disabled
        assert review.password_link_valid(link.rsplit("/", 1)[1])


@pytest.mark.parametrize(("password", "args", "words"), [
    ("a long pass phrase", ["--email", "x@example.org", "--name", "Nobody", "--role", "reviewer"], "not in the protocol's team"),
    ("a long pass phrase", ["--email", "v@example.org", "--name", "Vic", "--role", "lead"], "stakeholder"),
    ("short", ["--email", "a@example.org", "--name", "Ann", "--role", "reviewer"], "at least 8"),
    ("password123", ["--email", "a@example.org", "--name", "Ann", "--role", "reviewer"], "most common"),
    ("a long pass phrase", ["--email", "not-an-address", "--name", "Ann", "--role", "reviewer"], "not an e-mail"),
])
def test_user_add_refuses_in_one_line(folder: Path, capsys: pytest.CaptureFixture[str],
                                      monkeypatch: pytest.MonkeyPatch, password: str,
                                      args: list[str], words: str) -> None:
    code, _out, err = _add(folder, capsys, monkeypatch, password, *args)
    assert code == 2 and words in err and len(err.strip().splitlines()) == 1
    assert password not in err
    with Review.open(folder) as review:
        assert review.accounts() == []


def test_the_same_email_twice_is_refused(folder: Path, capsys: pytest.CaptureFixture[str],
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    args = ["--email", "a@example.org", "--name", "Ann", "--role", "reviewer"]
    assert _add(folder, capsys, monkeypatch, "a long pass phrase", *args)[0] == 0
    code, _, err = _add(folder, capsys, monkeypatch, "a long pass phrase",
                        "--email", "A@example.org", "--name", "Bob", "--role", "reviewer")
    assert code == 2 and "already has an account" in err


def test_a_password_link_works_once_and_ends_sessions(folder: Path, db_url: str) -> None:
    with Review.open(folder, db_url=db_url) as review:
        review.add_account("bob@example.org", "Bob", "reviewer", "first long phrase")
        token = review.password_link_token("bob@example.org")
    with web_client(folder, db_url) as client:
        sign_in(client, "bob@example.org", "first long phrase")
        old = client.cookies.get("scopewise_session")
        form = csrf(client, f"/reset/{token}")
        assert client.post(f"/reset/{token}", data={"csrf_token": form, "password": "qwerty123"}).status_code == 400
        mistyped = client.post(f"/reset/{token}", data={"csrf_token": form, "password": "second long phrase",
                                                         "password_again": "second long phrasf"})
        assert mistyped.status_code == 400 and "the two new passwords differ" in mistyped.text
        assert 'id="password_again"' in client.get(f"/reset/{token}").text  # the link still works
        assert client.post(f"/reset/{token}", data={"csrf_token": form, "password": "second long phrase"}).status_code == 303
        assert client.get(f"/reset/{token}").status_code == 404  # used
        client.cookies.clear()
        client.cookies.set("scopewise_session", old)
        assert client.get("/screen").status_code == 303
        client.cookies.clear()
        sign_in(client, "bob@example.org", "second long phrase")


def test_serve_warns_off_loopback_and_refuses_workers_on_sqlite(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = project_with_titles(tmp_path / "s", team_protocol(), TITLES)
    calls: list[dict[str, object]] = []
    monkeypatch.setattr("uvicorn.run", lambda *a, **k: calls.append(k))
    code, _, err = run(["serve", str(folder), "--host", "0.0.0.0", "--port", "9999"], capsys)
    assert code == 0 and "warning" in err and calls[0]["port"] == 9999
    code, _, err = run(["serve", str(folder)], capsys)
    assert code == 0 and "warning" not in err
    code, _, err = run(["serve", str(folder), "--workers", "2"], capsys)
    assert code == 2 and "PostgreSQL" in err
    assert serve_module.is_loopback("::1") and not serve_module.is_loopback("192.0.2.1")
