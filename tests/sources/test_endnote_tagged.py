"""EndNote tagged text (.enw): fields, continuations, record breaks and bad input."""

from __future__ import annotations

from pathlib import Path

import pytest

from scopewise.errors import ImportFormatError
from scopewise.review import Review
from scopewise.sources import detect_format, read_records
from source_files import write

ENW = """%0 Journal Article
%T Peer support workers in mental health services:
a scoping review
%A O'Brien, Mary Anne
%A Li, Wei
%J Journal of Mental Health
%V 28
%N 2
%P 101-110
%D 2019
%8 2019/03/04
%@ 0963-8237
%R 10.1000/PEER.2019.01
%M 31234567
%U https://doi.org/10.1000/PEER.2019.01
%K peer support
recovery
%X Peer support is growing.
It is studied here.
%G English

%0 Book Section
%T Training peer workers
%E Garcia, Ana
%B Handbook of peer support
%D 2021
%P 33-50
%@ 978-0-19-000000-2
%0 Conference Proceedings
%T <script>alert(1)</script>Supervision of peer workers
%A Kim, S.
%B International Peer Support Conference
%D 2022
"""


def test_fields_land_where_a_reviewer_expects(tmp_path: Path) -> None:
    path = write(tmp_path, "scholar.enw", ENW)
    assert detect_format(path) == "endnote-tagged"
    article, section, paper = read_records(path)
    assert article.title == "Peer support workers in mental health services: a scoping review"
    assert [(a.family, a.given) for a in article.authors] == [("O'Brien", "Mary Anne"),
                                                                ("Li", "Wei")]
    assert (article.journal, article.volume, article.issue, article.pages, article.year) == (
        "Journal of Mental Health", "28", "2", "101-110", 2019)
    assert article.doi == "10.1000/peer.2019.01" and article.issn == "0963-8237"
    assert article.abstract == "Peer support is growing. It is studied here."
    assert set(article.keywords) == {"peer support", "recovery"}
    assert article.publication_type == "journal article" and article.language == "English"
    assert article.raw["%A"] == ["O'Brien, Mary Anne", "Li, Wei"]
    # a book section: its book is the venue, its editor stands in for absent authors
    assert section.journal == "Handbook of peer support" and section.pages == "33-50"
    assert section.authors[0].family == "Garcia" and section.isbn.startswith("978")
    # a record that follows another without a blank line is still its own record
    assert paper.publication_type == "conference proceedings" and paper.year == 2022
    assert "<script>" not in paper.title and paper.title.endswith("Supervision of peer workers")


def test_windows_file_in_cp1252_with_crlf(tmp_path: Path) -> None:
    text = ENW.replace("O'Brien", "Ó Briain").replace("\n", "\r\n")
    path = write(tmp_path, "export.enw", text, encoding="cp1252")
    records = list(read_records(path))
    assert len(records) == 3 and records[0].authors[0].family == "Ó Briain"
    assert records[0].pages == "101-110"


@pytest.mark.parametrize(("text", "message"), [
    ("%0 Journal Article\n%T A\n\nstray words\n%T B\n", ":4: this line is neither an EndNote tag"),
    ("%0 Journal Article\n%T A\n\n%T B without a type\n%0 Journal Article\n",
     None),  # a record may lack %0 after the first: it is read, its type taken from below
])
def test_lines_outside_a_record(tmp_path: Path, text: str, message: str | None) -> None:
    path = write(tmp_path, "bad.enw", text)
    if message is None:
        assert [r.title for r in read_records(path)] == ["A", "B without a type"]
        return
    with pytest.raises(ImportFormatError) as error:
        list(read_records(path))
    assert message in str(error.value)


def test_an_import_with_a_bad_line_lands_nothing(tmp_path: Path) -> None:
    good = "%0 Journal Article\n%T First\n%D 2019\n\n"
    path = write(tmp_path, "half.enw", good * 30 + "this is not a tag\n")
    protocol = Path(__file__).resolve().parents[2] / "examples" / "peer-support" / "protocol.toml"
    with Review.create(tmp_path / "project", protocol_path=protocol) as review:
        with pytest.raises(ImportFormatError):
            review.import_file(path, source="Google Scholar")
        assert review.searches() == []


def test_a_percent_sign_line_is_not_mistaken_for_this_format(tmp_path: Path) -> None:
    path = write(tmp_path, "notes.txt", "%A note someone wrote\nplain text after it\n")
    with pytest.raises(ImportFormatError):
        detect_format(path)
