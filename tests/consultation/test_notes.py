"""Reading notes files: the formats taken, and every file refused in one line."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from consultation_project import write_docx
from scopewise.consultation import MAX_NOTE_BYTES, read_note
from scopewise.errors import ImportFormatError

HOSTILE = '<p onclick="x()">Hi</p>\n<script>alert("notes")</script>\n[bold]markup[/bold] & &amp;'


def test_txt_and_md_are_read_as_text(tmp_path: Path) -> None:
    txt = tmp_path / "s1.txt"
    txt.write_text("First line\r\nSecond line\r\n", encoding="utf-8")
    md = tmp_path / "s2.MD"
    md.write_text("# Session\n\n- point one\n", encoding="utf-8")
    assert read_note(txt) == "First line\nSecond line\n"
    assert read_note(md) == "# Session\n\n- point one\n"


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (codecs.BOM_UTF8 + "café notes".encode(), "café notes"),
        ("café notes".encode("utf-16"), "café notes"),
        ("café notes".encode("cp1252"), "café notes"),
        # UTF-8 with a Windows-1252 dash pasted in: both read as meant (before, the
        # whole note was read as cp1252: "cafÃ©")
        ("café notes ".encode() + b"\x96 peer workers\x92 view", "café notes \u2013 peer workers\u2019 view"),
        (codecs.BOM_UTF8 + "café ".encode() + b"\x96 notes", "café \u2013 notes"),
        # a byte cp1252 leaves undefined is kept as its Latin-1 character, not replaced
        (b"caf\xe9 \x81", "café \x81"),
    ],
)
def test_encodings(tmp_path: Path, data: bytes, expected: str) -> None:
    path = tmp_path / "n.txt"
    path.write_bytes(data)
    assert read_note(path) == expected


def test_docx_paragraphs_and_tables(tmp_path: Path) -> None:
    path = write_docx(tmp_path / "n.docx", ["Opening remarks", "Second point"],
                      [["question", "answer"]])
    text = read_note(path)
    assert text.splitlines() == ["Opening remarks", "Second point", "question\tanswer"]


def test_docx_reads_in_document_order_with_merged_and_nested_cells_once(
        tmp_path: Path) -> None:
    import docx

    document = docx.Document()
    document.add_paragraph("Before the table")
    table = document.add_table(rows=3, cols=3)
    for r, row in enumerate(table.rows):
        for c, cell in enumerate(row.cells):
            cell.text = f"r{r}c{c}"
    table.cell(0, 0).merge(table.cell(0, 1))  # a heading across two columns
    table.cell(0, 0).text = "Theme"
    table.cell(1, 2).merge(table.cell(2, 2))  # one note across two rows
    table.cell(1, 2).text = "spans rows"
    inner = table.cell(2, 0).add_table(rows=1, cols=2)
    inner.cell(0, 0).text = "nested a"
    inner.cell(0, 1).text = "nested b"
    document.add_paragraph("After the table")
    path = tmp_path / "interview.docx"
    document.save(str(path))
    # before, tables came after every paragraph, a merged cell once per column or row
    # it spans, and a table inside a cell not at all
    assert read_note(path).splitlines() == [
        "Before the table",
        "Theme\tr0c2",
        "r1c0\tr1c1\tspans rows",
        "r2c0 nested a\tnested b\tr2c1",
        "After the table",
    ]


def test_html_and_script_are_kept_as_plain_text(tmp_path: Path) -> None:
    txt = tmp_path / "n.txt"
    txt.write_text(HOSTILE, encoding="utf-8")
    assert read_note(txt) == HOSTILE
    docx_path = write_docx(tmp_path / "n.docx", HOSTILE.split("\n"))
    assert read_note(docx_path) == HOSTILE


def _refused(path: Path, needle: str) -> str:
    with pytest.raises(ImportFormatError) as caught:
        read_note(path)
    message = str(caught.value)
    assert message.startswith(str(path))
    assert needle in message
    assert "\n" not in message
    return message


@pytest.mark.parametrize("content", [b"", b"   \n\t\r\n"])
def test_empty_notes_are_refused(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "empty.txt"
    path.write_bytes(content)
    _refused(path, "empty")


def test_empty_docx_is_refused(tmp_path: Path) -> None:
    _refused(write_docx(tmp_path / "empty.docx", ["", "  "]), "empty")


def test_binary_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "photo.txt"
    path.write_bytes(bytes(range(256)) * 40)
    _refused(path, "binary")


def test_a_binary_file_named_docx_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "notes.docx"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(500))
    _refused(path, "Word .docx")


def test_a_zip_that_is_not_a_word_document_is_refused(tmp_path: Path) -> None:
    import zipfile

    path = tmp_path / "notes.docx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("hello.txt", "hi")
    _refused(path, "Word .docx")


def test_over_50_mb_is_refused_before_reading(tmp_path: Path) -> None:
    path = tmp_path / "huge.txt"
    with path.open("wb") as handle:  # sparse: no 50 MB written to disk
        handle.truncate(MAX_NOTE_BYTES + 1)
    _refused(path, "50 MB")


def test_exactly_50_mb_is_not_refused_for_its_size(tmp_path: Path) -> None:
    path = tmp_path / "limit.txt"
    with path.open("wb") as handle:
        handle.write(b"words ")
        handle.truncate(MAX_NOTE_BYTES)  # the NUL padding makes it binary, not too big
    message = _refused(path, "binary")
    assert "MB" not in message


@pytest.mark.parametrize("name", ["notes.pdf", "notes.rtf", "notes"])
def test_other_file_types_are_refused(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_text("some notes", encoding="utf-8")
    _refused(path, ".txt, .md, .docx")


def test_missing_file(tmp_path: Path) -> None:
    _refused(tmp_path / "absent.txt", "no such file")


def test_a_word_97_document_saved_as_txt_is_named(tmp_path: Path) -> None:
    path = tmp_path / "interview.txt"
    path.write_bytes(bytes.fromhex("D0CF11E0A1B11AE1") + bytes(range(256)) * 8)
    message = _refused(path, "Word 97-2003 document (.doc), not a text file")
    assert "save the notes as .txt, .md or .docx" in message
