"""Rendering without a database: diagram layout, SVG, PNG and HTML from plain values."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from scopewise.analysis.prisma import Flow
from scopewise.errors import ReportError, UsageError
from scopewise.protocol import parse_protocol
from scopewise.report import IncludedRecord, ReportData, SearchInfo, parse_formats, write_report
from scopewise.report.diagram import layout, to_svg, write_png
from scopewise.report.html import render_html
from scopewise.report.model import Para, Section
from scopewise.report.write import build

PROTOCOL = """
questions = ["Q?"]
[review]
title = "A review"
[pcc]
population = "P"
concept = "C"
context = "X"
[[criteria.inclusion]]
code = "IN"
text = "In"
[[criteria.exclusion]]
code = "OUT"
text = "Out"
"""


def flow(**changes: object) -> Flow:
    values: dict[str, object] = dict(
        sources={"PubMed & <Ovid>": 700, "Embase": 534},
        identified=1234,
        duplicates_removed=234,
        screened=1000,
        excluded_title_abstract=880,
        passed_title_abstract=110,
        open_title_abstract=10,
        sought=110,
        not_retrieved=3,
        awaiting_retrieval=0,
        assessed=107,
        excluded_full_text={"OUT": 60, "IN": 25},
        open_full_text=0,
        included=22,
    )
    values.update(changes)
    return Flow(**values)  # type: ignore[arg-type]


def test_svg_is_well_formed_and_shows_every_number_escaped() -> None:
    svg = to_svg(layout(flow()))
    root = ET.fromstring(svg)  # raises on malformed XML or unescaped '<' and '&'
    text = " ".join(t.text or "" for t in root.iter("{http://www.w3.org/2000/svg}text"))
    for number in (
        "1,234",
        "234",
        "1,000",
        "880",
        "110",
        "107",
        "22",
        "OUT (n = 60)",
        "IN (n = 25)",
    ):
        assert number in text
    assert "PubMed & <Ovid>" in text  # parsed back: it was escaped in the file
    assert "Still to decide: n = 10" in text


def test_boxes_do_not_overlap() -> None:
    boxes = [b for b in layout(flow()).boxes if b.kind != "phase"]
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            apart = a.x + a.w <= b.x or b.x + b.w <= a.x or a.y + a.h <= b.y or b.y + b.h <= a.y
            assert apart, (a.lines[0], b.lines[0])


def test_one_box_per_source_even_with_many_sources() -> None:
    sources = {f"Database {i}": 10 for i in range(7)}
    diagram = layout(flow(sources=sources, identified=70))
    assert sum(1 for b in diagram.boxes if b.kind == "source") == 7


def test_png_is_written(tmp_path: Path) -> None:
    path = tmp_path / "flow.png"
    write_png(layout(flow()), path, dpi=60)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def data(**changes: object) -> ReportData:
    values: dict[str, object] = dict(
        protocol=parse_protocol(PROTOCOL, "test"),
        flow=flow(),
        searches=(
            SearchInfo(1, "PubMed", "", 'a AND "b" <c>', "2024-01-02", "file", "x.ris", 700),
        ),
        included=(
            IncludedRecord(7, "<script>alert(1)</script>", ("Doe, J",), 2020, "J", "", "PubMed"),
        ),
    )
    values.update(changes)
    return ReportData(**values)  # type: ignore[arg-type]


def test_html_is_escaped_and_self_contained() -> None:
    html = render_html(build(data())[0])
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "a AND &quot;b&quot; &lt;c&gt;" in html
    assert not re.search(r"""(src|href)=["']https?:""", html)  # nothing fetched from outside
    assert "<svg" in html  # the diagram is inline


def test_extra_sections_plug_in() -> None:
    doc = build(data())[0]
    doc.sections.append(Section("extra", "Extra <section>", [Para("No search & <more>.")]))
    html = render_html(doc)
    assert 'id="extra"' in html and "No search &amp; &lt;more&gt;." in html


def test_formats_are_checked() -> None:
    assert parse_formats("html, JSON") == ("json", "html")
    assert parse_formats("docx,pdf,markdown") == ("docx", "pdf", "md")
    with pytest.raises(UsageError, match="unknown report format odt"):
        parse_formats("json,odt")


def test_output_path_that_is_a_file_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "file"
    target.write_text("x")
    with pytest.raises(ReportError, match="is a file"):
        write_report(data(), target, ["json"])


def test_records_left_by_an_accepted_stop_have_their_own_box() -> None:
    stopped = flow(screened=900, excluded_title_abstract=780, not_screened=100, stop_recall=0.95)
    diagram = layout(stopped)
    texts = [" ".join(box.lines) for box in diagram.boxes]
    box = next(t for t in texts if t.startswith("Records not screened"))
    assert "screening stopped by the prioritisation rule, estimated recall ≥ 95%" in box
    assert "(n = 100)" in box
    assert any("Records after duplicates removed (n = 1,000)" in t for t in texts)
    assert not any(t.startswith("Records not screened") for t in
                   (" ".join(b.lines) for b in layout(flow()).boxes))
    ET.fromstring(to_svg(diagram))


def test_nothing_included_prints_a_sentence_not_an_empty_table_in_every_format(
        tmp_path: Path) -> None:
    import json
    import zipfile

    empty = data(included=(), flow=flow(included=0))
    doc = build(empty)[0]
    text = doc.text()
    assert "No source of evidence has been included yet." in text
    assert "so none is counted per year" in text
    assert "No charted data yet." in text and "the included sources are listed" not in text
    assert "per_year" not in {f.key for f in doc.figures()}  # no bar chart of nothing
    written = write_report(empty, tmp_path / "report", ["md", "html", "json", "docx"])
    assert written
    md_text = (tmp_path / "report" / "report.md").read_text(encoding="utf-8")
    assert "No source of evidence has been included yet." in md_text
    assert "| Source | Title | Year | Journal | Found in |" not in md_text
    html = (tmp_path / "report" / "report.html").read_text(encoding="utf-8")
    assert 'id="t-included"' not in html and "has been included yet" in html
    with zipfile.ZipFile(tmp_path / "report" / "report.docx") as docx:
        assert "has been included yet" in docx.read("word/document.xml").decode("utf-8")
    # the JSON keeps the table, with no rows
    tables = json.loads((tmp_path / "report" / "report.json").read_text())["tables"]
    assert tables["included"]["rows"] == [] and tables["per_year"]["rows"] == []


def test_a_figure_the_report_no_longer_shows_is_removed(tmp_path: Path) -> None:
    out = tmp_path / "report"
    write_report(data(), out, ["md"])
    assert (out / "figures" / "per_year.png").exists()
    write_report(data(included=(), flow=flow(included=0)), out, ["md"])
    assert not (out / "figures" / "per_year.png").exists()
    assert (out / "figures" / "prisma.png").exists()


def test_a_review_in_progress_says_its_numbers_will_change() -> None:
    text = build(data(flow=flow(open_title_abstract=10, awaiting_retrieval=2,
                                open_full_text=0)))[0].text()
    assert ("Screening is still in progress (10 still to decide at title and abstract; 2 "
            "awaiting retrieval of the full text): these numbers will change.") in text
    done = build(data(flow=flow(open_title_abstract=0)))[0].text()
    assert "still in progress" not in done


def test_counts_in_the_report_carry_their_word_in_number() -> None:
    text = build(data())[0].text()
    assert "(s)" not in text  # "2 reviewers per record", not "2 reviewer(s)"
    assert "with 2 reviewers per record" in text or "with 1 reviewer per record" in text
