"""The project commands: init, status, protocol, audit, and how errors read."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from cli_runner import run
from scopewise.protocol import SKELETON

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "peer-support" / "protocol.toml"


def test_init_and_status_on_the_example(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project = tmp_path / "r"
    code, out, _ = run(["init", str(project), "--protocol", str(EXAMPLE)], capsys)
    assert code == 0
    assert "Peer support work" in out
    assert (project / "scopewise.toml").is_file()
    assert (project / "protocol.toml").read_text() == EXAMPLE.read_text()
    code, out, _ = run(["status", str(project), "--json"], capsys)
    counts = json.loads(out)
    assert code == 0
    assert counts["protocol_version"] == 1
    assert counts["identified"] == 0
    assert counts["reviewers"] == 5  # the protocol's team


def test_init_and_status_on_postgresql(
    tmp_path: Path, pg_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    project = tmp_path / "team"
    code, _, err = run(["init", str(project), "--protocol", str(EXAMPLE), "--db", pg_url], capsys)
    assert code == 0, err
    code, out, _ = run(["status", str(project), "--json"], capsys)
    assert code == 0
    assert json.loads(out)["database"] == "postgresql"
    assert not (project / "project.db").exists()


def test_init_without_protocol_writes_a_skeleton(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = tmp_path / "new"
    code, out, _ = run(["init", str(project)], capsys)
    assert code == 0
    assert (project / "protocol.toml").read_text() == SKELETON
    assert "skeleton" in out


def test_protocol_update_stores_a_version_with_diff(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = tmp_path / "r"
    run(["init", str(project)], capsys)
    edited = SKELETON.replace("TODO: who", "adults with psychosis")
    (project / "protocol.toml").write_text(edited)
    code, out, err = run(
        ["protocol", "update", str(project), "--author", "Ana", "--note", "population set"], capsys
    )
    assert code == 0, err
    assert "version 2" in out
    code, out, _ = run(["protocol", "history", str(project), "--diff"], capsys)
    assert "v1 (registered)" in out and "population set" in out
    assert '+population = "adults with psychosis"' in out
    code, out, _ = run(["protocol", "show", str(project)], capsys)
    assert "adults with psychosis" in out
    code, out, _ = run(["audit", str(project), "--json"], capsys)
    actions = [json.loads(line)["action"] for line in out.splitlines()]
    assert actions == ["project.created", "protocol.updated"]


def test_protocol_check_reports_counts(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["protocol", "check", str(EXAMPLE)], capsys)
    assert code == 0
    assert "2 questions" in out and "8 charting fields" in out


def test_protocol_check_writes_each_count_in_number(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["protocol", "check", str(EXAMPLE)], capsys)
    assert code == 0
    assert "2 questions, " in out and "5 sources, 8 charting fields" in out
    assert "(s)" not in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["status", "{tmp}/nowhere"], "no such folder"),
        (["status", "{tmp}"], "not a scopewise project"),
        (["protocol", "check", "{tmp}/missing.toml"], "file not found"),
        (
            ["init", "{tmp}/x", "--db", "postgresql+psycopg://postgres@127.0.0.1:1/test"],
            "cannot reach",
        ),
        (["init", "{tmp}/x", "--db", "not a url"], "not a database URL"),
        (["init", "{tmp}/x", "--protocol", "{tmp}/missing.toml"], "file not found"),
    ],
)
def test_user_errors_are_one_line_with_exit_code_2(
    args: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run([a.format(tmp=tmp_path) for a in args], capsys)
    assert code == 2
    assert out == ""
    assert message in err
    assert len(err.strip().splitlines()) == 1
    assert "Traceback" not in err
    assert not (tmp_path / "x").exists()


def test_existing_project_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run(["init", str(tmp_path / "r")], capsys)
    code, _, err = run(["init", str(tmp_path / "r")], capsys)
    assert code == 2
    assert "already holds a scopewise project" in err


def test_locked_project_is_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import sqlite3

    project = tmp_path / "r"
    run(["init", str(project)], capsys)
    monkeypatch.setenv("SCOPEWISE_BUSY_TIMEOUT_MS", "200")
    holder = sqlite3.connect(project / "project.db", isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        code, _, err = run(
            ["protocol", "update", str(project), "--author", "a", "--note", "n"], capsys
        )
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert code == 2
    assert "locked by another process" in err
    assert len(err.strip().splitlines()) == 1


def test_bad_protocol_through_the_console_script(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    text = SKELETON.replace('title = "TODO: title of the scoping review"', "title = 12345")
    bad.write_text(text)
    line = next(i for i, s in enumerate(text.splitlines(), 1) if s.startswith("title = 12345"))
    result = subprocess.run(
        [sys.executable, "-m", "scopewise", "init", str(tmp_path / "r"), "--protocol", str(bad)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert result.stderr.strip() == (
        f"error: {bad}:{line}: review.title: Input should be a valid string (got 12345)"
    )
    debug = subprocess.run(
        [sys.executable, "-m", "scopewise", "--debug", "protocol", "check", str(bad)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert "Traceback" in debug.stderr
