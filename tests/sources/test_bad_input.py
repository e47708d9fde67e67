"""Bad input: each case gives one ImportFormatError line naming the file (and line)."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from scopewise.errors import ImportFormatError
from scopewise.sources import detect_format, read_records

RIS = (
    "TY  - JOUR\nID  - a1\nTI  - Peer support in mental health\nAU  - Smith, Jane\n"
    "PY  - 2020\nAB  - Café culture and recovery.\nER  - \n\n"
    "TY  - JOUR\nID  - a2\nTI  - Second record\nAU  - Doe, John\nPY  - 2019\nER  - \n"
)


def write(tmp_path: Path, name: str, data: bytes | str) -> Path:
    path = tmp_path / name
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


def one_line(error: pytest.ExceptionInfo[ImportFormatError]) -> str:
    message = str(error.value)
    assert "\n" not in message
    return message


def test_empty_file(tmp_path: Path) -> None:
    path = write(tmp_path, "empty.ris", "")
    with pytest.raises(ImportFormatError) as error:
        read_records(path)
    assert str(path) in one_line(error) and "empty" in one_line(error)


def test_whitespace_only_file_is_empty(tmp_path: Path) -> None:
    with pytest.raises(ImportFormatError, match="empty"):
        read_records(write(tmp_path, "blank.csv", "\ufeff \r\n\n"))


def test_ris_cut_off_mid_record_names_the_line(tmp_path: Path) -> None:
    cut = RIS[: RIS.index("PY  - 2019")]  # the second record loses its end
    path = write(tmp_path, "cut.ris", cut)
    with pytest.raises(ImportFormatError) as error:
        list(read_records(path))
    assert error.value.line == 9  # where the unfinished record starts
    assert f"{path}:9" in one_line(error) and "cut off" in one_line(error)


def test_ris_missing_er_between_records(tmp_path: Path) -> None:
    text = RIS.replace("ER  - \n\n", "\n", 1)
    with pytest.raises(ImportFormatError) as error:
        list(read_records(write(tmp_path, "noer.ris", text)))
    assert error.value.line == 8 and "ER" in one_line(error)


def test_unknown_ris_tags_are_kept_in_raw(tmp_path: Path) -> None:
    text = RIS.replace("PY  - 2020\n", "PY  - 2020\nZZ  - private note\nQ9  - one\nQ9  - two\n")
    first = next(read_records(write(tmp_path, "tags.ris", text)))
    assert first.raw["ZZ"] == ["private note"]
    assert first.raw["Q9"] == ["one", "two"]
    assert first.title == "Peer support in mental health"


def test_malformed_bibtex_refuses_the_whole_file_with_the_entry_line(tmp_path: Path) -> None:
    text = (
        "@article{good1,\n  title = {Fine},\n  year = {2020}\n}\n\n"
        "@article{bad,\n  title = {Unclosed brace,\n  year = {2021}\n}\n\n"
        "@article{good2,\n  title = {Also fine},\n}\n"
    )
    path = write(tmp_path, "refs.bib", text)
    records = read_records(path)
    with pytest.raises(ImportFormatError) as error:
        list(records)
    assert error.value.line == 6
    assert f"{path}:6" in one_line(error) and "nothing was imported" in one_line(error)


def test_bibtex_field_without_equals_is_malformed(tmp_path: Path) -> None:
    text = "@article{k1,\n  title = {Fine},\n  year 2020\n}\n"
    with pytest.raises(ImportFormatError) as error:
        list(read_records(write(tmp_path, "x.bib", text)))
    assert error.value.line == 1 and "name = value" in one_line(error)


def test_csv_without_title_column(tmp_path: Path) -> None:
    path = write(tmp_path, "x.csv", "id,name,summary\n1,a,b\n")
    with pytest.raises(ImportFormatError) as error:
        list(read_records(path))
    assert "no title column" in one_line(error) and "'summary'" in one_line(error)


@pytest.mark.parametrize(
    ("encoding", "bom"),
    [
        ("utf-16-le", codecs.BOM_UTF16_LE),
        ("utf-16-be", codecs.BOM_UTF16_BE),
        ("utf-16-le", b""),
        ("utf-16-be", b""),
        ("latin-1", b""),
        ("cp1252", b""),
        ("utf-8", codecs.BOM_UTF8),
        ("utf-8", b""),
    ],
)
def test_encodings_with_and_without_bom(tmp_path: Path, encoding: str, bom: bytes) -> None:
    text = RIS.replace("\n", "\r\n") if "16" in encoding else RIS
    path = write(tmp_path, "enc.ris", bom + text.encode(encoding))
    assert detect_format(path) == "ris"
    records = list(read_records(path))
    assert [r.source_record_id for r in records] == ["a1", "a2"]
    assert records[0].abstract == "Café culture and recovery."
    assert records[0].authors[0].family == "Smith"


def test_latin1_csv_with_accents(tmp_path: Path) -> None:
    path = write(tmp_path, "x.csv", "title,authors\nÉtude générale,Müller A\n".encode("latin-1"))
    record = next(read_records(path))
    assert record.title == "Étude générale" and record.authors[0].family == "Müller"


@pytest.mark.parametrize(
    "data",
    [
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 20,
        b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + bytes(range(255, -1, -1)) * 20,
        bytes((i * 7919) % 256 for i in range(8000)),
    ],
    ids=["png", "zip", "noise"],
)
def test_binary_named_ris(tmp_path: Path, data: bytes) -> None:
    path = write(tmp_path, "records.ris", data)
    with pytest.raises(ImportFormatError) as error:
        list(read_records(path))
    assert str(path) in one_line(error)
    assert ("binary" in one_line(error) or "not a readable" in one_line(error)
            or "zip package" in one_line(error))


@pytest.mark.parametrize(("name", "data", "kind"), [
    ("savedrecs.xls", bytes.fromhex("D0CF11E0A1B11AE1") + bytes(range(256)) * 8,
     "this is an Excel 97-2003 workbook (.xls) or a Word 97-2003 document (.doc), not text"),
    ("export.ris", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n" + bytes(range(256)) * 8, "this is a PDF"),
    ("exports.zip", b"PK\x03\x04\x14\x00" + bytes(range(256)) * 8, "this is a zip package"),
])
def test_office_files_given_by_mistake_are_named(
        tmp_path: Path, name: str, data: bytes, kind: str) -> None:
    # WoS offers "Excel" as an old .xls: before, it was only "not a text file"
    path = write(tmp_path, name, data)
    with pytest.raises(ImportFormatError) as error:
        list(read_records(path))
    assert kind in one_line(error) and "RIS, CSV or Excel (.xlsx)" in one_line(error)


def test_binary_with_explicit_format(tmp_path: Path) -> None:
    path = write(tmp_path, "records.ris", bytes(range(256)) * 10)
    with pytest.raises(ImportFormatError, match="binary"):
        read_records(path, format="ris")


def test_a_very_large_file_streams(tmp_path: Path) -> None:
    block = (
        "TY  - JOUR\nID  - {n}\nTI  - Generated record number {n} about peer support\n"
        "AU  - Author{n}, A\nPY  - 2001\nAB  - " + "An abstract sentence. " * 20 + "\nER  - \n"
    )
    path = tmp_path / "big.ris"
    with path.open("w", encoding="utf-8") as out:
        for n in range(8000):
            out.write(block.format(n=n))
    assert path.stat().st_size > 3_000_000
    count = 0
    last = None
    for count, record in enumerate(read_records(path), start=1):  # noqa: B007
        last = record
    assert count == 8000
    assert last is not None and last.source_record_id == "7999"


def test_markup_and_entities_cleaned_in_normalised_fields_only(tmp_path: Path) -> None:
    abstract = (
        "Background <script>alert('x')</script>of <i>peer</i> support &amp; "
        "recovery&nbsp;&lt;3 p &lt; 0.05 <b>bold</b>"
    )
    text = RIS.replace("AB  - Café culture and recovery.", f"AB  - {abstract}")
    record = next(read_records(write(tmp_path, "html.ris", text)))
    assert record.raw["AB"] == [abstract]
    assert "<script>" not in record.abstract and "alert" not in record.abstract
    assert record.abstract == "Background of peer support & recovery <3 p < 0.05 bold"


def test_sub_and_superscripts_join_their_word_as_pubmed_writes_it(tmp_path: Path) -> None:
    # Scopus writes CO<inf>2</inf>, publishers CO<sub>2</sub> and Crossref JATS or MathML;
    # PubMed writes CO2. Before, each tag became a space: "CO 2", "Ca 2+".
    for title in ("Soil CO<inf>2</inf> flux and Ca<sup>2+</sup> in <i>Pinus</i> stands",
                  "Soil CO<sub>2</sub> flux and Ca<jats:sup>2+</jats:sup> in "
                  "<jats:italic>Pinus</jats:italic> stands"):
        text = RIS.replace("TI  - Peer support in mental health", f"TI  - {title}")
        record = next(read_records(write(tmp_path, "sub.ris", text)))
        assert record.title == "Soil CO2 flux and Ca2+ in Pinus stands"
        assert record.raw["TI"] == [title]
    # a block tag still separates words, and so does a bold heading after a full stop
    text = RIS.replace("TI  - Peer support in mental health", "TI  - Peer<br/>support")
    text = text.replace("AB  - Café culture and recovery.",
                        "AB  - <b>Background:</b>Peer work grows.<b>Methods</b>We read.")
    record = next(read_records(write(tmp_path, "br.ris", text)))
    assert record.title == "Peer support"
    assert record.abstract == "Background: Peer work grows. Methods We read."


def test_mojibake_is_repaired_in_normalised_fields(tmp_path: Path) -> None:
    broken = "CafÃ© and naÃ¯ve"
    text = RIS.replace("TI  - Peer support in mental health", f"TI  - {broken}")
    record = next(read_records(write(tmp_path, "moji.ris", text)))
    assert record.title == "Café and naïve"
    assert record.raw["TI"] == [broken]


def test_unrecognised_text_file(tmp_path: Path) -> None:
    with pytest.raises(ImportFormatError, match="not recognised"):
        detect_format(write(tmp_path, "notes.txt", "Just some notes\nabout nothing\n"))


def test_truncated_xml(tmp_path: Path) -> None:
    text = '<?xml version="1.0"?>\n<xml><records><record><titles><title>A</title></titles>'
    path = write(tmp_path, "x.xml", text + "</record>\n<record><titles><title>B")
    with pytest.raises(ImportFormatError) as error:
        list(read_records(path))
    assert "cut off" in one_line(error) and error.value.line is not None


def test_truncated_wos(tmp_path: Path) -> None:
    text = "FN Clarivate Analytics Web of Science\nVR 1.0\nPT J\nAU Smith, J\nTI A title\nER\n\nPT J\nTI B\n"
    with pytest.raises(ImportFormatError) as error:
        list(read_records(write(tmp_path, "x.ciw", text)))
    assert error.value.line == 8


@pytest.mark.parametrize(
    "data",
    [
        codecs.BOM_UTF8 + "Café".encode(),
        "Café\r\nrecovery".encode("utf-16"),
        "Café\r\nrecovery\r\n".encode("utf-16-le"),
        "Café – recovery".encode("cp1252"),
        "Café".encode("latin-1") + b"\x81",  # not cp1252: Latin-1
        b"plain ascii\n" * 10_000,  # longer than the head
        b"plain ascii\n" * 10_000 + "é".encode(),  # not ASCII only after the head
        b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8,
    ],
)
def test_text_in_memory_is_decided_as_the_file_would_be(tmp_path: Path, data: bytes) -> None:
    from scopewise.sources.textfile import decode_text, detect_encoding

    path = write(tmp_path, "f.txt", data)
    encoding = detect_encoding(path)
    assert decode_text(data) == (None if encoding is None else data.decode(encoding))


def test_blank_bytes() -> None:
    from scopewise.sources.textfile import is_blank

    assert is_blank(b"") and is_blank(codecs.BOM_UTF8 + b" \r\n\t") and is_blank(b"\xff\xfe\x00")
    assert not is_blank(b" x ")
