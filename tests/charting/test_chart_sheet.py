"""The charting sheet round trip and its bad input, through the CLI, on both backends."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from charting_project import charting_project
from cli_runner import run
from scopewise.errors import ChartingError
from scopewise.review import Review


class Result:
    def __init__(self, code: int, out: str, err: str) -> None:
        self.exit_code, self.output = code, out + err


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]):
    def call(*args: str) -> Result:
        return Result(*run(list(args), capsys))

    return call


@pytest.fixture
def project(tmp_path: Path, db_url: str) -> tuple[Path, str]:
    return charting_project(tmp_path / "p", db_url), db_url


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def _write(
    path: Path,
    header: list[str],
    rows: list[list[str]],
    encoding: str = "utf-8",
    delimiter: str = ",",
) -> Path:
    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle, delimiter=delimiter)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def test_export_fill_import_round_trip_csv_and_xlsx(
    cli, project: tuple[Path, str], tmp_path: Path
) -> None:
    folder, url = project
    sheet = tmp_path / "sheet.csv"
    result = cli("chart", str(folder), "--export", str(sheet), "--suggest", "--db", url)
    assert result.exit_code == 0, result.output
    rows = _rows(sheet)
    assert [r["record_id"] for r in rows] == ["1", "3", "5", "7"]
    header = list(rows[0])
    assert header[:4] == ["record_id", "authors", "year", "title"]
    assert "suggested_category" in header and "suggested_study_design" in header
    assert rows[1]["suggested_category"] == "Training"  # "Training peer specialists..."
    fields = ["category", "study_design", "country", "participants", "controlled"]
    filled = _write(
        tmp_path / "filled.csv",
        ["record_id", "title", *fields],
        [
            ["1", "x", "Training; Recruitment", "RCT", "United Kingdom", "12", "yes"],
            ["3", "x", "Training", "review", "DE", "", "no"],
        ],
        encoding="cp1252",
        delimiter=";",
    )
    result = cli("chart", str(folder), "--import", str(filled), "--reviewer", "Ann", "--db", url)
    assert result.exit_code == 0, result.output
    with Review.open(folder, db_url=url) as review:
        assert review.chart_values(1, "Ann")["category"] == ["Training", "Recruitment"]
        assert review.chart_values(3, "Ann") == {
            "category": ["Training"],
            "study_design": "review",
            "country": "DEU",
            "controlled": False,
        }
    own = tmp_path / "ann.xlsx"
    assert (
        cli("chart", str(folder), "--export", str(own), "--reviewer", "Ann", "--db", url).exit_code
        == 0
    )
    from openpyxl import load_workbook

    cells = list(load_workbook(own).active.iter_rows(values_only=True))
    assert cells[1][4] == "Training; Recruitment" and cells[1][6] == "United Kingdom"
    # the workbook re-imports as Ben's values, giving agreement on every field
    assert (
        cli("chart", str(folder), "--import", str(own), "--reviewer", "Ben", "--db", url).exit_code
        == 0
    )
    with Review.open(folder, db_url=url) as review:
        final = {s.record_id: s.values for s in review.charted_sources()}
        assert final[1]["country"] == "GBR"
        assert review.chart_conflicts("Lead") == []
    # importing again replaces Ann's values; an empty cell clears; history kept
    again = _write(
        tmp_path / "again.csv", ["record_id", "study_design", "country"], [["3", "RCT", ""]]
    )
    assert (
        cli(
            "chart", str(folder), "--import", str(again), "--reviewer", "Ann", "--db", url
        ).exit_code
        == 0
    )
    with Review.open(folder, db_url=url) as review:
        assert review.chart_values(3, "Ann") == {"study_design": "RCT"}
        assert len(review.chart_history(3)) > 4


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "the file is empty"),
        (b"\x00\x01\x02binary\x00\xff" * 50, "not a text file"),
        (
            b"record_id,study_design\n1,RCT\n1,review\n",
            "filled.csv:3: record 1 appears twice (first on line 2)",
        ),
        (
            b"record_id,study_design\n9999,RCT\n",
            "filled.csv:2: record 9999 is not a record of this project",
        ),
        (
            b"record_id,study_design\n99999999999999999999,RCT\n",
            "filled.csv:2: record_id '99999999999999999999' is not a record number",
        ),
        (
            "record_id,study_design\n\u00b2,RCT\n".encode(),
            "filled.csv:2: record_id '\u00b2' is not a record number",
        ),
        (b"record_id,study_design\n2,RCT\n", "filled.csv:2: record 2 is not included"),
        (
            b"record_id,study_design\n1,RCT\n3,cohort\n",
            "filled.csv:3: record 3: field 'study_design': value 'cohort' is not one of its choices; allowed: qualitative; mixed methods",
        ),
        (b"record_id,colour\n1,red\n", "filled.csv:1: column 'colour' is not a field"),
        (b"title,study_design\nx,RCT\n", "no record_id column"),
        (b'record_id,key_findings\n1,<script>alert(1)</script>\n3,"a,"b\n', None),
    ],
)
def test_bad_sheets_are_refused_whole(
    cli, project: tuple[Path, str], tmp_path: Path, content: bytes, message: str | None
) -> None:
    folder, url = project
    path = tmp_path / "filled.csv"
    path.write_bytes(content)
    result = cli("chart", str(folder), "--import", str(path), "--reviewer", "Ann", "--db", url)
    with Review.open(folder, db_url=url) as review:
        if message is None:  # hostile text is kept as plain text
            assert result.exit_code == 0, result.output
            assert review.chart_values(1, "Ann")["key_findings"] == "<script>alert(1)</script>"
            return
        assert result.exit_code == 2
        assert message in result.output
        assert len(result.output.strip().splitlines()) == 1
        assert review.chart_values(1, "Ann") == {}


def test_map_in_every_format_with_segment_and_filter(
    cli, project: tuple[Path, str], tmp_path: Path
) -> None:
    folder, url = project
    with Review.open(folder, db_url=url) as review:
        for who in ("Ann", "Ben"):
            review.chart(
                1,
                {"category": "Training; Recruitment", "study_design": "review", "controlled": "no"},
                who,
            )
            review.chart(
                3, {"category": "Training", "study_design": "RCT", "controlled": "yes"}, who
            )
    out = tmp_path / "map.csv"
    assert (
        cli(
            "chart", str(folder), "--map", "category", "study_design", "-o", str(out), "--db", url
        ).exit_code
        == 0
    )
    with out.open(newline="") as handle:
        table = list(csv.reader(handle))
    assert table[0] == [
        "category",
        "qualitative",
        "mixed methods",
        "service evaluation",
        "RCT",
        "review",
    ]
    assert table[1] == ["Training", "0", "0", "0", "1", "1"]
    assert table[3] == ["Recruitment", "0", "0", "0", "0", "1"]
    import json

    js = tmp_path / "map.json"
    result = cli(
        "chart",
        str(folder),
        "--map",
        "category",
        "controlled",
        "-o",
        str(js),
        "--segment",
        "study_design",
        "--filter",
        "study_design=RCT",
        "--db",
        url,
    )
    assert result.exit_code == 0, result.output
    data = json.loads(js.read_text())
    assert data["n_sources"] == 1 and data["filters"] == {"study_design": "RCT"}
    cell = next(c for c in data["cells"] if c["row"] == "Training" and c["column"] == "yes")
    assert cell["count"] == 1 and cell["segments"] == {"RCT": 1}
    for suffix in (".svg", ".png"):
        figure = tmp_path / f"map{suffix}"
        assert (
            cli(
                "chart",
                str(folder),
                "--map",
                "category",
                "study_design",
                "-o",
                str(figure),
                "--segment",
                "controlled",
                "--db",
                url,
            ).exit_code
            == 0
        )
        assert figure.stat().st_size > 1000
    assert "<svg" in (tmp_path / "map.svg").read_text()
    bad = cli("chart", str(folder), "--map", "category", "nope", "-o", str(out), "--db", url)
    assert bad.exit_code == 2 and "no charting field 'nope'" in bad.output


def test_a_field_named_like_a_citation_column_round_trips(cli, tmp_path: Path) -> None:
    from charting_project import charting_protocol
    from small_protocol import TITLES, project_with_titles

    text = charting_protocol().replace(
        'name = "year"\ntype = "year"', 'name = "year"\ntype = "year"\nlabel = "Year"'
    )
    folder = project_with_titles(tmp_path / "y", text, TITLES)
    with Review.open(folder) as review:
        review.decide(1, "include", "Ann")
    sheet = tmp_path / "y.csv"
    assert cli("chart", str(folder), "--export", str(sheet)).exit_code == 0
    header = sheet.read_text(encoding="utf-8-sig").splitlines()[0].split(",")
    assert header.count("year") == 2 and header.index("title") == 3
    # one "year" column after the title is the field's; before it, the citation's
    filled = _write(
        tmp_path / "f.csv",
        ["record_id", "year", "title", "study_design", "year"],
        [["1", "1999", "t", "RCT", "2020"]],
    )
    assert cli("chart", str(folder), "--import", str(filled), "--reviewer", "Ann").exit_code == 0
    with Review.open(folder) as review:
        assert review.chart_values(1, "Ann") == {"study_design": "RCT", "year": 2020}
    only_field = _write(tmp_path / "g.csv", ["record_id", "year"], [["1", "2021"]])
    assert (
        cli("chart", str(folder), "--import", str(only_field), "--reviewer", "Ben").exit_code == 0
    )
    with Review.open(folder) as review:
        # without a title column, a single "year" is the field's
        assert review.chart_values(1, "Ben") == {"year": 2021}


def test_a_third_charter_is_refused_by_set_and_by_a_sheet(
    cli, project: tuple[Path, str], tmp_path: Path
) -> None:
    folder, url = project
    for who in ("Ann", "Ben"):
        result = cli("chart", str(folder), "--set", "1", "study_design", "RCT",
                     "--reviewer", who, "--db", url)
        assert result.exit_code == 0, result.output
    refused = cli("chart", str(folder), "--set", "1", "study_design", "review",
                  "--reviewer", "Lead", "--db", url)
    assert refused.exit_code != 0
    assert "record 1 already has its 2 charters" in refused.output
    sheet = _write(tmp_path / "lead.csv", ["record_id", "study_design"],
                   [["1", "review"], ["3", "RCT"]])
    refused = cli("chart", str(folder), "--import", str(sheet), "--reviewer", "Lead", "--db", url)
    assert refused.exit_code != 0 and "record 1 already has its 2 charters" in refused.output
    # a row that changes nothing on the full source does not stop the sheet
    blank = _write(tmp_path / "blank.csv", ["record_id", "study_design"], [["1", ""], ["3", "RCT"]])
    assert cli("chart", str(folder), "--import", str(blank), "--reviewer", "Lead",
               "--db", url).exit_code == 0
    with Review.open(folder, db_url=url) as review:
        assert review.chart_values(1, "Lead") == {} and review.chart_values(3, "Lead")
        assert review.chart_conflicts("Lead") == []
        assert review.sources_full_for("Lead") == {1} and review.sources_full_for("Ann") == set()
        # each charter still corrects their own values
        review.chart(1, {"study_design": "review"}, "Ann")
        coverage = review.map_coverage("category", "study_design")
        assert (coverage.included, coverage.mapped, coverage.conflict) == (4, 0, 1)


def test_a_formula_like_value_round_trips_through_a_csv_sheet(
    cli, project: tuple[Path, str], tmp_path: Path
) -> None:
    folder, url = project
    hostile = ['=HYPERLINK("http://x")', "'quoted", "-2 weeks of training"]
    with Review.open(folder, db_url=url) as review:
        for rid, text in zip((1, 3, 5), hostile, strict=True):
            review.chart(rid, {"key_findings": text, "participants": -1 if rid == 5 else 4},
                         "Ann")
    sheet = tmp_path / "ann.csv"
    result = cli("chart", str(folder), "--export", str(sheet), "--reviewer", "Ann", "--db", url)
    assert result.exit_code == 0, result.output
    written = {r["record_id"]: r for r in _rows(sheet)}
    # kept text for a spreadsheet; a number stays a number
    assert written["1"]["key_findings"] == '\'=HYPERLINK("http://x")'
    assert written["3"]["key_findings"] == "''quoted"
    assert written["5"]["key_findings"] == "'-2 weeks of training"
    assert written["5"]["participants"] == "-1"
    result = cli("chart", str(folder), "--import", str(sheet), "--reviewer", "Ben", "--db", url)
    assert result.exit_code == 0, result.output
    with Review.open(folder, db_url=url) as review:
        for rid, text in zip((1, 3, 5), hostile, strict=True):
            assert review.chart_values(rid, "Ben")["key_findings"] == text


@pytest.mark.parametrize("header", [
    "Record ID,Study design", "RECORD_ID,study design", "record_id,Study_Design",
    "record id,STUDY DESIGN",
])
def test_a_sheet_made_by_hand_may_name_its_columns_loosely(tmp_path: Path, header: str) -> None:
    """A team that builds its own sheet writes "Record ID" or a field's label ("Study
    design"); before, only the export's exact names were read."""
    from scopewise.protocol import ChartingField, ChartingForm
    from scopewise.review.chart_sheet import read_sheet

    form = ChartingForm(fields=(ChartingField(
        name="study_design", label="Study design", type="single_choice",
        choices=("RCT", "review")),))
    path = tmp_path / "mine.csv"
    path.write_text(f"{header}\n1,rct\n", encoding="utf-8")
    assert read_sheet(path, form, {1}, {1}) == {1: {"study_design": "RCT"}}
    path.write_text("record_id,design of study\n1,RCT\n", encoding="utf-8")
    with pytest.raises(ChartingError, match="column 'design of study' is not a field"):
        read_sheet(path, form, {1}, {1})


