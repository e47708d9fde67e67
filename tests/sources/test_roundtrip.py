"""Writers: what is written reads back; RIS keeps every tag through raw."""

from __future__ import annotations

from pathlib import Path

import pytest

from scopewise.records import Author, Record
from scopewise.sources import read_records, write_records

RIS = (
    "TY  - JOUR\nID  - a1\nTI  - Peer support in mental health\nAU  - Smith, Jane\n"
    "AU  - Doe, John\nPY  - 2020\nZZ  - unknown tag\nKW  - peer\nKW  - recovery\n"
    "N1  - first note\nN1  - second note\nDO  - 10.1000/ABC\nER  - \n\n"
    "TY  - CHAP\nTI  - Second\nER  - \n"
)

MADE = Record(
    title="Made by hand", abstract="Text with {braces} & ampersand",
    authors=(Author("Ng", "Li"), Author("", literal="WHO Collaborators")), year=2011,
    journal="Journal", volume="3", issue="2", pages="10-12", doi="10.1000/made",
    pmid="123", keywords=("a", "b"), source_record_id="m1",
)


def test_ris_round_trip_keeps_every_tag(tmp_path: Path) -> None:
    source = tmp_path / "in.ris"
    source.write_text(RIS, encoding="utf-8")
    records = list(read_records(source))
    out = tmp_path / "out.ris"
    assert write_records(out, records) == 2
    again = list(read_records(out))
    assert [dict(r.raw) for r in again] == [dict(r.raw) for r in records]
    assert again[0].raw["ZZ"] == ["unknown tag"]
    assert again[0].raw["N1"] == ["first note", "second note"]
    assert again == records


@pytest.mark.parametrize("suffix", [".ris", ".bib", ".csv", ".xlsx", ".json"])
def test_normalised_fields_survive_every_writer(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"out{suffix}"
    assert write_records(path, [MADE]) == 1
    (back,) = read_records(path)
    assert back.title == MADE.title
    assert back.year == 2011 and back.doi == "10.1000/made"
    assert back.authors[0].family == "Ng"
    assert back.pages == "10-12" and back.journal == "Journal"
    assert back.abstract == MADE.abstract


def test_bibtex_round_trip_keeps_fields(tmp_path: Path) -> None:
    source = tmp_path / "in.bib"
    source.write_text(
        "@article{k1,\n  title = {A {Title}},\n  custom_field = {kept},\n"
        "  note = {one},\n  note = {two},\n  year = 2001\n}\n", encoding="utf-8")
    (record,) = read_records(source)
    out = tmp_path / "out.bib"
    write_records(out, [record])
    (again,) = read_records(out)
    assert again.raw == record.raw
    assert again.raw["note"] == ["one", "two"] and again.title == "A Title"


def test_leading_columns_in_spreadsheets(tmp_path: Path) -> None:
    path = tmp_path / "out.csv"
    write_records(path, [(MADE, {"record_id": 7, "duplicate_group": "G1"})])
    header = path.read_text(encoding="utf-8-sig").splitlines()[0].split(",")
    assert header[:3] == ["record_id", "duplicate_group", "source_record_id"]
    assert "raw" not in header


def test_unknown_export_format(tmp_path: Path) -> None:
    from scopewise.errors import UsageError

    with pytest.raises(UsageError, match="pass --format"):
        write_records(tmp_path / "out.doc", [MADE])
