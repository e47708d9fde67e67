"""``scopewise dedup`` from the command line."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from cli_runner import run
from scopewise.cli import cli
from scopewise.review import Review

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "peer-support" / "protocol.toml"
RIS = """\
TY  - JOUR
TI  - Peer support workers in community mental health teams: a qualitative study
AU  - Smith, Jane
AU  - Brown, Tom
PY  - 2019
JO  - Journal of Mental Health
VL  - 28
SP  - 101-110
DO  - 10.1000/jmh.2019.1
ER  -

TY  - JOUR
TI  - PEER SUPPORT WORKERS IN COMMUNITY MENTAL HEALTH TEAMS: A QUALITATIVE STUDY.
AU  - Smith J
AU  - Brown T
PY  - 2019
JO  - J Ment Health
VL  - 28
SP  - 101-10
ER  -

TY  - JOUR
TI  - Lived experience roles in inpatient wards
PY  - 2020
AU  - Green, Ann
ER  -

TY  - JOUR
TI  - Lived experience roles in inpatient wards
ER  -

TY  - JOUR
TI  - Recovery colleges and their students
PY  - 2018
AU  - White, Sue
ER  -

TY  - JOUR
TI  - Recovery colleges and their students
ER  -
"""


@pytest.fixture
def project(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    folder = tmp_path / "review"
    assert run(["init", str(folder), "--protocol", str(EXAMPLE)], capsys)[0] == 0
    ris = tmp_path / "embase.ris"
    ris.write_text(RIS, encoding="utf-8")
    assert run(["import", str(folder), str(ris), "--source", "Embase"], capsys)[0] == 0
    return folder


def test_dedup_merges_and_queues(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(["dedup", str(project)], capsys)
    assert code == 0, err
    assert "Merged 1 duplicate records into 1 new groups" in out
    assert "Queued 2 possible duplicates" in out and "--review" in out
    code, out, _ = run(["dedup", str(project)], capsys)
    assert "Compared 0 new records against all 6" in out


def test_auto_only(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["dedup", str(project), "--auto-only"], capsys)
    assert code == 0 and "left untouched" in out
    with Review.open(project) as review:
        assert review.duplicate_queue() == [] and len(review.duplicate_groups()) == 1


def test_review_walks_the_queue_with_keys(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run(["dedup", str(project)], capsys)
    result = CliRunner().invoke(cli, ["dedup", str(project), "--review", "--actor", "Ann"],
                                input="x\ns\nq\n")  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "Possible duplicate 1 of 2" in result.output and "record " in result.output
    assert "Marked 1 same (merged), 0 different, skipped 0; 1 left" in result.output
    result = CliRunner().invoke(cli, ["dedup", str(project), "--review"], input="d\n")
    assert "0 same (merged), 1 different" in result.output
    with Review.open(project) as review:
        assert len(review.duplicate_groups()) == 2 and review.duplicate_queue() == []
        assert any(g.created_by == "Ann" for g in review.duplicate_groups())
    result = CliRunner().invoke(cli, ["dedup", str(project), "--review"])
    assert "queue of possible duplicates is empty" in result.output


def test_overlap_table(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run(["dedup", str(project), "--auto-only"], capsys)
    code, out, _ = run(["dedup", str(project), "--overlap"], capsys)
    assert code == 0 and "Embase" in out and "Only this source" in out
    assert "5" in out  # six records, one merged


def test_undo(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run(["dedup", str(project), "--auto-only"], capsys)
    with Review.open(project) as review:
        (group,) = review.duplicate_groups()
    code, out, _ = run(["dedup", str(project), "--undo", str(group.id)], capsys)
    assert code == 0 and f"Undid group {group.id}" in out
    code, _, err = run(["dedup", str(project), "--undo", str(group.id)], capsys)
    assert code == 2 and "already undone" in err and len(err.strip().splitlines()) == 1
    code, _, err = run(["dedup", str(project), "--undo", "99"], capsys)
    assert code == 2 and "group 99 does not exist" in err


def test_modes_cannot_be_combined(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(["dedup", str(project), "--review", "--auto-only"], capsys)
    assert code == 2 and "cannot be combined" in err


NOTICE_RIS = """\
TY  - JOUR
TI  - Peer support workers in community mental health teams: a qualitative study
AU  - Smith, Jane
AU  - Brown, Tom
PY  - 2019
JO  - Journal of Mental Health
VL  - 28
IS  - 2
SP  - 101
EP  - 110
ER  -

TY  - JOUR
TI  - Retraction: Peer support workers in community mental health teams: a qualitative study
AU  - Smith, Jane
PY  - 2019
JO  - J Ment Health
VL  - 28
IS  - 2
SP  - 111
ER  -
"""


def test_attached_retraction_is_announced_and_kept_in_the_merged_view(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "review"
    assert run(["init", str(folder), "--protocol", str(EXAMPLE)], capsys)[0] == 0
    ris = tmp_path / "notice.ris"
    ris.write_text(NOTICE_RIS, encoding="utf-8")
    assert run(["import", str(folder), str(ris), "--source", "Embase"], capsys)[0] == 0
    code, out, err = run(["dedup", str(folder), "--auto-only"], capsys)
    assert code == 0, err
    assert "1 of the groups attach a notice" in out and "RETRACTION" in out
    with Review.open(folder) as review:
        (group,) = review.duplicate_groups()
        merged = review.merged_record(group.id)
    assert "RETRACTION" in group.reason["rule"]
    assert merged.retracted and [kind for _, kind in merged.notices] == ["retraction"]
    assert merged.record.title.startswith("Peer support workers")