def test_a_formula_without_its_saved_result_is_refused_not_read_as_empty(
    cli, project: tuple[Path, str], tmp_path: Path
) -> None:
    import re
    import zipfile

    from openpyxl import Workbook

    folder, url = project
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["record_id", "study_design", "key_findings"])
    sheet.append([1, "RCT", '=CONCATENATE("peer ", "support")'])  # written by a script
    path = tmp_path / "formula.xlsx"
    book.save(path)
    result = cli("chart", str(folder), "--import", str(path), "--reviewer", "Ann", "--db", url)
    assert result.exit_code == 2
    assert "formula.xlsx:2: cell C2 holds the formula" in result.output
    assert "no saved result" in result.output and len(result.output.strip().splitlines()) == 1
    with Review.open(folder, db_url=url) as review:
        assert review.chart_values(1, "Ann") == {}
    # the same sheet as Excel saves it (the formula's result kept beside it) is read
    with zipfile.ZipFile(path) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    xml = parts["xl/worksheets/sheet1.xml"].decode("utf-8")
    xml, found = re.subn(r'<c r="C2"([^>]*)><f>(.*?)</f><v\s*/?>(?:</v>)?</c>',
                         r'<c r="C2" t="str"><f>\2</f><v>peer support</v></c>', xml)
    assert found == 1
    parts["xl/worksheets/sheet1.xml"] = xml.encode("utf-8")
    saved = tmp_path / "saved.xlsx"
    with zipfile.ZipFile(saved, "w") as archive:
        for name, content in parts.items():
            archive.writestr(name, content)
    result = cli("chart", str(folder), "--import", str(saved), "--reviewer", "Ann", "--db", url)
    assert result.exit_code == 0, result.output
    with Review.open(folder, db_url=url) as review:
        assert review.chart_values(1, "Ann")["key_findings"] == "peer support"


