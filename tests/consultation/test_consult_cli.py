"""``scopewise consult``: each bad input is one line on stderr and exit code 2."""

from __future__ import annotations

from pathlib import Path

import pytest

from cli_runner import run
from consultation_project import make_project
from scopewise.consultation import MAX_NOTE_BYTES


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return make_project(tmp_path, None)


def consult(folder: Path, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    return run(["consult", str(folder), *args], capsys)


def refused(result: tuple[int, str, str], needle: str) -> None:
    code, _, err = result
    assert code == 2, err
    assert err.startswith("error: ") and err.count("\n") == 1
    assert needle in err


def note(tmp_path: Path, name: str, data: bytes) -> str:
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


IMPORT = ("--participant", "P01", "--group", "manager")


def test_bad_notes_files(folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    refused(consult(folder, capsys, "import", note(tmp_path, "e.txt", b""), *IMPORT), "empty")
    refused(consult(folder, capsys, "import", note(tmp_path, "b.md", bytes(range(256)) * 8),
                    *IMPORT), "binary")
    big = tmp_path / "big.txt"
    with big.open("wb") as handle:
        handle.truncate(MAX_NOTE_BYTES + 1024)
    refused(consult(folder, capsys, "import", str(big), *IMPORT), "50 MB")
    refused(consult(folder, capsys, "import", note(tmp_path, "n.pdf", b"%PDF-1.4"), *IMPORT),
            ".txt, .md, .docx")
    refused(consult(folder, capsys, "import", str(tmp_path / "absent.txt"), *IMPORT), "no such file")
    code, out, _ = consult(folder, capsys, "notes")
    assert code == 0 and "P01" not in out  # nothing was stored


def test_unknown_group_participant_and_theme(folder: Path, tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    path = note(tmp_path, "n.txt", b"Training was short.")
    refused(consult(folder, capsys, "import", path, "--participant", "P01", "--group", "pilot"),
            "stakeholder group 'pilot' is not in the protocol")
    refused(consult(folder, capsys, "import", path, "--participant", "P01"), "P01 is new: give --group")
    refused(consult(folder, capsys, "import", path, "--participant", "Mary", "--group", "manager"),
            "pseudonym code")
    refused(consult(folder, capsys, "import", path, *IMPORT, "--date", "01/09/2023"), "not a date")
    refused(consult(folder, capsys, "notes", "--participant", "P07"), "no participant 'P07'")
    assert consult(folder, capsys, "import", path, *IMPORT)[0] == 0
    refused(consult(folder, capsys, "code", "1", "--theme", "Funding", "--start", "0", "--end", "4"),
            "not one of the protocol's themes: Training; Supervision and support")
    refused(consult(folder, capsys, "code", "2", "--theme", "Training", "--start", "0", "--end", "4"),
            "no consultation note 2")
    refused(consult(folder, capsys, "theme", "Funding", "--stance", "supported", "--summary", "x",
                    "--reviewer", "Lead"), "theme 'Funding'")
    refused(consult(folder, capsys, "theme", "Training", "--stance", "liked", "--summary", "x",
                    "--reviewer", "Lead"), "supported, added to, questioned")
    refused(consult(folder, capsys, "export", "-o", str(tmp_path / "x.xlsx")), ".csv")
    refused(consult(folder, capsys, "export", "-o", str(tmp_path / "no" / "x.csv")),
            "folder does not exist")


def test_hostile_text_is_shown_as_written(folder: Path, tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    text = "<script>alert(1)</script>\n[bold red]not markup[/bold red] \x1b[31mred\n"
    path = note(tmp_path, "n.md", text.encode())
    assert consult(folder, capsys, "import", path, *IMPORT)[0] == 0
    code, out, _ = consult(folder, capsys, "show", "1", "--plain")
    assert code == 0
    assert "<script>alert(1)</script>" in out
    assert "[bold red]not markup[/bold red]" in out
    assert "\x1b" not in out  # a terminal escape is shown, not obeyed
    code, out, _ = consult(folder, capsys, "show", "1")
    assert out.splitlines()[1].startswith("     26 | [bold red]")
    code, out, _ = consult(folder, capsys, "code", "1", "--theme", "training", "--start", "26",
                           "--end", "51")
    assert code == 0 and "characters 26-51" in out


def test_the_whole_cycle(folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = note(tmp_path, "n.txt", b"Training was short. Supervision was kind.")
    code, out, _ = consult(folder, capsys, "import", path, *IMPORT, "--date", "2023-09-01")
    assert code == 0 and "note 1" in out and "new participant" in out
    assert consult(folder, capsys, "code", "1", "--theme", "Training", "--text", "was short")[0] == 0
    code, out, err = consult(folder, capsys, "theme", "Training", "--stance", "questioned",
                             "--summary", "Too short, they felt.", "--reviewer", "Lead")
    assert code == 0, err
    code, out, _ = consult(folder, capsys, "themes")
    assert "Training" in out and "questioned" in out and "manager 1" in out
    code, out, _ = consult(folder, capsys, "plan")
    assert "1 participant: 1 manager" in out and "reflections" in out
    refused(consult(folder, capsys, "purge-notes", "--force", "--actor", "Lead", "--db",
                    "sqlite:///" + str(tmp_path / "nowhere" / "x.db")), "")
    code, out, _ = consult(folder, capsys, "purge-notes", "--actor", "Lead")
    assert code == 0 and "Purged the text of 1 note;" in out
    refused(consult(folder, capsys, "show", "1"), "purged")
    export = tmp_path / "c.csv"
    assert consult(folder, capsys, "export", "-o", str(export))[0] == 0
    lines = export.read_text(encoding="utf-8-sig").splitlines()
    assert lines[0] == ("participant_code,group,theme,stance,excerpts,theme_excerpts,"
                        "theme_participants,sessions,summary")
    assert lines[1] == 'P01,manager,Training,questioned,1,1,1,1,"Too short, they felt."'


def test_code_speaks_in_options_and_uncode_removes_a_span(
    folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = note(tmp_path, "n.txt", b"Training was short. Supervision was kind.")
    assert consult(folder, capsys, "import", path, *IMPORT)[0] == 0
    refused(consult(folder, capsys, "code", "1", "--theme", "Training", "--text", "zeppelin"),
            "the words given with --text are not in note 1 (check them against 'consult DIR show')")
    refused(consult(folder, capsys, "code", "1", "--theme", "Training", "--start", "3"),
            "give --start and --end")
    assert consult(folder, capsys, "code", "1", "--theme", "Training", "--text", "was short")[0] == 0
    code, out, _ = consult(folder, capsys, "uncode", "1", "--actor", "Lead")
    assert code == 0 and "Excerpt 1 removed" in out and "'Training'" in out
    refused(consult(folder, capsys, "uncode", "1"), "no coded excerpt 1")
    code, out, _ = consult(folder, capsys, "code", "1", "--theme", "Training", "--text", "was")
    excerpt = out.split()[1].rstrip(":")
    assert excerpt == "2"  # the removed excerpt's number is not given again
    assert consult(folder, capsys, "purge-notes", "--actor", "Lead")[0] == 0
    refused(consult(folder, capsys, "uncode", excerpt), "was purged")
