"""Update rounds and other-methods sources: flows that reconcile, and the diagram."""

from __future__ import annotations

from pathlib import Path

import pytest

from cli_runner import run
from scopewise.errors import UsageError
from scopewise.review import Review
from small_protocol import small_protocol


def ris(*records: tuple[str, str, str]) -> str:
    return "".join(
        f"TY  - JOUR\nTI  - {title}\nAU  - {author}\nPY  - 2020\nDO  - {doi}\nER  - \n\n"
        for title, author, doi in records
    )


FIRST = ris(
    ("Peer support workers in community teams", "Smith, Jane", "10.1/a"),
    ("Statins after infarction", "Doe, John", "10.1/b"),
    ("Peer specialists in forensic services", "Roe, Ann", "10.1/c"),
)
UPDATE = ris(
    ("Peer support workers in community teams", "Smith, Jane", "10.1/a"),  # found again
    ("Family peer support in child services", "Poe, Ed", "10.1/d"),
)


def _project(tmp_path: Path, db_url: str) -> Review:
    protocol = tmp_path / "protocol.toml"
    protocol.write_text(small_protocol(
        "Rounds <test>", "reviewers_per_record = 1\nstages = [\"title_abstract\"]"
    ), encoding="utf-8")
    review = Review.create(tmp_path / "proj", protocol_path=protocol, db_url=db_url)
    (tmp_path / "first.ris").write_text(FIRST, encoding="utf-8")
    review.import_file(tmp_path / "first.ris", source="PubMed", searched_on="2023-01-05")
    for rid, decision in ((1, "include"), (2, "exclude"), (3, "include")):
        review.decide(rid, decision, "Ann", reasons=() if decision == "include" else ("NOTPEER",))
    return review


def test_rounds_reconcile_and_the_report_says_which_round(tmp_path: Path, db_url: str) -> None:
    review = _project(tmp_path, db_url)
    try:
        assert review.round_flows() == []  # one round: no round table
        row = review.start_round("Update 2024", actor="Lead")
        assert row.number == 2
        with pytest.raises(UsageError, match="exists already"):
            review.start_round("update 2024")
        (tmp_path / "update.ris").write_text(UPDATE, encoding="utf-8")
        review.import_file(tmp_path / "update.ris", source="PubMed", searched_on="2024-03-01")
        review.dedup()
        review.decide(5, "include", "Ann")
        flows = review.round_flows()
        total = review.flow()
        assert [f.number for f in flows] == [1, 2]
        assert [f.name for f in flows] == ["Initial review", "Update 2024"]
        first, update = flows[0].flow, flows[1].flow
        assert (first.identified, first.included) == (3, 2)
        assert (update.identified, update.duplicates_removed, update.included) == (2, 1, 1)
        for key in ("identified", "duplicates_removed", "screened", "not_screened",
                    "excluded_title_abstract", "included"):
            assert getattr(first, key) + getattr(update, key) == getattr(total, key), key
        out = tmp_path / "out"
        review.report(out, "html,svg,json")
        html = (out / "report.html").read_text(encoding="utf-8")
        assert "Covers round 2: Update 2024" in html
        assert "<th>Not screened (screening stopped)</th>" in html
        svg = (out / "prisma.svg").read_text(encoding="utf-8")
        assert "Sources included in previous rounds" in svg and "(n = 2)" in svg
        assert "New sources of evidence included" in svg
        assert "Total sources of evidence included" in svg and "(n = 3)" in svg
    finally:
        review.close()


def test_other_methods_get_their_own_column(tmp_path: Path, db_url: str) -> None:
    review = _project(tmp_path, db_url)
    try:
        (tmp_path / "web.ris").write_text(UPDATE.split("\n\n")[1] + "\n\n", encoding="utf-8")
        with pytest.raises(UsageError, match="--method other needs --source"):
            review.import_file(tmp_path / "web.ris", method="other")
        review.import_file(tmp_path / "web.ris", method="other", source="Charity <website>")
        flow = review.flow()
        assert flow.other_sources == ("Charity <website>",)
        review.report(tmp_path / "out", "svg,html")
        svg = (tmp_path / "out" / "prisma.svg").read_text(encoding="utf-8")
        assert "Records identified from other methods" in svg
        assert "Charity &lt;website&gt; (n = 1)" in svg
        assert "Records identified from PubMed" in svg  # one database: no repeated box
        assert "Records removed for other reasons" in svg
        html = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
        assert "<td>other methods</td>" in html
    finally:
        review.close()


def test_round_and_section_commands(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _project(tmp_path, f"sqlite:///{tmp_path / 'cli.db'}").close()
    folder = str(tmp_path / "proj")
    db = ["--db", f"sqlite:///{tmp_path / 'cli.db'}"]
    code, out, _ = run(["round", folder, "start", "--name", "Update 2024", *db], capsys)
    assert code == 0 and "Started round 2: Update 2024" in out
    code, _, err = run(["round", folder, "start", "--name", "Update 2024", *db], capsys)
    assert code == 2 and err.count("\n") == 1 and "exists already" in err
    code, out, _ = run(["round", folder, "list", *db], capsys)
    assert "1  Initial review" in out and "2  Update 2024" in out
    text = tmp_path / "limits.md"
    text.write_text("Only English sources.", encoding="utf-8")
    code, out, _ = run(["report", folder, "--section", "limitations", "--text-file", str(text),
                        *db], capsys)
    assert code == 0 and "Stored the limitations section" in out
    for args, message in (
        (["--section", "nonsense", "--text-file", str(text)], "unknown section 'nonsense'"),
        (["--section", "summary", "--text-file", str(tmp_path / "nope.md")], "cannot read"),
        (["--section", "summary"], "give --section and --text-file together"),
        ([], "give -o/--out"),
    ):
        code, _, err = run(["report", folder, *args, *db], capsys)
        assert code == 2 and err.count("\n") == 1 and message in err, (args, err)
    (tmp_path / "empty.md").write_text("  \n", encoding="utf-8")
    code, _, err = run(["report", folder, "--section", "summary", "--text-file",
                        str(tmp_path / "empty.md"), *db], capsys)
    assert code == 2 and "the file is empty" in err
    code, out, _ = run(["report", folder, "-o", str(tmp_path / "out"), "--format", "md", *db],
                       capsys)
    assert code == 0
    assert "Only English sources." in (tmp_path / "out" / "report.md").read_text("utf-8")
