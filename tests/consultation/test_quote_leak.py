"""With quotes = "never", nothing from a note leaves the project: not its sentences,
not a name in it. Everything a user can get out is searched for both."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cli_runner import run
from consultation_project import make_project, write_docx
from scopewise.review import Review
from scopewise.store import schema as t

SENTENCE = "the lighthouse keeper painted every stair a different shade of violet"
NAME = "Ottoline Ferncastle"
NEEDLES = ("lighthouse", "violet", "ottoline", "ferncastle")


def leaked(text: str) -> list[str]:
    folded = text.casefold()
    return [needle for needle in NEEDLES if needle in folded]


@pytest.mark.parametrize("fmt", ["txt", "docx"])
def test_no_quote_leaks(tmp_path: Path, db_url: str, capsys: pytest.CaptureFixture[str],
                        fmt: str) -> None:
    folder = make_project(tmp_path, db_url)
    lines = [f"Session notes. {NAME} joined late.",
             f"On training, {SENTENCE} before anyone arrived.",
             f"Later {NAME.split()[0]} spoke about supervision."]
    if fmt == "docx":
        notes = write_docx(tmp_path / "ottoline.docx", lines)
    else:
        notes = tmp_path / "ottoline.txt"
        notes.write_text("\n".join(lines), encoding="utf-8")

    def consult(*args: str) -> tuple[int, str, str]:
        return run(["consult", str(folder), *args, "--db", db_url], capsys)

    assert consult("import", str(notes), "--participant", "P01", "--group", "peer worker",
                "--date", "2023-09-01")[0] == 0
    assert consult("code", "1", "--theme", "Training", "--text", SENTENCE)[0] == 0
    assert consult("code", "1", "--theme", "Supervision and support",
                "--text", f"{NAME.split()[0]} spoke about supervision")[0] == 0
    # a summary that copies the note or names the person is refused, in one line
    for summary in (f"They said {SENTENCE}.", f"{NAME.split()[1]} wanted more supervision."):
        code, out, err = consult("theme", "Training", "--stance", "supported",
                              "--summary", summary, "--reviewer", "Lead")
        assert code == 2 and err.count("\n") == 1 and "summary refused" in err
    assert consult("theme", "Training", "--stance", "added to", "--summary",
                "Interviewees wanted training before starting; the lead's own words.",
                "--reviewer", "Lead")[0] == 0
    export = tmp_path / "consultation.csv"
    assert consult("export", "-o", str(export))[0] == 0

    seen: dict[str, str] = {"export": export.read_text(encoding="utf-8-sig")}
    assert "P01,peer worker,Training,added to,1" in seen["export"]
    for name, args in {
        "themes": ["themes"], "themes json": ["themes", "--json"], "plan": ["plan"],
        "notes": ["notes"],
    }.items():
        code, out, err = consult(*args)
        assert code == 0, err
        seen[name] = out
    for name, args in {"audit": ["audit", str(folder), "--db", db_url, "--json"],
                       "status": ["status", str(folder), "--db", db_url]}.items():
        code, out, err = run(args, capsys)
        assert code == 0, err
        seen[name] = out
    assert "consultation.excerpt_coded" in seen["audit"]
    out_dir = tmp_path / "report"
    code, _, err = run(["report", str(folder), "-o", str(out_dir), "--db", db_url], capsys)
    assert code == 0, err
    for name in ("report.html", "prisma.json"):
        seen[name] = (out_dir / name).read_text(encoding="utf-8")
    with Review.open(folder, db_url=db_url) as review:
        report = review.consultation_report()
        seen["report repr"] = repr(report)
        seen["report json"] = json.dumps(report.to_json())
        seen["audit events"] = repr(review.audit())
        assert report.theme("Training") is not None
        assert report.theme("Supervision and support") is not None
        assert report.quotations == ()
        # the note itself is still there for the lead, until purged
        assert SENTENCE in review.note_text(1)
    for where, text in seen.items():
        assert leaked(text) == [], f"{where} leaks {leaked(text)}"

    def database_bytes() -> str:
        files = [p for p in tmp_path.iterdir() if p.name.startswith("project.db")]
        assert files
        return "".join(p.read_bytes().decode("latin-1") for p in files)

    if db_url.startswith("sqlite"):
        assert leaked(database_bytes())  # the notes are stored until purged
    assert consult("purge-notes", "--actor", "Lead")[0] == 0
    with Review.open(folder, db_url=db_url) as review, review.store.reading() as conn:
        rows = repr(conn.execute(t.interviews.select()).all())
        rows += repr(conn.execute(t.coded_excerpts.select()).all())
        rows += repr(conn.execute(t.participants.select()).all())
    assert leaked(rows) == []
    if db_url.startswith("sqlite"):
        # purged text does not linger in the database file's free pages or its WAL
        assert leaked(database_bytes()) == []
