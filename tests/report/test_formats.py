"""The finished report in every format, from the fixture project (both backends)."""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

import pytest

from scopewise.review import Review

Project = tuple[Review, dict[str, int]]
SCRIPT_TITLE = "<script>alert('x')</script> Latent trajectories of PTSD"  # as in conftest
ALL = "json,svg,png,html,docx,pdf,md"
SECTIONS = (
    "Summary", "Introduction", "Context", "Methods", "Eligibility criteria",
    "Information sources and search", "Selection of sources of evidence", "Charting process",
    "Results", "Source overlap", "Characteristics of sources of evidence",
    "Sources per year and per country", "Discussion", "Limitations", "Implications",
    "Conclusion", "Funding", "References", "Appendix A: Search strategies",
    "Appendix B: Full-text exclusions", "Appendix C: Charting form",
    "Appendix D: PRISMA-ScR checklist",
)


def texts(out: Path) -> dict[str, str]:
    """The text of each written format, as a reader of that format gets it."""
    import docx
    from pypdf import PdfReader

    document = docx.Document(str(out / "report.docx"))
    word = [p.text for p in document.paragraphs]
    word += [c.text for t in document.tables for row in t.rows for c in row.cells]
    pdf = PdfReader(str(out / "report.pdf"))
    return {
        "html": (out / "report.html").read_text(encoding="utf-8"),
        "md": (out / "report.md").read_text(encoding="utf-8"),
        "docx": "\n".join(word),
        "pdf": "\n".join(page.extract_text() for page in pdf.pages),
    }


def test_every_format_holds_every_number_and_section(project: Project, tmp_path: Path) -> None:
    review, _ = project
    out = tmp_path / "out"
    written = review.report(out, ALL)
    assert not written.skipped
    assert {p.name for p in written} >= {"report.html", "report.docx", "report.pdf", "report.md",
                                         "report.json", "prisma.json", "checklist.csv"}
    prisma = json.loads((out / "prisma.json").read_text(encoding="utf-8"))
    assert set(prisma) >= {"identified", "sources", "duplicates_removed", "screened",
                           "excluded_title_abstract", "sought", "not_retrieved", "assessed",
                           "excluded_full_text", "included", "open", "complete"}
    flow = review.flow()
    numbers = {flow.identified, flow.duplicates_removed, flow.screened, flow.sought,
               flow.excluded_title_abstract, flow.not_retrieved, flow.assessed, flow.included}
    for fmt, text in texts(out).items():
        flat = " ".join(text.split())
        for title in SECTIONS:
            assert title in flat, (fmt, title)
        for number in range(1, 23):
            assert f"Item {number}" in flat, (fmt, number)
        assert "ptsd AND trajector*" in flat, fmt  # the full search string
        assert "No trajectory or clustering method" in flat, fmt  # reason label beside METHOD
        assert "TO BE WRITTEN" in flat, fmt  # the missing discussion, in plain sight
        for number in numbers:
            assert f"(n = {number})" in flat or f" {number} " in f" {flat} ", (fmt, number)
    data = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert data["prisma"] == prisma
    assert data["tables"]["flow"]["rows"][0] == {"Step": "Records identified", "Records": 9}
    assert {"searches", "criteria", "checklist", "overlap", "per_year"} <= set(data["tables"])


