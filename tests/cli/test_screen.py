"""``scopewise screen``: every action through the command line."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from scopewise.cli import cli, main
from scopewise.errors import ScopewiseError
from scopewise.review import Review
from scopewise.store import now
from scopewise.store import schema as t

PROTOCOL = """
questions = ["What is known about peer support work?"]
[review]
title = "CLI screening review"
[[team]]
name = "Lead"
role = "lead"
[[team]]
name = "Ann"
role = "reviewer"
[[team]]
name = "Ben"
role = "reviewer"
[pcc]
population = "Peer support workers"
concept = "Peer support work"
context = "Mental health services"
[[criteria.inclusion]]
code = "POP"
text = "Concerns peer support workers."
[[criteria.exclusion]]
code = "NOFT"
text = "No full text."
stages = ["full_text"]
"""
HOSTILE_TITLE = "[bold red]Peer[/bold red] support <b>workers</b>"
HOSTILE_ABSTRACT = "Plain \x1b[31mred\x1b[0m text\x07 with [link=http://x]markup[/link]."


@pytest.fixture
def project(tmp_path: Path) -> Path:
    protocol = tmp_path / "protocol.toml"
    protocol.write_text(PROTOCOL)
    folder = tmp_path / "review"
    review = Review.create(folder, protocol_path=protocol)
    with review, review.store.transaction() as conn:
        search = conn.execute(
            t.searches.insert().values(source="PubMed", imported_at=now())
        ).inserted_primary_key[0]
        conn.execute(
            t.records.insert(),
            [
                {
                    "search_id": search,
                    "position": 1,
                    "title": HOSTILE_TITLE,
                    "abstract": HOSTILE_ABSTRACT,
                    "authors": [{"family": "Smith", "given": "Jo"}, {"literal": "PSW Group"}],
                    "year": 2021,
                    "journal": "Psychiatric Services",
                },
                {
                    "search_id": search,
                    "position": 2,
                    "title": "Second record",
                    "abstract": "",
                    "authors": [],
                    "year": None,
                    "journal": "",
                },
            ],
        )
    return folder


def screen(project: Path, *args: str) -> Result:
    return CliRunner().invoke(cli, ["screen", str(project), *args])


def ok(result: Result) -> str:
    assert result.exit_code == 0, (result.output, result.exception)
    return result.output


def refused(result: Result) -> str:
    """The one-line message of a user error (the CLI prints it and exits 2)."""
    assert isinstance(result.exception, ScopewiseError), result.output
    assert result.exception.exit_code == 2
    message = str(result.exception)
    assert "\n" not in message
    return message


def test_next_shows_the_record_as_plain_text(project: Path) -> None:
    out = ok(screen(project, "--next", "--reviewer", "Ann", "--stage", "title_abstract"))
    assert "Record 1 (title/abstract; 2 left for Ann" in out or "Record 2 (" in out
    if "Record 1" not in out:  # the ranker chose the other record first: decide it and look again
        ok(screen(project, "--decide", "2", "exclude", "--reviewer", "Ann"))
        out = ok(screen(project, "--next", "--reviewer", "Ann"))
    assert f"Title:    {HOSTILE_TITLE}" in out  # markup printed literally
    assert "Authors:  Smith, Jo; PSW Group" in out
    assert "Year:     2021" in out and "Journal:  Psychiatric Services" in out
    assert "Plain red text with [link=http://x]markup[/link]." in out
    assert "\x1b" not in out and "\x07" not in out


def test_decide_conflict_resolve(project: Path) -> None:
    assert "Recorded include for record 1 at title/abstract by Ann." in ok(
        screen(project, "--decide", "1", "include", "--reviewer", "Ann", "--note", "clear")
    )
    ok(screen(project, "--decide", "1", "MAYBE", "--reviewer", "Ben"))
    assert "Record 1 at title/abstract: Ann include, Ben maybe" in ok(
        screen(project, "--conflicts", "--reviewer", "Lead")
    )
    assert refused(screen(project, "--resolve", "1", "include", "--reviewer", "Ann")).startswith(
        "Ann screened this record"
    )
    assert "Resolved record 1 at title/abstract: include (by Lead)." in ok(
        screen(project, "--resolve", "1", "include", "--reviewer", "Lead")
    )
    assert "No unresolved conflicts." in ok(screen(project, "--conflicts", "--reviewer", "Lead"))
    # The record passed, so without --stage the next decision is at full text.
    out = ok(screen(project, "--decide", "1", "exclude", "--reason", "NOFT", "--reviewer", "Ann"))
    assert "Recorded exclude (NOFT) for record 1 at full text by Ann." in out


def test_a_reviewer_typed_in_other_case_is_the_team_member(project: Path) -> None:
    """--reviewer "ann" is Ann of the team, stored and compared as Ann (before:
    "unknown reviewer"); the conflict with Ben is seen, and Ann cannot resolve it."""
    assert "by Ann." in ok(screen(project, "--decide", "1", "include", "--reviewer", " ann "))
    ok(screen(project, "--decide", "1", "exclude", "--reason", "pop", "--reviewer", "BEN"))
    assert "Ann include, Ben exclude (POP)" in ok(
        screen(project, "--conflicts", "--reviewer", "lead"))
    assert refused(screen(project, "--resolve", "1", "include", "--reviewer", "ANN")).startswith(
        "Ann screened this record")
    assert "unknown reviewer 'Anne'" in refused(
        screen(project, "--next", "--reviewer", "Anne"))


def test_bad_input_is_one_line(project: Path) -> None:
    assert "valid codes: POP" in refused(
        screen(project, "--decide", "1", "exclude", "--reason", "XX", "--reviewer", "Ann")
    )
    assert "unknown reviewer 'Zed'" in refused(
        screen(project, "--decide", "1", "include", "--reviewer", "Zed")
    )
    assert "give --reviewer NAME" in refused(screen(project, "--decide", "1", "include"))
    for number in ("99999999999999999999", "-1"):  # a record number the database can hold
        result = screen(project, "--decide", number, "include", "--reviewer", "Ann")
        assert result.exit_code == 2 and "is not in the range 0<=x<=2147483647" in result.output
    assert "give exactly one of" in refused(screen(project))
    assert "(got --next, --conflicts)" in refused(
        screen(project, "--next", "--conflicts", "--reviewer", "Ann")
    )


def test_the_entry_point_prints_one_line_and_exits_2(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as info:
        main(["screen", str(project), "--decide", "9", "include", "--reviewer", "Ann"])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert err == "error: record 9 does not exist; check the record number\n"


def test_agreement_prints_kappa_and_table(project: Path) -> None:
    for record, ann, ben in (("1", "include", "include"), ("2", "exclude", "include")):
        ok(screen(project, "--decide", record, ann, "--reviewer", "Ann"))
        ok(screen(project, "--decide", record, ben, "--reviewer", "Ben"))
    out = ok(screen(project, "--agreement"))
    assert "Main screening" in out
    assert "all reviewer pairs: 2 records, agreement 50.0%, Cohen's kappa 0.000" in out
    assert "Pilot round" not in out


def test_full_text_attach_and_not_retrieved(project: Path, tmp_path: Path) -> None:
    pdf = tmp_path / "a.pdf"
    pdf.write_bytes(b"%PDF-1.7\n%%EOF\n")
    out = ok(screen(project, "--attach", "1", str(pdf), "--reviewer", "Ann"))
    assert "Attached a.pdf to record 1 as files/" in out
    assert len(list((project / "files").glob("*.pdf"))) == 1
    text = tmp_path / "b.pdf"
    text.write_text("not a pdf")
    assert "not a PDF" in refused(screen(project, "--attach", "2", str(text)))
    assert "give one --reason" in refused(screen(project, "--not-retrieved", "2"))
    out = ok(screen(project, "--not-retrieved", "2", "--reason", "paywalled, no interlibrary loan"))
    assert "Recorded record 2 as full text not retrieved." in out


def test_pilot_round_from_the_command_line(project: Path) -> None:
    assert "a lead" in refused(screen(project, "--pilot", "1"))
    out = ok(screen(project, "--pilot", "2", "--seed", "7", "--reviewer", "Lead"))
    assert out.startswith("Pilot round started on 2 records: 1, 2.")
    assert "pilot round; 2 left for Ann" in ok(screen(project, "--next", "--reviewer", "Ann"))
    out = ok(screen(project, "--decide", "1", "include", "--reviewer", "Ann"))
    assert "in the pilot round" in out
    ok(screen(project, "--decide", "1", "include", "--reviewer", "Ben"))
    assert "Pilot round" in ok(screen(project, "--agreement"))
    out = ok(screen(project, "--close-pilot", "--adopt", "--reviewer", "Lead"))
    assert "2 pilot decisions now count" in out


def test_import_decisions_and_nothing_left(project: Path, tmp_path: Path) -> None:
    csv = tmp_path / "decisions.csv"
    csv.write_text(
        "record_id,reviewer,decision,stage,reasons,note\n"
        "1,Ann,exclude,title_abstract,,\n2,Ann,exclude,,,\n"
    )
    assert "Imported 2 decisions" in ok(screen(project, "--import-decisions", str(csv)))
    out = ok(screen(project, "--next", "--reviewer", "Ann", "--stage", "title_abstract"))
    assert out.strip() == "Nothing left to screen for Ann at title/abstract."


def test_screening_on_postgresql(tmp_path: Path, pg_url: str) -> None:
    protocol = tmp_path / "protocol.toml"
    protocol.write_text(PROTOCOL)
    folder = tmp_path / "team"
    review = Review.create(folder, protocol_path=protocol, db_url=pg_url)
    with review, review.store.transaction() as conn:
        search = conn.execute(
            t.searches.insert().values(source="S", imported_at=now())
        ).inserted_primary_key[0]
        conn.execute(t.records.insert().values(search_id=search, position=1, title="Only"))
    ok(screen(folder, "--decide", "1", "include", "--reviewer", "Ann"))
    assert "Record 1 (title/abstract; 1 left for Ben" in ok(
        screen(folder, "--next", "--reviewer", "Ben")
    )


def test_a_bad_stage_is_one_line(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    message = refused(screen(project, "--next", "--reviewer", "Ann", "--stage", "abstracts"))
    assert message == "--stage must be title_abstract or full_text, not 'abstracts'"
    with pytest.raises(SystemExit) as info:
        main(["screen", str(project), "--conflicts", "--stage", "fulltext"])
    assert info.value.code == 2
    assert capsys.readouterr().err.count("\n") == 1


def test_stopping_prints_the_estimate(project: Path) -> None:
    out = ok(screen(project, "--stopping"))
    # the protocol's stop_rule is "default": at 0.95 the checked point-process rule
    # the plain sentence first (the rule's own), then the statistics
    assert out.startswith("Keep screening: no relevant record found yet in ranked order")
    assert "0 of 2 records decided at title/abstract, 2 left" in out
    assert "Stopping rule (point-process-checked, target recall 95%): no recall estimate yet" in out
    assert "The rule says: Keep screening: no relevant record found yet" in out
    for record in ("1", "2"):
        for who in ("Ann", "Ben"):
            ok(screen(project, "--decide", record, "exclude", "--reviewer", who))
    out = ok(screen(project, "--stopping"))
    assert out.startswith("You can stop: every record is screened.")
    assert "2 of 2 records decided at title/abstract, 0 left unscreened" in out
    assert "The rule says: You can stop: every record is screened." in out
    with Review.open(project) as review:
        summary = review.stopping_summary()
    assert summary is not None and summary.can_stop and summary.left_unscreened == 0


@pytest.mark.parametrize("rule", ["statistical", "statistical-plain"])
def test_stopping_lines_before_the_sample_name_the_sample_for_both_statistical_rules(
    rule: str,
) -> None:
    from scopewise.cli.screen_text import stopping_lines as _stopping_lines
    from scopewise.screening.stopping import StopReport

    lines = _stopping_lines(StopReport(rule, False, 120, 880, 9), 0.95)
    assert lines[0] == ("Keep screening: no estimate yet; once a long run of irrelevant "
                        "records shows the ranking has run dry, this rule draws a random "
                        "sample of the records left and estimates recall from it.")
    assert lines[1].startswith(f"Stopping rule ({rule}, target recall 95%): no recall estimate yet")
    assert "120 of 1,000 records decided" in lines[2]
    assert "heuristic" not in " ".join(lines)


def test_reasons_on_an_inclusion_are_refused_with_a_clear_message(project: Path) -> None:
    message = refused(screen(project, "--decide", "1", "include", "--reason", "POP",
                             "--reviewer", "Ann"))
    assert message.startswith("include takes no reasons (you gave POP)")
    assert "inclusion criterion not met" in message
    assert "Recorded exclude (POP)" in ok(
        screen(project, "--decide", "1", "exclude", "--reason", "POP", "--reviewer", "Ann"))
