"""Decisions in bulk (Review.record_decisions, CSV imports) on SQLite and PostgreSQL.

A batch follows the rules of single decisions row by row, is written with one
executemany in one transaction, and leaves one audit event.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from scopewise.errors import NotFound, ScreeningError
from scopewise.review import Review
from scopewise.screening.decisions import DecisionInput
from scopewise.store import now
from scopewise.store import schema as t
from scopewise.store.screening import decision_rows

PROTOCOL = """
questions = ["What is known about peer support work?"]
[review]
title = "Bulk screening"
[[team]]
name = "Lead"
role = "lead"
[[team]]
name = "Ann"
role = "reviewer"
[[team]]
name = "Ben"
role = "reviewer"
[[team]]
name = "Ivy"
role = "information_specialist"
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
RECORDS = 8  # the last record is a duplicate of the one before


@pytest.fixture
def review(tmp_path: Path, db_url: str) -> Iterator[Review]:
    protocol = tmp_path / "protocol.toml"
    protocol.write_text(PROTOCOL)
    review = Review.create(tmp_path / "project", protocol_path=protocol, db_url=db_url)
    with review.store.transaction() as conn:
        search = conn.execute(
            t.searches.insert().values(source="S", imported_at=now())
        ).inserted_primary_key[0]
        conn.execute(
            t.records.insert(),
            [{"search_id": search, "position": i, "title": f"R{i}"} for i in range(RECORDS)],
        )
        ids = [int(r) for r in conn.execute(sa.select(t.records.c.id).order_by("id")).scalars()]
        group = conn.execute(
            t.duplicate_groups.insert().values(primary_record_id=ids[-2], created_at=now())
        ).inserted_primary_key[0]
        for rid in ids[-2:]:
            conn.execute(t.duplicate_members.insert().values(group_id=group, record_id=rid))
    review.ids = ids  # type: ignore[attr-defined]
    yield review
    review.close()


def ids(review: Review) -> list[int]:
    return review.ids  # type: ignore[attr-defined,no-any-return]


def row(record: int, reviewer: str, decision: str, stage: str = "title_abstract",
        reasons: tuple[str, ...] = (), note: str = "") -> DecisionInput:
    return DecisionInput(record, reviewer, decision, stage, reasons, note)


def stored(review: Review) -> list[tuple[int, str, str, str, tuple[str, ...], str]]:
    with review.store.reading() as conn:
        return [
            (d.record_id, d.reviewer, d.decision, d.stage, d.reasons, d.kind)
            for d in decision_rows(conn)
        ]


def audit_actions(review: Review) -> list[str]:
    return [e.action for e in review.audit() if e.action.startswith("screening.")]


def test_a_batch_is_one_executemany_and_one_audit_event(review: Review) -> None:
    a, b, c = ids(review)[:3]
    rows = [
        row(a, "Ann", "include"),
        row(a, "Ben", "include"),
        row(b, "Ann", "exclude"),
        row(b, "Ben", "include"),
        row(c, "Ann", "maybe", note="unsure"),
    ]
    inserts: list[tuple[int, bool]] = []

    def spy(conn: Any, cursor: Any, statement: str, params: Any, context: Any, many: bool) -> None:
        if statement.lstrip().upper().startswith("INSERT INTO DECISIONS"):
            inserts.append((len(params) if many else 1, many))

    sa.event.listen(review.store.engine, "before_cursor_execute", spy)
    try:
        assert review.record_decisions(rows, actor="Lead") == 5
    finally:
        sa.event.remove(review.store.engine, "before_cursor_execute", spy)
    assert inserts == [(5, True)]
    assert stored(review) == [
        (a, "Ann", "include", "title_abstract", (), "screen"),
        (a, "Ben", "include", "title_abstract", (), "screen"),
        (b, "Ann", "exclude", "title_abstract", (), "screen"),
        (b, "Ben", "include", "title_abstract", (), "screen"),
        (c, "Ann", "maybe", "title_abstract", (), "screen"),
    ]
    assert audit_actions(review) == ["screening.recorded"]
    detail = review.audit()[-1].detail
    assert detail["decisions"] == 5 and detail["records"] == 3
    assert detail["reviewers"] == ["Ann", "Ben"]
    # The same outcomes as single decisions: agreed, in conflict, awaiting the second.
    assert review.record_outcome(a).title_abstract.status == "included"  # type: ignore[union-attr]
    assert [o.record_id for o in review.conflicts()] == [b]
    assert review.record_outcome(c).title_abstract.status == (  # type: ignore[union-attr]
        "awaiting_second_reviewer"
    )