def test_checklist_has_22_items_in_order(project: Project, tmp_path: Path) -> None:
    review, _ = project
    review.report(tmp_path / "out", "json")
    with (tmp_path / "out" / "checklist.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["item"] for r in rows] == [f"Item {i}" for i in range(1, 23)]
    by = {r["item"]: r for r in rows}
    assert by["Item 22"]["status"] == "missing"  # no funding in the fixture protocol
    assert "MISSING" in by["Item 22"]["filled_by"]
    assert by["Item 14"]["status"] == "reported" and "9 identified" in by["Item 14"]["filled_by"]
    assert by["Item 12"]["status"] == "not applicable"
    assert all(r["where"] and r["asks"] for r in rows)


def test_docx_has_headings_tables_and_the_flow_diagram(project: Project, tmp_path: Path) -> None:
    import docx

    review, _ = project
    review.report(tmp_path / "out", "docx")
    document = docx.Document(str(tmp_path / "out" / "report.docx"))
    styles = {p.style.name for p in document.paragraphs}
    assert {"Heading 1", "Heading 2", "Title"} <= styles
    assert len(document.tables) >= 5
    assert len(document.inline_shapes) >= 1  # the flow diagram, as an image
    blob = document.inline_shapes[0]._inline.graphic.graphicData.pic.blipFill.blip.embed
    assert document.part.related_parts[blob].blob[:8] == b"\x89PNG\r\n\x1a\n"


def test_pdf_has_pages_text_and_bookmarks(project: Project, tmp_path: Path) -> None:
    from pypdf import PdfReader

    review, _ = project
    review.report(tmp_path / "out", "pdf")
    reader = PdfReader(str(tmp_path / "out" / "report.pdf"))
    assert len(reader.pages) >= 3
    first = reader.pages[0].extract_text()
    assert "Trajectories & <stress>: a fixture review" in " ".join(first.split())
    titles = [o.title for o in reader.outline if not isinstance(o, list)]
    assert "Results" in titles and "References" in titles


def test_record_text_is_escaped_in_html_and_markdown(project: Project, tmp_path: Path) -> None:
    review, _ = project
    review.report(tmp_path / "out", "html,md,json")
    html = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    md = (tmp_path / "out" / "report.md").read_text(encoding="utf-8")
    for text in (html, md):
        assert "<script>" not in text and "<stress>" not in text
        assert "&lt;script&gt;" in text
    assert "Which &lt;b&gt;trajectories&lt;/b&gt;" in html
    data = json.loads((tmp_path / "out" / "report.json").read_text(encoding="utf-8"))
    assert "<script>" in json.dumps(data["tables"], ensure_ascii=False)  # data stays data


def test_written_sections_replace_the_placeholders(project: Project, tmp_path: Path) -> None:
    review, _ = project
    text = tmp_path / "discussion.md"
    text.write_text("Trajectories were <mostly> stable.\n\nSecond paragraph.", encoding="utf-8")
    review.set_report_text("discussion", text)
    (review.path / "sections" / "conclusion.md").write_text("We conclude *this*.", "utf-8")
    review.report(tmp_path / "out", "html,md")
    html = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert "<p>Trajectories were &lt;mostly&gt; stable.</p>" in html
    assert "<p>Second paragraph.</p>" in html and "We conclude *this*." in html
    assert "No discussion text yet" not in html and "No limitations text yet" in html


def test_pdf_library_missing_is_one_line_and_the_rest_is_written(
    project: Project, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    review, _ = project
    monkeypatch.setitem(sys.modules, "fpdf", None)  # import fpdf -> ImportError
    monkeypatch.delitem(sys.modules, "scopewise.report.pdf", raising=False)
    written = review.report(tmp_path / "out", "html,pdf")
    assert "pdf" in written.skipped and "\n" not in written.skipped["pdf"]
    assert written.skipped["pdf"].startswith("PDF not written")
    assert (tmp_path / "out" / "report.html").exists()
    assert not (tmp_path / "out" / "report.pdf").exists()


def test_citation_styles(project: Project, tmp_path: Path) -> None:
    from scopewise.errors import ReportError
    from scopewise.report.references import format_references

    review, _ = project
    included = review.report_data().included
    apa = format_references(included, "apa")
    vancouver = format_references(included, "vancouver")
    assert len(apa.entries) == len(vancouver.entries) == len(included) >= 1
    assert apa.entries[0][1].startswith("Smith, J.")
    assert vancouver.numeric and vancouver.cites[included[0].id] == "[1]"
    with pytest.raises(ReportError, match="citation_style 'nope'"):
        format_references(included, "nope")
