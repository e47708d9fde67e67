"""Imports that can be listed and undone, sources never named after a file, unreadable
fields reported, and the protocol's sources compared with the imported ones."""

from __future__ import annotations

from pathlib import Path

import pytest

from cli_runner import run
from scopewise.errors import UsageError
from scopewise.review import Review
from small_protocol import small_protocol

RIS = (
    "TY  - JOUR\nID  - a1\nTI  - Peer support in mental health\nAU  - Smith, Jane\n"
    "PY  - 2020\nER  - \n\n"
    "TY  - JOUR\nID  - a2\nTI  - Second record\nPY  - 10 15\nER  - \n\n"
    "TY  - JOUR\nID  - a3\nTI  - Third record\nPY  - 2019\nER  - \n"
)
SOURCES = """
[[sources]]
name = "Embase"
platform = "Ovid"
query = "peer support.ti,ab."

[[sources]]
name = "CINAHL"
"""


@pytest.fixture
def project(tmp_path: Path, db_url: str, capsys: pytest.CaptureFixture[str]) -> Path:
    protocol = tmp_path / "protocol.toml"
    protocol.write_text(small_protocol("Undo", reviewers=("Ann", "Bob")) + SOURCES,
                        encoding="utf-8")
    folder = tmp_path / "review"
    code, _, err = run(["init", str(folder), "--protocol", str(protocol), "--db", db_url], capsys)
    assert code == 0, err
    return folder


def ris(tmp_path: Path, name: str = "faulty_year.ris", text: str = RIS) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_source_is_never_the_file_name(
    project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(["import", str(project), str(ris(tmp_path))], capsys)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "--source" in err and "faulty_year.ris" in err
    assert "Embase, CINAHL" in err  # the protocol's planned file sources
    with Review.open(project) as review:
        assert review.searches() == []


def test_source_from_the_content_or_the_protocol_query(
    project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tagged = RIS.replace("ID  - a1\n", "ID  - a1\nDB  - Web of Science\n")
    code, _, err = run(["import", str(project), str(ris(tmp_path, "x.ris", tagged))], capsys)
    assert code == 0, err
    code, _, err = run(["import", str(project), str(ris(tmp_path)),
                        "--query", "peer support.ti,ab."], capsys)
    assert code == 0, err
    with Review.open(project) as review:
        assert [s.source for s in review.searches()] == ["Web of Science", "Embase"]


def test_unreadable_year_is_kept_raw_and_reported(
    project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _out, err = run(["import", str(project), str(ris(tmp_path)), "--source", "Embase"],
                         capsys)
    assert code == 0, err
    assert "warning: year: 1 value could not be read and is kept" in err
    assert "'10 15' (record 2)" in err
    with Review.open(project) as review:
        review.export(tmp_path / "out.ris", format="ris")
        events = [e for e in review.audit() if e.action == "search.imported"]
    assert "PY  - 10 15" in (tmp_path / "out.ris").read_text(encoding="utf-8")
    assert events[-1].detail["unparsed"]["year"]["count"] == 1


def test_list_and_undo_then_import_again(
    project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    file = ris(tmp_path)
    assert run(["import", str(project), str(file), "--source", "Embase"], capsys)[0] == 0
    code, out, _ = run(["import", str(project), "--list"], capsys)
    assert code == 0
    header, row = out.strip().splitlines()
    assert header.split("\t") == ["id", "source", "file", "count", "searched", "imported"]
    assert row.split("\t")[:4] == ["1", "Embase", "faulty_year.ris", "3"]
    code, out, err = run(["import", str(project), "--undo", "1", "--actor", "Lead"], capsys)
    assert code == 0, err
    assert "Removed search 1 and its 3 records" in out
    with Review.open(project) as review:
        assert review.searches() == [] and review.status()["identified"] == 0
        undone = [e for e in review.audit() if e.action == "search.undone"]
    assert undone[0].actor == "Lead" and undone[0].detail["records"] == 3
    code, out, err = run(["import", str(project), str(file), "--source", "Embase"], capsys)
    assert code == 0, err
    assert run(["import", str(project), "--undo", "7"], capsys)[0] == 2


def test_undo_refuses_when_records_are_pinned(
    project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(["import", str(project), str(ris(tmp_path)), "--source", "Embase"], capsys)[0] == 0
    with Review.open(project) as review:
        first, second = sorted(review.screening_snapshot().records)[:2]
        review.decide(first, "include", "Ann")
        review.decide(second, "exclude", "Bob")
    code, out, err = run(["import", str(project), "--undo", "1"], capsys)
    assert code == 2 and out == "" and err.count("\n") == 1
    assert "2 by a screening decision" in err and "nothing was removed" in err
    with Review.open(project) as review:
        assert review.status()["identified"] == 3


def test_undo_removes_automatic_duplicates_but_not_resolved_ones(
    project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(["import", str(project), str(ris(tmp_path)), "--source", "Embase"], capsys)[0] == 0
    assert run(["import", str(project), str(ris(tmp_path, "c.ris", RIS + "\n")),
                "--source", "CINAHL"], capsys)[0] == 0
    with Review.open(project) as review:
        review.dedup()
        assert review.status()["duplicates_removed"] >= 1
        review.undo_search(2)
        counts = review.status()
    assert (counts["identified"], counts["duplicates_removed"]) == (3, 0)
    assert run(["import", str(project), str(tmp_path / "c.ris"), "--source", "CINAHL"],
               capsys)[0] == 0
    with Review.open(project) as review:
        summary = review.dedup(full=True)
        assert review.duplicate_groups(), summary
        review.undo_merge(review.duplicate_groups()[0].id, "Lead")
        with pytest.raises(UsageError, match="1 by a duplicate resolution"):
            review.undo_search(review.searches()[-1].id)


def test_import_and_status_warn_about_unplanned_and_missing_sources(
    project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(["import", str(project), str(ris(tmp_path)), "--source", "Scopus"], capsys)
    assert code == 0
    assert "not planned in the protocol's sources: Scopus" in err
    assert "planned in the protocol but not imported yet: Embase, CINAHL" in err
    code, _, err = run(["status", str(project)], capsys)
    assert code == 0 and "Scopus" in err and "Embase, CINAHL" in err
