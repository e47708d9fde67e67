"""CSV cells that stay text (scopewise.cells), and the files that use them: a value a
spreadsheet would run as a formula is written behind an apostrophe, and scopewise's own
files (decisions, charting sheets) read back exactly what was written."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from scopewise.cells import read_text_cell, text_cell
from scopewise.records import Record
from scopewise.review import Review
from scopewise.screening.decisions import parse_decisions_csv
from scopewise.sources import write_records
from small_protocol import TITLES, project_with_titles, small_protocol

HOSTILE = ['=HYPERLINK("http://x","y")', "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)",
           "\tTAB", "\rCR", "'quoted", "''=twice", "=", "-", "+", "'"]
PLAIN = ["Peer support", "", "-0.5", "+3", "12", "1e3", "a=b", " =lead space", "x'"]


@pytest.mark.parametrize("value", HOSTILE)
def test_a_formula_like_cell_is_kept_text_and_read_back(value: str) -> None:
    cell = text_cell(value)
    assert cell == "'" + value
    assert read_text_cell(str(cell)) == value


@pytest.mark.parametrize("value", PLAIN)
def test_other_cells_are_written_and_read_as_they_are(value: str) -> None:
    assert text_cell(value) == value
    assert read_text_cell(value) == value


def test_non_text_cells_are_left_alone() -> None:
    assert text_cell(7) == 7 and text_cell(None) is None


def test_the_records_export_keeps_a_hostile_title_text(tmp_path: Path) -> None:
    record = Record(title='=HYPERLINK("http://x","click")', abstract="-see +notes",
                    source_record_id="r1")
    path = tmp_path / "records.csv"
    write_records(path, [record])
    with path.open(encoding="utf-8-sig", newline="") as handle:
        (row,) = list(csv.DictReader(handle))
    assert row["title"] == '\'=HYPERLINK("http://x","click")'
    assert row["abstract"] == "'-see +notes"


def test_decision_notes_survive_export_and_import(tmp_path: Path) -> None:
    protocol = small_protocol("Cells", reviewers=("Ann",))
    folder = project_with_titles(tmp_path / "cells", protocol, TITLES)
    notes = {1: "=1+1", 2: "'quoted", 3: "-2 weeks", 4: "@home"}
    with Review.open(folder) as review:
        for rid, note in notes.items():
            review.decide(rid, "exclude", "Ann", reasons=("NOTPEER",), note=note)
        out = tmp_path / "decisions.csv"
        review.export_decisions(out)
    text = out.read_text(encoding="utf-8-sig")
    assert "'=1+1" in text and "''quoted" in text and "'-2 weeks" in text
    rows = parse_decisions_csv(text, str(out), "title_abstract")
    assert {r.record_id: r.note for r in rows} == notes


def test_records_exported_as_csv_import_with_the_titles_they_had(tmp_path: Path) -> None:
    from scopewise.sources import read_records

    # import trims whitespace around a field, so the tab and CR cases are left out here
    values = [v for v in HOSTILE + PLAIN if v and v == v.strip()]
    records = [Record(title=value, abstract=f"{value} in an abstract", source_record_id=f"r{i}")
               for i, value in enumerate(values)]
    path = tmp_path / "records.csv"
    write_records(path, records)
    back = list(read_records(path))
    assert [r.title for r in back] == [r.title for r in records]
    assert [r.abstract for r in back] == [r.abstract for r in records]


def test_a_csv_from_elsewhere_keeps_a_single_apostrophe_before_plain_text(tmp_path: Path) -> None:
    from scopewise.sources import read_records

    path = tmp_path / "elsewhere.csv"
    path.write_text("title,abstract\n'Tis the season,'=1+1\n", encoding="utf-8")
    (record,) = list(read_records(path))
    assert record.title == "'Tis the season"  # not one of scopewise's escapes: kept
    assert record.abstract == "=1+1"  # a spreadsheet shows this cell as =1+1 too