@pytest.mark.parametrize(
    ("bad", "error", "message"),
    [
        (lambda i: row(i[1], "Zed", "include"), NotFound, "row 2: unknown reviewer 'Zed'"),
        (lambda i: row(i[1], "Ivy", "include"), ScreeningError, "row 2: Ivy is a information"),
        (lambda i: row(999_999, "Ann", "include"), NotFound, "row 2: record 999999 does not"),
        (lambda i: row(i[-1], "Ann", "include"), ScreeningError, "row 2: .*a duplicate of record"),
        (lambda i: row(i[1], "Ann", "perhaps"), ScreeningError, "row 2: 'perhaps' is not a"),
        (lambda i: row(i[1], "Ann", "exclude", "full_text"), ScreeningError, "row 2: an exclusion"),
        (lambda i: row(i[1], "Ann", "include", "charting"), ScreeningError, "row 2: unknown scre"),
        (
            lambda i: row(i[1], "Ann", "include", "full_text"),
            ScreeningError,
            "row 2: record .* has not passed title/abstract",
        ),
    ],
)
def test_one_bad_row_and_nothing_is_written(
    review: Review, bad: Any, error: type[Exception], message: str
) -> None:
    first = row(ids(review)[0], "Ann", "include")
    with pytest.raises(error, match=message):
        review.record_decisions([first, bad(ids(review)), first], actor="Lead")
    assert stored(review) == []
    assert audit_actions(review) == []


def test_rows_count_in_order_within_the_batch(review: Review) -> None:
    a, b = ids(review)[:2]
    review.record_decisions(
        [
            row(a, "Ann", "exclude"),
            row(a, "Ann", "include"),  # a changed mind: the later row counts
            row(a, "Ben", "include"),
            # full text in the same batch, once the title/abstract rows let it pass
            row(a, "Ann", "exclude", "full_text", ("NOFT", "POP", "NOFT")),
            row(a, "Ben", "exclude", "", ("POP", "NOFT")),  # no stage: the current one
            row(b, "Ann", "exclude", ""),
        ],
        actor="Lead",
    )
    outcome = review.record_outcome(a)
    assert outcome.title_abstract is not None and outcome.title_abstract.status == "included"
    assert outcome.full_text is not None
    assert (outcome.full_text.status, outcome.full_text.reasons) == ("excluded", ("POP", "NOFT"))
    assert stored(review)[3][4] == ("NOFT", "POP")  # cleaned as a single decision would be
    assert stored(review)[-1][3] == "title_abstract"


def test_a_batch_and_single_decisions_agree(review: Review, tmp_path: Path) -> None:
    a, b = ids(review)[:2]
    review.decide(a, "include", "Ann")
    review.record_decisions([row(a, "Ben", "include"), row(a, "Ann", "include", "full_text")])
    review.decide(a, "include", "Ben", "full_text")
    assert review.record_outcome(a).full_text.status == "included"  # type: ignore[union-attr]
    review.mark_not_retrieved(b, "paywalled", "Lead")
    review.record_decisions([row(b, "Ann", "include"), row(b, "Ben", "include")])
    with pytest.raises(ScreeningError, match=r"row 1: .*marked as full text not retrieved"):
        review.record_decisions([row(b, "Ann", "include", "full_text")])


def test_resolutions_settle_conflicts_from_a_batch(review: Review) -> None:
    a = ids(review)[0]
    review.record_decisions([row(a, "Ann", "include"), row(a, "Ben", "exclude")])
    with pytest.raises(ScreeningError, match="a lead or a third reviewer"):
        review.resolve(a, "include", "Ann")
    review.resolve(a, "include", "Lead")
    assert review.conflicts() == []
    # A resolution is final even if a later batch changes a reviewer's mind.
    review.record_decisions([row(a, "Ben", "include"), row(a, "Ann", "exclude")])
    assert review.record_outcome(a).title_abstract.decision == "include"  # type: ignore[union-attr]


def test_an_open_pilot_round_makes_its_records_pilot_decisions(review: Review) -> None:
    sample = review.start_pilot(2, seed=1, actor="Lead")
    other = next(r for r in ids(review)[:-1] if r not in sample)
    review.record_decisions([row(sample[0], "Ann", "include"), row(other, "Ann", "include")])
    kinds = {rid: kind for rid, _, _, _, _, kind in stored(review)}
    assert kinds == {sample[0]: "pilot", other: "screen"}


