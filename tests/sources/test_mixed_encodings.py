"""Files that mix encodings: UTF-8 with stray Windows-1252 bytes is read whole, each
character as it was meant, and the import says so; UTF-16 with a fault is refused in
one line. Found by mutating the real exports in ../shared/data/formats: before, a
UTF-8 file with a BOM and one cp1252 dash deep inside ended the import in a traceback,
and one without a BOM was read wholly as cp1252, garbling every accented letter."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from cli_runner import run
from scopewise.errors import ImportFormatError
from scopewise.review import Review
from scopewise.sources import read_records
from scopewise.sources.textfile import _CHUNK, decide_decoding, decode_text

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "peer-support" / "protocol.toml"

FIRST = ("TY  - JOUR\nID  - a1\nTI  - Café culture and peer support\nAU  - Müller, Jörg\n"
         "PY  - 2020\nER  - \n\n")
SECOND_BYTES = (b"TY  - JOUR\nID  - a2\nTI  - Recovery \x96 a peer worker\x92s view\n"
                b"AB  - Na\xefve models \x97 revisited.\nPY  - 2019\nER  - \n")


def mixed(bom: bytes = b"") -> bytes:
    """UTF-8 records, then one pasted in as Windows-1252 (en dash, apostrophe,
    ï and em dash on lines 10 and 11)."""
    return bom + FIRST.encode("utf-8") + SECOND_BYTES


@pytest.mark.parametrize("bom", [b"", codecs.BOM_UTF8])
def test_utf8_with_stray_cp1252_bytes_reads_every_character(tmp_path: Path, bom: bytes) -> None:
    path = tmp_path / "mixed.ris"
    path.write_bytes(mixed(bom))
    first, second = list(read_records(path))
    assert first.title == "Café culture and peer support"
    assert first.authors[0].family == "Müller"
    assert second.title == "Recovery \u2013 a peer worker\u2019s view"
    assert second.abstract == "Na\u00efve models \u2014 revisited."
    decoding = decide_decoding(path)
    assert (decoding.stray, decoding.first_stray_line) == (4, 10)


def test_a_file_wholly_in_cp1252_is_still_read_as_cp1252(tmp_path: Path) -> None:
    path = tmp_path / "old.ris"
    path.write_bytes(FIRST.encode("cp1252") + SECOND_BYTES)
    first, second = list(read_records(path))
    assert first.title == "Café culture and peer support"
    assert second.abstract == "Na\u00efve models \u2014 revisited."
    decoding = decide_decoding(path)
    assert decoding.encoding == "cp1252" and decoding.stray == 0


def test_stray_bytes_across_the_chunk_boundary(tmp_path: Path) -> None:
    """A UTF-8 letter cut by the scan's chunk boundary is one letter, and a stray byte
    right after it is one byte."""
    filler = "TY  - JOUR\nTI  - " + "x" * (_CHUNK - 18) + "é\x00"
    data = filler.encode("utf-8").replace(b"\x00", b"\x97") + b"\nER  - \n"
    assert data[_CHUNK - 1:_CHUNK + 1] == "é".encode()  # the letter straddles the boundary
    path = tmp_path / "long.ris"
    path.write_bytes(data)
    decoding = decide_decoding(path)
    assert (decoding.stray, decoding.first_stray_line) == (1, 2)
    (record,) = list(read_records(path))
    assert record.title.endswith("xé\u2014")


def test_text_in_memory_is_read_the_same_way(tmp_path: Path) -> None:
    path = tmp_path / "mixed.ris"
    path.write_bytes(mixed())
    text = decode_text(mixed())
    assert text is not None and "Müller" in text and "peer worker\u2019s" in text
    with path.open(encoding="utf-8", errors=decide_decoding(path).errors) as handle:
        assert handle.read() == text


@pytest.mark.parametrize("data", [
    codecs.BOM_UTF16_LE + "TY  - JOUR\r\nTI  - Café\r\nER  - \r\n".encode("utf-16-le") + b"\x00\xd8",
    codecs.BOM_UTF16_LE + "TY  - JOUR\r\nTI  - Café\r\nER  - \r\n".encode("utf-16-le") + b"A",
])
def test_utf16_with_a_fault_is_refused_in_one_line(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "broken16.ris"
    path.write_bytes(data)
    with pytest.raises(ImportFormatError) as error:
        list(read_records(path, format="ris"))
    message = str(error.value)
    assert "\n" not in message and "UTF-16" in message and "save the file as UTF-8" in message


@pytest.fixture
def folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    """A project made from the example protocol."""
    made = tmp_path / "review"
    assert run(["init", str(made), "--protocol", str(EXAMPLE)], capsys)[0] == 0
    return made


def test_the_import_says_what_was_read_as_cp1252_and_keeps_it(
    folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "mixed.ris"
    path.write_bytes(mixed(codecs.BOM_UTF8))
    code, out, err = run(["import", str(folder), str(path), "--source", "CINAHL"], capsys)
    assert code == 0, err
    assert "Imported 2 records" in out
    assert "4 bytes were not UTF-8 and were read as Windows-1252" in err
    assert "line 10" in err
    with Review.open(folder) as review:
        (search,) = review.searches()
        assert any("Windows-1252" in line for line in review.import_warnings(search.id))


def test_a_faulty_utf16_import_stores_nothing(
    folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "broken16.ris"
    path.write_bytes(codecs.BOM_UTF16_LE + "TY  - JOUR\r\nTI  - A\r\nER  - \r\n".encode("utf-16-le")
                     + b"\x00\xd8")
    code, _out, err = run(["import", str(folder), str(path), "--source", "CINAHL"], capsys)
    assert code != 0 and "UTF-16" in err and "Traceback" not in err
    with Review.open(folder) as review:
        assert review.searches() == []
