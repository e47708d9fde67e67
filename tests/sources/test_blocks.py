"""Reading RIS in blocks: any cut gives the same records and the same errors.

The fast import path cuts a file into blocks of whole records and may parse them in
worker processes. These tests cut tiny blocks (a few characters) so that every
record, line and even line end straddles a block boundary somewhere, and compare
with reading the file in one piece.
"""

from __future__ import annotations

import os
import threading
from operator import attrgetter
from pathlib import Path

import pytest

from scopewise.errors import ImportFormatError
from scopewise.records import Record
from scopewise.sources import SourceFile, read_records, ris
from scopewise.sources.blocks import parallel_values, records_from_blocks, worker_count

# Ovid numbering, a continuation line, a one-space tag, an unknown tag, a blank value,
# an "ER" look-alike that is not a tag line, and markup to clean.
RIS = (
    "1.\n"
    "TY  - JOUR\nID  - r1\nTI  - Peer support <i>in</i> mental health\nAU  - Smith, Jane\n"
    "AU  - Doe  John\nKW  - peer; support\n  recovery\nZZ  - custom\nPY  - 2016/09//\n"
    "ER  - \n\n2.\n"
    "TY - BOOK\nID - r2\nTI - A book &amp; more\nA2 - Editor, Ed\nN1 - \nER -\n"
    "TY  - JOUR\nID  - r3\nTI  - Third\nAB  - line one\nER  -x is not an end\nER  - \n"
)


def write(tmp_path: Path, name: str, text: str, newline: str = "\n") -> Path:
    path = tmp_path / name
    path.write_bytes(text.replace("\n", newline).encode("utf-8"))
    return path


def read_with_blocks(path: Path, size: int) -> list[Record]:
    source = SourceFile(path)
    return list(records_from_blocks(ris.ris_blocks(source, size), ris.parse_ris_block))


def test_the_fixture_reads_as_expected(tmp_path: Path) -> None:
    records = list(read_records(write(tmp_path, "a.ris", RIS)))
    assert [r.source_record_id for r in records] == ["r1", "r2", "r3"]
    first, book, third = records
    assert first.title == "Peer support in mental health"
    assert [a.family for a in first.authors] == ["Smith", "John"]
    assert first.keywords == ("peer", "support", "recovery")
    assert first.raw["ZZ"] == ["custom"] and first.year == 2016
    assert book.title == "A book & more" and book.authors[0].family == "Editor"
    assert third.raw["AB"] == ["line one\nER  -x is not an end"]


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
@pytest.mark.parametrize("size", [1, 2, 5, 13, 64, 1 << 20])
def test_any_block_size_gives_the_same_records(tmp_path: Path, size: int, newline: str) -> None:
    path = write(tmp_path, "a.ris", RIS * 3, newline)
    whole = list(read_records(path))
    assert len(whole) == 9
    assert read_with_blocks(path, size) == whole


def test_blocks_end_after_an_er_line_and_only_the_last_may_be_open(tmp_path: Path) -> None:
    path = write(tmp_path, "a.ris", RIS * 4)
    blocks = list(ris.ris_blocks(SourceFile(path), 40))
    assert "".join(b.text for b in blocks) == (RIS * 4)
    assert [b.index for b in blocks] == list(range(len(blocks)))
    assert [b.last for b in blocks] == [False] * (len(blocks) - 1) + [True]
    for block in blocks[:-1]:
        assert block.text.rstrip("\n").rsplit("\n", 1)[-1].startswith("ER ")


CUT = RIS + "TY  - JOUR\nID  - r4\nTI  - Cut off here"
NO_END = RIS + "TY  - JOUR\nID  - r4\n" + RIS


@pytest.mark.parametrize("text", [CUT, NO_END, "ER  - \n" + RIS, RIS + "\nER  - \n"])
@pytest.mark.parametrize("size", [1, 7, 30, 1 << 20])
def test_errors_name_the_same_line_and_record_for_any_cut(
    tmp_path: Path, text: str, size: int
) -> None:
    path = write(tmp_path, "bad.ris", text)
    with pytest.raises(ImportFormatError) as whole:
        list(read_records(path))
    with pytest.raises(ImportFormatError) as cut:
        read_with_blocks(path, size)
    assert str(cut.value) == str(whole.value)
    assert (cut.value.line, cut.value.record) == (whole.value.line, whole.value.record)


