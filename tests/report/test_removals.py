"""Records removed before screening for a stated reason: the PRISMA line "records
removed for other reasons", from the store to prisma.json, the diagram and the text."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa

from cli_runner import run
from scopewise.errors import ReportError, UsageError
from scopewise.review import Review
from scopewise.store import schema as t

Project = tuple[Review, dict[str, int]]


def add_unscreened(review: Review, titles: list[str]) -> list[int]:
    """New records in the PsycINFO search that nobody has screened."""
    with review.store.transaction() as conn:
        sid = conn.execute(sa.select(t.searches.c.id).where(t.searches.c.source == "PsycINFO")
                           ).scalar_one()
        ids = []
        for position, title in enumerate(titles, 100):
            pk = conn.execute(t.records.insert().values(
                search_id=sid, position=position, title=title, year=1990,
                authors=[{"family": "Doe", "given": "R"}])).inserted_primary_key
            assert pk is not None
            ids.append(int(pk[0]))
        conn.execute(t.searches.update().where(t.searches.c.id == sid)
                     .values(record_count=t.searches.c.record_count + len(ids)))
    return ids


def test_removed_records_reconcile_in_prisma_json_and_the_diagram(
    project: Project, tmp_path: Path
) -> None:
    review, _ = project
    before = review.flow()
    assert before.removed_other_total == 0
    x, y, z = add_unscreened(review, ["Retracted trial", "Another retraction", "From 1990"])
    assert review.remove_records([x, y], "Retracted", actor="Lead") == 2
    assert review.remove_records([z], "  Published   before 2000 ", actor="Lead") == 1
    flow = review.flow()
    assert flow.identified == before.identified + 3
    assert flow.removed_other == {"Retracted": 2, "Published before 2000": 1}
    assert flow.screened == before.screened  # the new records never reach screening
    assert flow.open_title_abstract == before.open_title_abstract

    out = tmp_path / "out"
    review.report(out, "json,svg,md")
    prisma = json.loads((out / "prisma.json").read_text(encoding="utf-8"))
    assert prisma["removed_other_reasons"] == 3
    assert prisma["removed_other_reasons_by_reason"] == {"Retracted": 2,
                                                         "Published before 2000": 1}
    assert prisma["identified"] == (prisma["duplicates_removed"] + prisma["removed_other_reasons"]
                                    + prisma["screened"] + prisma["not_screened"])
    svg = (out / "prisma.svg").read_text(encoding="utf-8")
    assert "Records removed for other reasons (n = 3)" in svg
    assert "Retracted (n = 2)" in svg and "Published before 2000 (n = 1)" in svg
    md = (out / "report.md").read_text(encoding="utf-8")
    assert "removed for other reasons before screening: 3 (Retracted: 2; " in md
    assert "| Records removed for other reasons | 3 |" in md
    actions = [e.action for e in review.store.audit_events()]
    assert actions.count("records.removed") == 2
    checklist = (out / "checklist.csv").read_text(encoding="utf-8")
    assert "3 removed before screening for other reasons" in checklist


def test_a_reason_typed_in_other_case_joins_the_earlier_label(project: Project) -> None:
    """One label per reason in the flow: "retracted" later is the "Retracted" given
    first (before, the diagram listed both)."""
    review, _ = project
    x, y, z = add_unscreened(review, ["One", "Two", "Three"])
    review.remove_records([x], "Retracted", actor="Lead")
    review.remove_records([y], " RETRACTED ", actor="Lead")
    review.remove_records([z], "Retraction notice", actor="Lead")
    assert review.flow().removed_other == {"Retracted": 2, "Retraction notice": 1}


def test_removal_is_refused_for_screened_duplicate_or_removed_records(project: Project) -> None:
    review, ids = project
    (x,) = add_unscreened(review, ["Out of scope"])
    with pytest.raises(UsageError, match=rf"record {ids['a']}: has screening decisions"):
        review.remove_records([x, ids["a"]], "Out of scope", actor="Lead")
    with pytest.raises(UsageError, match=rf"duplicate of record {ids['a']}"):
        review.remove_records([ids["a_dup"]], "Out of scope", actor="Lead")
    with pytest.raises(UsageError, match="only the review's lead"):
        review.remove_records([x], "Out of scope", actor="Ana")
    with pytest.raises(UsageError, match="reason"):
        review.remove_records([x], "   ", actor="Lead")
    with pytest.raises(UsageError, match="no such record"):
        review.remove_records([999_999], "Out of scope", actor="Lead")
    assert review.removals() == []  # all or none: the valid record was not removed either
    review.remove_records([x], "Out of scope", actor="Lead")
    with pytest.raises(UsageError, match=r"removed already \(Out of scope\)"):
        review.remove_records([x], "Retracted", actor="Lead")


def test_undo_puts_a_record_back_to_be_screened(project: Project) -> None:
    review, _ = project
    before = review.flow()
    (x,) = add_unscreened(review, ["Wrongly removed"])
    review.remove_records([x], "Retracted", actor="Lead")
    assert review.flow().removed_other_total == 1
    assert review.undo_removals([x], actor="Lead") == [x]
    flow = review.flow()
    assert flow.removed_other_total == 0
    assert flow.screened == before.screened + 1
    assert flow.open_title_abstract == before.open_title_abstract + 1
    (row,) = review.removals()
    assert row.undone_by == "Lead" and row.undone_at is not None
    with pytest.raises(UsageError, match="none of these records is removed"):
        review.undo_removals([x], actor="Lead")
    # removed again after the undo: a new row, the old one kept as the record of it
    review.remove_records([x], "Retracted", actor="Lead")
    assert [r.undone_at is None for r in review.removals()] == [False, True]


def test_a_decision_on_a_removed_record_breaks_the_flow(
    project: Project, tmp_path: Path, decide_fn: Callable[..., None]
) -> None:
    review, _ = project
    (x,) = add_unscreened(review, ["Removed, then screened anyway"])
    review.remove_records([x], "Retracted", actor="Lead")
    with review.store.transaction() as conn:
        users = dict(conn.execute(sa.select(t.users.c.name, t.users.c.id)).all())
        decide_fn(conn, users, x, "title_abstract", "Ana", "exclude", ("DESIGN",))
        decide_fn(conn, users, x, "title_abstract", "Ben", "exclude", ("DESIGN",))
    with pytest.raises(ReportError, match=rf"record {x} was removed before screening"):
        review.report(tmp_path / "out", "json")
    assert not (tmp_path / "out").exists()


def test_a_removal_pins_its_search_against_undo(project: Project) -> None:
    from scopewise.store.search_undo import pin_label, search_pins

    review, _ = project
    (x,) = add_unscreened(review, ["Pinned"])
    review.remove_records([x], "Retracted", actor="Lead")
    with review.store.reading() as conn:
        sid = conn.execute(sa.select(t.records.c.search_id).where(t.records.c.id == x)
                           ).scalar_one()
        pins = search_pins(conn, sid)
    assert pins["record_removals"] == 1
    assert "removal before screening" in pin_label("record_removals")


def test_remove_command(sqlite_project: Path, tmp_path: Path,
                        capsys: pytest.CaptureFixture[str]) -> None:
    with Review.open(sqlite_project) as review:
        x, y = add_unscreened(review, ["One", "Two"])
    ids_file = tmp_path / "ids.txt"
    ids_file.write_text(f"{y}\n\n", encoding="utf-8")
    code, stdout, err = run(["remove", str(sqlite_project), str(x), "--ids-file", str(ids_file),
                             "--reason", "Ineligible by automation tool", "--actor", "Lead"],
                            capsys)
    assert code == 0, err
    assert "Removed 2 records before screening" in stdout
    code, stdout, _ = run(["remove", str(sqlite_project), "--list"], capsys)
    assert f"record {x}  Ineligible by automation tool" in stdout
    code, stdout, _ = run(["report", str(sqlite_project), "-o", str(tmp_path / "out"),
                           "--format", "json"], capsys)
    assert code == 0 and "2 removed for other reasons" in stdout
    code, _, err = run(["remove", str(sqlite_project), str(x), "--actor", "Lead"], capsys)
    assert code == 2 and "--reason" in err
    code, stdout, _ = run(["remove", str(sqlite_project), str(x), "--undo", "--actor", "Lead"],
                          capsys)
    assert code == 0 and "Put back 1 record to be screened." in stdout
    with Review.open(sqlite_project) as review:
        assert review.flow().removed_other == {"Ineligible by automation tool": 1}
        events = [e for e in review.store.audit_events() if e.action.startswith("records.")]
    assert [e.action for e in events] == ["records.removed", "records.removal_undone"]
    assert events[0].actor == "Lead" and events[0].detail["records"] == [x, y]


def test_each_round_counts_its_own_removals(tmp_path: Path) -> None:
    from small_protocol import small_protocol

    protocol = tmp_path / "protocol.toml"
    protocol.write_text(small_protocol(
        "Rounds", "reviewers_per_record = 1\nstages = [\"title_abstract\"]"), encoding="utf-8")
    entry = "TY  - JOUR\nTI  - {}\nAU  - Doe, R\nPY  - 2020\nDO  - 10.1/{}\nER  - \n\n"
    with Review.create(tmp_path / "proj", protocol_path=protocol) as review:
        lead = next(m.name for m in review.protocol.team if m.role == "lead")
        (tmp_path / "a.ris").write_text(entry.format("First", "a") + entry.format("Second", "b"),
                                        encoding="utf-8")
        review.import_file(tmp_path / "a.ris", source="PubMed", searched_on="2023-01-05")
        review.remove_records([1], "Retracted", actor=lead)
        review.start_round("Update", actor=lead)
        (tmp_path / "b.ris").write_text(entry.format("Third", "c"), encoding="utf-8")
        review.import_file(tmp_path / "b.ris", source="PubMed", searched_on="2024-01-05")
        review.remove_records([3], "Out of scope", actor=lead)
        first, update = review.round_flows()
        total = review.flow()
    assert first.flow.removed_other == {"Retracted": 1} and first.flow.screened == 1
    assert update.flow.removed_other == {"Out of scope": 1} and update.flow.screened == 0
    assert total.removed_other_total == 2 == (first.flow.removed_other_total
                                              + update.flow.removed_other_total)


def test_status_counts_removed_records_apart(project: Project) -> None:
    review, _ = project
    before = review.status()
    (x,) = add_unscreened(review, ["Retracted"])
    review.remove_records([x], "Retracted", actor="Lead")
    after = review.status()
    assert after["identified"] == before["identified"] + 1
    assert after["removed_other_reasons"] == 1
    assert after["unique_records"] == before["unique_records"]  # not to be screened


def test_a_removed_record_is_never_handed_out_nor_decided(project: Project) -> None:
    from scopewise.errors import ScreeningError
    from scopewise.screening.decisions import DecisionInput

    review, _ = project
    (x,) = add_unscreened(review, ["Retracted before screening"])
    seen = set()
    while (nxt := review.next_record("Ana", "title_abstract", exclude=seen)) is not None:
        seen.add(nxt.record_id)
    assert x in seen  # it waits to be screened
    review.remove_records([x], "Retracted", actor="Lead")
    seen = set()
    while (nxt := review.next_record("Ana", "title_abstract", exclude=seen)) is not None:
        seen.add(nxt.record_id)
    assert x not in seen
    with pytest.raises(ScreeningError, match=rf"record {x} was removed before screening"):
        review.decide(x, "exclude", "Ana", reasons=["DESIGN"])
    with pytest.raises(ScreeningError, match=r"Retracted.*--undo"):
        review.record_decisions([DecisionInput(x, "Ana", "exclude", "title_abstract",
                                               ("DESIGN",))])
    flow = review.flow()
    assert flow.removed_other_total == 1
    # undone: back in the queue and decidable
    review.undo_removals([x], actor="Lead")
    seen = set()
    while (nxt := review.next_record("Ana", "title_abstract", exclude=seen)) is not None:
        seen.add(nxt.record_id)
    assert x in seen
    review.decide(x, "exclude", "Ana", reasons=["DESIGN"])
