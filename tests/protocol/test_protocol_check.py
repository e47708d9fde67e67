"""``scopewise protocol check``: every error in one run, placeholders unless --draft."""

from __future__ import annotations

from pathlib import Path

import pytest

from cli_runner import run
from scopewise.protocol import SKELETON
from scopewise.protocol.io import check_protocol_text

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "peer-support" / "protocol.toml"

BROKEN = """questions = ["What is known?"]
[review]
title = "A review"
[[team]]
name = "Lead"
role = "boss"
[pcc]
population = "People"
concept = ""
context = "Places"
[[criteria.inclusion]]
code = "POP"
text = "TODO"
[screening]
reviewers_per_record = 3
blindness = true
"""


def test_every_error_is_reported_with_its_line_and_field() -> None:
    protocol, errors = check_protocol_text(BROKEN, "p.toml")
    assert protocol is None
    where = [(e.line, e.field) for e in errors]
    assert where == [
        (6, "team[0].role"),
        (9, "pcc.concept"),
        (13, "criteria.inclusion[0].text"),
        (15, "screening.reviewers_per_record"),
        (16, "screening.blindness"),
    ]
    assert all(str(e).startswith(f"p.toml:{e.line}: {e.field}: ") for e in errors)


def test_placeholders_are_errors_unless_draft() -> None:
    protocol, errors = check_protocol_text(SKELETON, "protocol.toml")
    assert protocol is not None  # valid in shape, but not finished
    fields = {e.field for e in errors}
    assert {"review.title", "pcc.population", "questions[0]", "team[0].name"} <= fields
    assert all("placeholder" in e.detail for e in errors)
    assert check_protocol_text(SKELETON, "protocol.toml", draft=True)[1] == []


def test_cli_prints_each_error_on_its_own_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    file = tmp_path / "p.toml"
    file.write_text(BROKEN, encoding="utf-8")
    code, out, err = run(["protocol", "check", str(file)], capsys)
    lines = err.strip().splitlines()
    assert code == 2 and out == "" and len(lines) == 5
    assert all(line.startswith(f"error: {file}:") for line in lines)
    assert lines[-1].endswith("(5 errors in all)")
    skeleton = tmp_path / "skeleton.toml"
    skeleton.write_text(SKELETON, encoding="utf-8")
    assert run(["protocol", "check", str(skeleton)], capsys)[0] == 2
    code, out, _ = run(["protocol", "check", str(skeleton), "--draft"], capsys)
    assert code == 0 and "valid protocol" in out
    code, out, _ = run(["protocol", "check", str(EXAMPLE)], capsys)
    assert code == 0 and "valid protocol" in out