def test_csv_import_names_the_file_line_and_writes_one_event(
    review: Review, tmp_path: Path
) -> None:
    a, b = ids(review)[:2]
    csv = tmp_path / "batch.csv"
    csv.write_text(
        "record_id,reviewer,decision,stage,reasons,note\n"
        f"{a},Ann,include,,,\n\n{b},Ann,include,full_text,,\n"
    )
    with pytest.raises(ScreeningError, match=r"batch.csv:4: record .* has not passed"):
        review.import_decisions(csv, "Lead")
    assert stored(review) == [] and audit_actions(review) == []
    csv.write_text(
        "record_id,reviewer,decision,stage,reasons,note\n"
        f"{a},Ann,include,,,\n{a},Ben,include,,,\n{b},Ann,exclude,,,first pass\n"
    )
    assert review.import_decisions(csv, "Lead") == 3
    assert audit_actions(review) == ["screening.imported"]
    detail = review.audit()[-1].detail
    assert (detail["file"], detail["decisions"], detail["stages"]) == (
        "batch.csv",
        3,
        {"title_abstract": 3},
    )


def test_reviewer_names_written_with_other_case_or_spacing_are_the_team_members(
    review: Review, tmp_path: Path
) -> None:
    """Other tools export names as their users typed them: " ann ", "BEN" are Ann and
    Ben of the team (before, "unknown reviewer"); a name that is no member's still is."""
    a, b = ids(review)[:2]
    csv = tmp_path / "names.csv"
    csv.write_text(f"record_id,reviewer,decision\n{a}, ann ,include\n{a},BEN,include\n"
                   f"{b},Ann,exclude\n")
    assert review.import_decisions(csv, "Lead") == 3
    assert [(r, who) for r, who, *_ in stored(review)] == [(a, "Ann"), (a, "Ben"), (b, "Ann")]
    csv.write_text(f"record_id,reviewer,decision\n{b},Anne,exclude\n")
    with pytest.raises(NotFound, match=r"names.csv:2: unknown reviewer 'Anne'"):
        review.import_decisions(csv, "Lead")


def test_an_old_file_with_reasons_on_an_inclusion_still_imports(
    review: Review, tmp_path: Path
) -> None:
    """New decisions may not give reasons with include; a file of earlier decisions
    that did is history, and imports as it was written."""
    a, b = ids(review)[:2]
    with pytest.raises(ScreeningError, match="include takes no reasons"):
        review.decide(a, "include", "Ann", reasons=["POP"])
    with pytest.raises(ScreeningError, match="row 1: include takes no reasons"):
        review.record_decisions([DecisionInput(a, "Ann", "include", "", ("POP",))])
    csv = tmp_path / "old.csv"
    csv.write_text("record_id,reviewer,decision,stage,reasons,note\n"
                   f"{a},Ann,include,title_abstract,POP,\n{b},Ann,exclude,title_abstract,POP,\n")
    assert review.import_decisions(csv, "Lead") == 2
    assert [(r[0], r[2], r[4]) for r in stored(review)] == [
        (a, "include", ("POP",)), (b, "exclude", ("POP",))]


def test_large_batches_read_their_records_in_chunks(tmp_path: Path, db_url: str) -> None:
    """More record ids than one IN (...) list takes (the store reads 500 at a time)."""
    protocol = tmp_path / "protocol.toml"
    protocol.write_text(PROTOCOL)
    with Review.create(tmp_path / "big", protocol_path=protocol, db_url=db_url) as review:
        with review.store.transaction() as conn:
            search = conn.execute(
                t.searches.insert().values(source="S", imported_at=now())
            ).inserted_primary_key[0]
            conn.execute(
                t.records.insert(),
                [{"search_id": search, "position": i, "title": f"R{i}"} for i in range(1200)],
            )
            all_ids = [int(r) for r in conn.execute(sa.select(t.records.c.id)).scalars()]
        rows = [row(r, who, "include" if r % 7 else "exclude") for r in all_ids
                for who in ("Ann", "Ben")]
        assert review.record_decisions(rows) == 2400
        rows = [row(r, who, "include", "full_text") for r in all_ids if r % 7
                for who in ("Ann", "Ben")]
        assert review.record_decisions(rows) == len(rows)
        counts = review.screening_snapshot().counts()
        assert counts["screened"] == 1200
        assert counts["included"] == sum(1 for r in all_ids if r % 7)


# -- decision files as spreadsheets and other tools save them, and bad ones -------------

HEADER = ("record_id", "reviewer", "decision", "stage", "reasons", "note")


def _table(review: Review, sep: str, note: str = "café au lait") -> str:
    a, b = ids(review)[:2]
    lines = [sep.join(HEADER), sep.join((str(a), "Ann", "include", "", "", note)),
             sep.join((str(b), "Ben", "exclude", "", "", ""))]
    return "\r\n".join(lines) + "\r\n"


