"""Damaged files of the kinds a mutation run over scopewise's own exports turned up:
each is refused with one clear line (or read), never with a traceback. Before, a
workbook without a sheet or with a cut-off sheet ended the records import and the
charting import in IndexError or ParseError, a .docx whose archive Python's zipfile
cannot open ended the notes import in NotImplementedError or UnicodeDecodeError, and
a lone carriage return in a decisions CSV ended its import in csv.Error."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook

from consultation_project import write_docx
from scopewise.consultation import read_note
from scopewise.errors import ChartingError, ImportFormatError, ScreeningError
from scopewise.protocol import ChartingField, ChartingForm
from scopewise.review.chart_sheet import read_sheet
from scopewise.screening.decisions import parse_decisions_csv
from scopewise.sources import read_records

FORM = ChartingForm(fields=(
    ChartingField(name="study_design", type="single_choice", choices=("RCT", "review")),
))


def _rewrite(source: Path, target: Path, member: str, change: object) -> Path:
    """A copy of the zip ``source`` with ``member`` passed through ``change``."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        for info in old.infolist():
            data = old.read(info.filename)
            new.writestr(info, change(data) if info.filename == member else data)  # type: ignore[operator]
    return target


def _workbook(path: Path, header: list[str], rows: list[list[object]]) -> Path:
    book = Workbook()
    book.active.append(header)
    for row in rows:
        book.active.append(row)
    book.save(path)
    return path


def _damaged(good: Path, how: str) -> Path:
    if how == "no sheet":
        return _rewrite(good, good.with_name("no-sheet.xlsx"), "xl/workbook.xml",
                        lambda d: re.sub(rb"<sheets>.*</sheets>", b"<sheets/>", d))
    return _rewrite(good, good.with_name("cut.xlsx"), "xl/worksheets/sheet1.xml",
                    lambda d: d[: len(d) // 2])


@pytest.mark.parametrize(("how", "says"), [
    ("no sheet", "the workbook has no sheet"),
    ("cut sheet", "cannot read the workbook (ParseError)"),
])
def test_a_damaged_records_workbook_is_refused(tmp_path: Path, how: str, says: str) -> None:
    good = _workbook(tmp_path / "records.xlsx", ["title", "year"],
                     [[f"Peer support {i}", 2000 + i % 20] for i in range(300)])
    assert len(list(read_records(good))) == 300
    with pytest.raises(ImportFormatError) as caught:
        list(read_records(_damaged(good, how)))
    assert says in str(caught.value) and "\n" not in str(caught.value)


@pytest.mark.parametrize(("how", "says"), [
    ("no sheet", "the workbook has no sheet"),
    ("cut sheet", "cannot read the workbook (ParseError)"),
])
def test_a_damaged_charting_workbook_is_refused(tmp_path: Path, how: str, says: str) -> None:
    good = _workbook(tmp_path / "sheet.xlsx", ["record_id", "study_design"],
                     [[i, "RCT"] for i in range(1, 300)])
    assert len(read_sheet(good, FORM, set(range(1, 300)), set(range(1, 300)))) == 299
    bad = _damaged(good, how)
    with pytest.raises(ChartingError) as caught:
        read_sheet(bad, FORM, set(range(1, 300)), set(range(1, 300)))
    assert str(caught.value).startswith(str(bad)) and says in str(caught.value)


def _patch_central_directory(path: Path, offset: int, value: bytes) -> None:
    """Overwrite bytes of the first central-directory entry (after its signature)."""
    data = bytearray(path.read_bytes())
    at = data.index(b"PK\x01\x02")
    data[at + offset:at + offset + len(value)] = value
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("damage", ["zip version 12.0", "file name not UTF-8"])
def test_a_docx_zipfile_cannot_open_is_refused(tmp_path: Path, damage: str) -> None:
    path = write_docx(tmp_path / "notes.docx", ["Peer workers spoke of training."])
    assert "training" in read_note(path)
    if damage == "zip version 12.0":  # version needed to extract, at byte 6
        _patch_central_directory(path, 6, bytes([120, 0]))
    else:  # the UTF-8 flag (bit 11 at byte 8) over a name that is not UTF-8 (byte 46)
        _patch_central_directory(path, 8, bytes([0, 8]))
        _patch_central_directory(path, 46, b"\x8b")
    with pytest.raises(ImportFormatError) as caught:
        read_note(path)
    assert "not a readable Word .docx file" in str(caught.value)


def test_a_lone_carriage_return_in_a_decisions_csv(tmp_path: Path) -> None:
    text = "record_id,reviewer,decision,note\n1,Ann,include,first\r2,Ann,exclude,second\n"
    rows = parse_decisions_csv(text, "d.csv", "title_abstract")
    assert [(r.record_id, r.decision, r.note) for r in rows] == [
        (1, "include", "first"), (2, "exclude", "second")]
    with pytest.raises(ScreeningError, match=r"d\.csv:2: record_id 'x' is not a record number"):
        parse_decisions_csv("record_id,reviewer,decision\nx\r,Ann,include\n", "d.csv",
                            "title_abstract")
