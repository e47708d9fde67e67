"""Names only later stages know (stop rule, ranker, citation style) are checked when a
protocol is registered, changed or checked, with line and field, not first when
screening asks for a stop or the report is written."""

from __future__ import annotations

from pathlib import Path

import pytest

from cli_runner import run
from scopewise.errors import ProtocolError
from scopewise.review import Review

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "peer-support" / "protocol.toml"
TEXT = EXAMPLE.read_text(encoding="utf-8")


def _with(tmp_path: Path, old: str, new: str, name: str = "p.toml") -> Path:
    assert old in TEXT
    path = tmp_path / name
    path.write_text(TEXT.replace(old, new), encoding="utf-8")
    return path


def _line(path: Path, needle: str) -> int:
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if needle in line)


@pytest.mark.parametrize(("old", "new", "field", "says"), [
    ('stop_rule = "statistical"', 'stop_rule = "statistcal"', "screening.stop_rule",
     "unknown stop rule 'statistcal': choose one of default"),
    ('ranker = "default"', 'ranker = "bert"', "screening.ranker",
     "unknown ranker 'bert': choose one of default, "),
    ('citation_style = "apa"', 'citation_style = "harvard-x"', "report.citation_style",
     "'harvard-x' is not a known CSL style"),
])
def test_an_unknown_name_stops_init_with_its_line_and_field(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], old: str, new: str, field: str, says: str
) -> None:
    protocol = _with(tmp_path, old, new)
    folder = tmp_path / "review"
    code, _out, err = run(["init", str(folder), "--protocol", str(protocol)], capsys)
    assert code == 2
    assert f"{protocol}:{_line(protocol, new)}: {field}: " in err and says in err
    assert not folder.exists()  # nothing was created
    code, _out, err = run(["protocol", "check", str(protocol)], capsys)
    assert code == 2 and says in err and "Traceback" not in err


def test_a_change_to_an_unknown_name_is_refused_and_not_stored(tmp_path: Path) -> None:
    with Review.create(tmp_path / "review", protocol_path=EXAMPLE) as review:
        bad = _with(tmp_path, 'citation_style = "apa"', 'citation_style = "nope"')
        with pytest.raises(ProtocolError, match=r"report\.citation_style"):
            review.update_protocol(bad, note="try another style")
        assert len(review.protocol_versions()) == 1
        good = _with(tmp_path, 'stop_rule = "statistical"', 'stop_rule = "default"', "q.toml")
        good.write_text(good.read_text().replace('citation_style = "apa"',
                                                 'citation_style = "vancouver"'))
        assert review.update_protocol(good, note="the default rule, Vancouver") == 2
        assert review.protocol.screening.stop_rule == "default"


def test_every_name_error_is_listed_with_the_others(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    protocol = _with(tmp_path, 'stop_rule = "statistical"', 'stop_rule = "stat"')
    protocol.write_text(protocol.read_text().replace('ranker = "default"', 'ranker = "x"')
                        .replace("pilot_sample = 50", "pilot_sample = -1"))
    code, _out, err = run(["protocol", "check", str(protocol)], capsys)
    lines = err.strip().splitlines()
    assert code == 2 and len(lines) == 3 and lines[-1].endswith("(3 errors in all)")
    assert [line.split(": ")[2] for line in lines] == [
        "screening.pilot_sample", "screening.ranker", "screening.stop_rule"]


@pytest.mark.parametrize(("old", "new", "field"), [
    ('name = "Reviewer B"', 'name = "reviewer  a"', "team[2].name"),
    ('code = "ROLE"', 'code = "pop"', "criteria.inclusion[1].code"),
])
def test_names_that_differ_only_in_case_or_spacing_are_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], old: str, new: str, field: str
) -> None:
    """Names typed in the CLI and in files are read without case and spacing ("ann" is
    Ann, "notpeer" is NOTPEER), so a protocol may not hold two that differ only so."""
    protocol = _with(tmp_path, old, new)
    code, _out, err = run(["protocol", "check", str(protocol)], capsys)
    assert code == 2 and f":{_line(protocol, new)}: {field}: " in err
    assert "differs from an earlier one only in case or spacing" in err
    code, _out, err = run(["init", str(tmp_path / "review"), "--protocol", str(protocol)], capsys)
    assert code == 2 and field in err