def test_the_cut_off_record_is_located(tmp_path: Path) -> None:
    path = write(tmp_path, "cut.ris", CUT)
    with pytest.raises(ImportFormatError) as error:
        read_with_blocks(path, 3)
    start = CUT.count("\n", 0, CUT.rindex("TY  - JOUR")) + 1
    assert (error.value.line, error.value.record) == (start, 4)
    assert f"{path}:{start} (record 4)" in str(error.value) and "cut off" in str(error.value)


def test_a_record_that_never_ends_is_refused_without_holding_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ris, "MAX_RECORD_CHARS", 200)
    text = "TY  - JOUR\n" + "".join(f"KW  - keyword {n}\n" for n in range(100)) + "ER  - \n"
    path = write(tmp_path, "long.ris", RIS + text)
    with pytest.raises(ImportFormatError) as error:
        read_with_blocks(path, 50)
    assert error.value.record == 4 and "has no 'ER  -' line within" in str(error.value)


def test_empty_of_records(tmp_path: Path) -> None:
    path = write(tmp_path, "none.ris", "TY  - \n".replace("TY", "T1"))
    with pytest.raises(ImportFormatError, match="no RIS records found"):
        read_with_blocks(path, 3)


# Workers find the function by name: a test module is not importable from a fresh one.
_title = attrgetter("source_record_id", "title")


def test_worker_processes_give_the_same_values_in_order(tmp_path: Path) -> None:
    path = write(tmp_path, "a.ris", RIS * 20)
    batches = list(parallel_values(
        ris.ris_blocks(SourceFile(path), 100), ris.parse_ris_block, _title, workers=2, ahead=2
    ))
    assert len(batches) > 5
    assert [v for batch in batches for v in batch] == [
        _title(r) for r in read_records(path)
    ]


def test_an_error_in_a_worker_reaches_the_caller_with_file_numbers(tmp_path: Path) -> None:
    text = RIS * 10 + CUT
    path = write(tmp_path, "cut.ris", text)
    with pytest.raises(ImportFormatError) as whole:
        list(read_records(path))
    values = parallel_values(
        ris.ris_blocks(SourceFile(path), 64), ris.parse_ris_block, _title, workers=2
    )
    with pytest.raises(ImportFormatError) as error:
        list(values)
    assert str(error.value) == str(whole.value) and error.value.record == 34


def test_workers_start_afresh_when_other_threads_run(tmp_path: Path) -> None:
    path = write(tmp_path, "a.ris", RIS * 4)
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        batches = list(parallel_values(
            ris.ris_blocks(SourceFile(path), 100), ris.parse_ris_block, _title, workers=2
        ))
    finally:
        stop.set()
        other.join()
    assert [v for batch in batches for v in batch] == [_title(r) for r in read_records(path)]


def test_worker_count_follows_the_cores_unless_set(monkeypatch: pytest.MonkeyPatch) -> None:
    import scopewise.sources.blocks as blocks

    monkeypatch.delenv("SCOPEWISE_IMPORT_WORKERS", raising=False)
    for cores, expected in ((1, 1), (2, 2), (16, 4)):
        monkeypatch.setattr(blocks.os, "cpu_count", lambda cores=cores: cores)
        assert worker_count() == expected
    monkeypatch.setenv("SCOPEWISE_IMPORT_WORKERS", "3")
    assert worker_count() == 3
    monkeypatch.setenv("SCOPEWISE_IMPORT_WORKERS", "auto")
    assert worker_count() == 4


def _die(record: Record) -> str:
    os._exit(3)  # a worker killed mid-file (e.g. by the out-of-memory killer)


def test_a_worker_that_dies_fails_the_import_instead_of_hanging(tmp_path: Path) -> None:
    path = write(tmp_path, "a.ris", RIS * 4)
    with pytest.raises(ImportFormatError, match="worker process"):
        list(
            parallel_values(
                ris.ris_blocks(SourceFile(path), 100), ris.parse_ris_block, _die, workers=2
            )
        )


def test_fast_builders_give_equal_values() -> None:
    from scopewise.records import RECORD_FIELDS, Author
    from scopewise.sources.building import new_author, new_record

    author = new_author("Lee", "A", "")
    assert author == Author("Lee", "A") and hash(author) == hash(Author("Lee", "A"))
    with pytest.raises(AttributeError):
        author.family = "x"  # type: ignore[misc]  # still frozen
    values = {name: f"v-{name}" for name in RECORD_FIELDS}
    values.update(authors=(author,), keywords=("k",), year=2001, raw={"TY": ["JOUR"]})
    assert new_record(*(values[n] for n in RECORD_FIELDS)) == Record(**values)