def test_a_workbook_that_fails_on_its_second_reading_closes_the_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The sheet is read twice (values, then formulas); when the second reading fails,
    the first workbook was left open."""
    import openpyxl
    from openpyxl import Workbook

    from scopewise.protocol import ChartingField, ChartingForm
    from scopewise.review.chart_sheet import read_sheet

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["record_id", "study_design"])
    sheet.append([1, "RCT"])
    path = tmp_path / "sheet.xlsx"
    book.save(path)
    opened: list[object] = []
    closed: list[object] = []
    real = openpyxl.load_workbook

    def load(*args: object, **kwargs: object) -> object:
        if opened:
            raise KeyError("damaged part")
        workbook = real(*args, **kwargs)  # type: ignore[arg-type]
        opened.append(workbook)
        original = workbook.close
        workbook.close = lambda: (closed.append(workbook), original())  # type: ignore[method-assign]
        return workbook

    monkeypatch.setattr(openpyxl, "load_workbook", load)
    form = ChartingForm(fields=(ChartingField(
        name="study_design", label="Study design", type="single_choice",
        choices=("RCT", "review")),))
    with pytest.raises(ChartingError, match=r"sheet\.xlsx: cannot read the workbook \(KeyError\)"):
        read_sheet(path, form, {1}, {1})
    assert len(opened) == 1 and closed == opened
