"""The hand-written XLSX writer: what openpyxl reads back is what was written."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook

from scopewise.review.sheet_xlsx import MAX_CELL_CHARS, CellTooLong, unescape_cell, write_xlsx

AWKWARD = [
    "=SUM(A1:A9)",
    "<script>alert('x')</script> & \"quotes\"",
    "  leading and trailing spaces  ",
    "tab\there, new\nline, carriage\rreturn",
    "bell\x07 and vertical\x0btab",
    "a literal _x0041_ stays as typed",
    "emoji 🙂, Ünïcödé, 漢字",
    "]]> end of CDATA",
]


def _read(path: Path) -> list[tuple[object, ...]]:
    """The cells as a reader that decodes Excel's escapes sees them (the import does)."""
    return [
        tuple(unescape_cell(v) if isinstance(v, str) else v for v in row)
        for row in load_workbook(path).active.iter_rows(values_only=True)
    ]


def test_every_character_survives_and_formulas_stay_text(tmp_path: Path) -> None:
    path = write_xlsx(
        tmp_path / "s.xlsx", ["record_id", "value", "empty", "last"], [
            [str(i), text, "", "x"] for i, text in enumerate(AWKWARD, start=1)
        ], sheet_name="charting"
    )
    rows = _read(path)
    assert rows[0] == ("record_id", "value", "empty", "last")
    assert [r[1] for r in rows[1:]] == AWKWARD
    # an empty cell stays empty and the columns after it keep their place
    assert all(r[2] is None and r[3] == "x" for r in rows[1:])
    book = load_workbook(path)
    assert book.sheetnames == ["charting"]
    sheet = book.active
    assert sheet["B2"].data_type == "s" and sheet["B2"].value == "=SUM(A1:A9)"
    assert sheet.freeze_panes == "A2"
    assert sheet["A1"].font.b is True
    # columns are as wide as their text, within reason
    assert sheet.column_dimensions["A"].width < sheet.column_dimensions["B"].width <= 60


def test_unescape_decodes_what_excel_writes() -> None:
    assert unescape_cell("line_x000D_end") == "line\rend"
    assert unescape_cell("_x005F_x0041_") == "_x0041_"
    assert unescape_cell("no escapes_x12") == "no escapes_x12"


def test_many_columns_are_lettered_past_z(tmp_path: Path) -> None:
    header = [f"c{i}" for i in range(60)]
    path = write_xlsx(tmp_path / "wide.xlsx", header, [[str(i) for i in range(60)]])
    sheet = load_workbook(path).active
    assert sheet["BH1"].value == "c59" and sheet["BH2"].value == "59"
    assert sheet.max_column == 60 and sheet.max_row == 2


def test_a_cell_too_long_for_excel_is_refused_and_nothing_is_written(tmp_path: Path) -> None:
    path = tmp_path / "long.xlsx"
    with pytest.raises(CellTooLong, match=r"row 3, column 'notes': 32,768 characters"):
        write_xlsx(path, ["id", "notes"], [["1", "ok"], ["2", "n" * (MAX_CELL_CHARS + 1)]])
    assert not path.exists()
    assert list(tmp_path.iterdir()) == []


def test_an_existing_file_is_replaced_whole(tmp_path: Path) -> None:
    path = tmp_path / "s.xlsx"
    path.write_bytes(b"old content")
    write_xlsx(path, ["a"], [["1"]])
    assert zipfile.is_zipfile(path)
    assert _read(path) == [("a",), ("1",)]
