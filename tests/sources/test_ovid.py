"""Ovid tagged exports (Embase, MEDLINE, PsycINFO through Ovid): hand-written files in
the layout Ovid writes; the fields land where a reviewer expects, and bad files are
refused whole with the line."""

from __future__ import annotations

from pathlib import Path

import pytest

from cli_runner import run
from scopewise.errors import ImportFormatError
from scopewise.review import Review
from scopewise.sources import detect_format, read_records
from source_files import write

OVID = """<1. >
VN  - Ovid Technologies
DB  - Embase
UI  - 640000001
TI  - Peer support workers in community mental health teams: a qualitative study.
SO  - Journal of Mental Health. 31(4) (pp 512-520), 2022. Date of Publication: August 2022.
AU  - Okafor N.
AU  - Lindqvist M.A.
IN  - (Okafor) School of Health Sciences, Leeds, United Kingdom
      (Lindqvist) Department of Psychiatry, Uppsala, Sweden
MH  - *peer group
MH  - mental health service
AB  - Background: Peer support workers bring lived experience to mental health teams.
      Methods: We interviewed 24 peer workers.
IS  - 0963-8237
DO  - http://dx.doi.org/10.1080/09638237.2022.0000001
LG  - English
PT  - Journal: Article
YR  - 2022

<2. >
VN  - Ovid Technologies
DB  - Ovid MEDLINE(R) ALL
UI  - 35000002
TI  - Supervision of peer support work: a survey of services.
SO  - Psychiatric Services. 73(2):150-157, 2022 Feb.
AU  - Brennan K
AU  - Tanaka Y
DO  - https://dx.doi.org/10.1176/appi.ps.000000002

<3. >
VN  - Ovid Technologies
DB  - APA PsycInfo
AN  - 2019-00001-001
TI  - Recovery narratives of peer workers.
SO  - Journal of Community Psychology. Vol.47(3), Apr 2019, pp. 321-332.
AU  - Mensah, Abena
"""


def test_the_three_databases_read_their_citation(tmp_path: Path) -> None:
    path = write(tmp_path, "ovid.txt", OVID)
    assert detect_format(path) == "ovid"
    embase, medline, psycinfo = read_records(path)

    assert embase.title.startswith("Peer support workers in community mental health")
    assert [(a.family, a.given) for a in embase.authors] == [("Okafor", "N."),
                                                              ("Lindqvist", "M.A.")]
    assert (embase.journal, embase.volume, embase.issue, embase.pages, embase.year) == (
        "Journal of Mental Health", "31", "4", "512-520", 2022)
    assert embase.doi == "10.1080/09638237.2022.0000001" and embase.issn == "0963-8237"
    assert embase.abstract.endswith("lived experience to mental health teams. Methods: "
                                    "We interviewed 24 peer workers.")
    assert embase.pmid == "" and embase.source_record_id == "640000001"  # Embase's own number
    assert embase.keywords == ("peer group", "mental health service")
    assert len(embase.raw["IN"]) == 2  # one affiliation a line

    assert medline.pmid == "35000002"  # UI is the PubMed ID in MEDLINE
    assert (medline.journal, medline.volume, medline.issue, medline.pages, medline.year) == (
        "Psychiatric Services", "73", "2", "150-157", 2022)
    assert medline.doi == "10.1176/appi.ps.000000002"

    assert (psycinfo.journal, psycinfo.volume, psycinfo.issue, psycinfo.pages,
            psycinfo.year) == ("Journal of Community Psychology", "47", "3", "321-332", 2019)
    assert psycinfo.source_record_id == "2019-00001-001" and psycinfo.pmid == ""
    assert psycinfo.authors[0].family == "Mensah"


def test_own_tags_win_over_the_source_line(tmp_path: Path) -> None:
    text = OVID.replace("YR  - 2022\n", "YR  - 2022\nJN  - J Ment Health\nVO  - 31\nPG  - 512\n",
                        1)
    embase = next(iter(read_records(write(tmp_path, "tags.txt", text))))
    assert (embase.journal, embase.pages, embase.issue) == ("J Ment Health", "512", "4")


def test_a_source_line_in_no_known_layout_leaves_the_citation_empty(tmp_path: Path) -> None:
    text = OVID.replace("SO  - Psychiatric Services. 73(2):150-157, 2022 Feb.",
                        "SO  - Conference programme, spring meeting")
    medline = list(read_records(write(tmp_path, "odd.txt", text)))[1]
    assert (medline.journal, medline.volume, medline.pages) == ("", "", "")
    assert medline.raw["SO"] == ["Conference programme, spring meeting"]


def test_records_without_numbered_lines_and_in_windows_encoding(tmp_path: Path) -> None:
    text = "\r\n".join(line for line in OVID.replace("Okafor", "Ökafor").splitlines()
                       if not line.startswith("<"))
    path = write(tmp_path, "ovid-cp1252.txt", text, "cp1252")
    assert detect_format(path) == "ovid"
    records = list(read_records(path))
    assert [r.source_record_id for r in records] == ["640000001", "35000002", "2019-00001-001"]
    assert records[0].authors[0].family == "Ökafor"


def test_the_search_history_above_the_records_is_skipped(tmp_path: Path) -> None:
    history = ("Database: Embase <1974 to 2022 August 11>\nSearch Strategy:\n" + "-" * 40 +
               "\n1     peer support.mp. (412)\n2     limit 1 to english language (398)\n"
               + "*" * 27 + "\n\n")
    path = write(tmp_path, "with-history.txt", history + OVID)
    assert detect_format(path) == "ovid"
    assert [r.source_record_id for r in read_records(path)] == [
        "640000001", "35000002", "2019-00001-001"]


def test_hostile_text_is_kept_raw_and_cleaned_in_fields(tmp_path: Path) -> None:
    text = OVID.replace("AB  - Background:", "AB  - <script>alert('x')</script>Background:")
    embase = next(iter(read_records(write(tmp_path, "html.txt", text))))
    assert "<script>" not in embase.abstract and "alert" not in embase.abstract
    assert embase.raw["AB"][0].startswith("<script>")


@pytest.mark.parametrize(("text", "line", "words"), [
    (OVID.replace("UI  - 35000002", "this line is not a tag"), 24, "neither an Ovid tag"),
    ("<1. >\n      an indented line first\nTI  - A title\n", 2, "indented line before any tag"),
    ("<1. >\n<2. >\n", None, "no Ovid records found"),
])
def test_a_bad_file_is_refused_with_its_line(tmp_path: Path, text: str, line: int | None,
                                             words: str) -> None:
    path = write(tmp_path, "bad.txt", text)
    with pytest.raises(ImportFormatError, match=words) as caught:
        list(read_records(path, format="ovid"))
    assert caught.value.line == line


def test_a_bad_record_imports_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "review"
    assert run(["init", str(folder)], capsys)[0] == 0
    bad = write(tmp_path, "embase.txt", OVID.replace("UI  - 35000002", "this line is not a tag"))
    code, _, err = run(["import", str(folder), str(bad), "--source", "Embase"], capsys)
    assert OVID.splitlines()[23] == "UI  - 35000002"
    assert code == 2 and f"{bad}:24" in err and err.count("\n") == 1
    with Review.open(folder) as review:
        assert review.status()["identified"] == 0 and review.searches() == []
    good = write(tmp_path, "embase-again.txt", OVID)
    code, out, _ = run(["import", str(folder), str(good), "--source", "Embase",
                        "--platform", "Ovid"], capsys)
    assert code == 0 and "3 records" in out and "(ovid)" in out
    with Review.open(folder) as review:
        assert review.status()["identified"] == 3