def _notes(review: Review) -> dict[int, str]:
    with review.store.reading() as conn:
        return {d.record_id: d.note for d in decision_rows(conn)}


@pytest.mark.parametrize(
    ("sep", "encoding"),
    [
        (",", "cp1252"),  # Excel "CSV" on Windows
        (",", "utf-8-sig"),  # Excel "CSV UTF-8"
        ("\t", "utf-16"),  # Excel "Unicode text": tab separated, UTF-16 with BOM
        (";", "utf-8"),  # a locale with a decimal comma
    ],
)
def test_decision_files_as_spreadsheets_save_them(
    review: Review, tmp_path: Path, sep: str, encoding: str
) -> None:
    file = tmp_path / "decisions.csv"
    file.write_bytes(_table(review, sep).encode(encoding))
    assert review.import_decisions(file, "Lead") == 2
    assert _notes(review)[ids(review)[0]] == "café au lait"
    assert [(r, who, d) for r, who, d, *_ in stored(review)] == [
        (ids(review)[0], "Ann", "include"), (ids(review)[1], "Ben", "exclude")]


def _zipped() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", "<row><c>record_id</c></row>" * 200)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "the file is empty"),
        (b"\r\n  \r\n", "the file is empty"),
        (b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8, "not a text file"),
        (_zipped(), "not a text file"),  # a workbook (.xlsx) renamed .csv
        ("record_id,reviewer,decision\n".encode("utf-16"), "no decisions"),
    ],
)
def test_bad_decision_files_are_one_line_and_write_nothing(
    review: Review, tmp_path: Path, content: bytes, message: str
) -> None:
    file = tmp_path / "decisions.csv"
    file.write_bytes(content)
    with pytest.raises(ScreeningError, match=message) as caught:
        review.import_decisions(file, "Lead")
    assert "\n" not in str(caught.value) and str(file) in str(caught.value)
    assert stored(review) == [] and audit_actions(review) == []


def test_a_missing_decisions_file_is_one_line(review: Review, tmp_path: Path) -> None:
    with pytest.raises(ScreeningError, match="cannot read the file"):
        review.import_decisions(tmp_path / "nowhere.csv", "Lead")
    assert stored(review) == []


def test_an_oversized_decisions_file_is_refused_before_reading(
    review: Review, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from scopewise.review import screening as module

    file = tmp_path / "decisions.csv"
    file.write_text(_table(review, ","))
    monkeypatch.setattr(module, "MAX_DECISIONS_FILE_BYTES", 64)
    with pytest.raises(ScreeningError, match="split it and import the parts"):
        review.import_decisions(file, "Lead")
    assert stored(review) == []


def test_hostile_text_in_a_note_is_kept_as_plain_text(review: Review, tmp_path: Path) -> None:
    hostile = '<script>alert("x")</script><img src=x onerror=alert(1)> \x1b[31mred'
    file = tmp_path / "decisions.csv"
    a = ids(review)[0]
    quoted = hostile.replace('"', '""')
    file.write_text(f'record_id,reviewer,decision,note\n{a},Ann,include,"{quoted}"\n')
    assert review.import_decisions(file, "Lead") == 1
    assert _notes(review)[a] == hostile


def test_a_long_file_with_one_bad_last_row_writes_nothing(review: Review, tmp_path: Path) -> None:
    a, b = ids(review)[:2]
    rows = [f"{(a, b)[i % 2]},{('Ann', 'Ben')[i % 3 % 2]},{('include', 'exclude')[i % 2]}"
            for i in range(20_000)]
    file = tmp_path / "decisions.csv"
    file.write_text("record_id,reviewer,decision\n" + "\n".join(rows) + "\n99999999,Ann,include\n")
    with pytest.raises(NotFound, match=r"decisions.csv:20002: record 99999999 does not exist"):
        review.import_decisions(file, "Lead")
    assert stored(review) == [] and audit_actions(review) == []
    file.write_text("record_id,reviewer,decision\n" + "\n".join(rows) + "\n")
    assert review.import_decisions(file, "Lead") == 20_000
    assert len(stored(review)) == 20_000


def test_a_decisions_file_made_by_hand_may_name_its_columns_loosely(
    review: Review, tmp_path: Path
) -> None:
    a = ids(review)[0]
    csv = tmp_path / "by-hand.csv"
    csv.write_text(f"Record ID,Reviewer,DECISION,Decided  at\n{a},Ann,include,2023-09-01\n")
    assert review.import_decisions(csv, "Lead") == 1
    assert stored(review) == [(a, "Ann", "include", "title_abstract", (), "screen")]
