"""A report of a charted project: characteristics, counts, the evidence map, findings."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from charting_project import charting_project
from scopewise.review import Review

VALUES = {
    1: (["Training"], "qualitative", "GBR", "Peers <b>felt</b> valued."),
    3: (["Recruitment"], "review", "USA", "Hiring took long."),
    5: (["Training", "Recruitment"], "RCT", "GBR", ""),
    7: (["Supervision and support"], "qualitative", "AUS", "Supervision helped."),
}


def charted(folder: Path, db_url: str) -> Path:
    charting_project(folder, db_url)
    with Review.open(folder, db_url=db_url) as review:
        for rid, (category, design, country, findings) in VALUES.items():
            for who in ("Ann", "Ben"):
                review.chart(rid, {"category": category, "study_design": design,
                                   "country": country, "year": 2021,
                                   "key_findings": findings}, who)
    return folder


def test_charted_report_has_map_findings_and_checklist(tmp_path: Path, db_url: str) -> None:
    import docx

    folder = charted(tmp_path / "proj", db_url)
    out = tmp_path / "out"
    with Review.open(folder, db_url=db_url) as review:
        results = review.charting_results()
        written = review.report(out, "json,html,docx,md")
    assert not written.skipped
    document = docx.Document(str(out / "report.docx"))
    # flow diagram, evidence map, per year, per country: all images in the Word file
    assert len(document.inline_shapes) == 4
    assert (out / "figures" / "evidence_map.png").read_bytes()[:4] == b"\x89PNG"
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "Evidence map" in html and 'id="f-evidence_map"' in html
    assert "Peers &lt;b&gt;felt&lt;/b&gt; valued." in html and "<b>felt" not in html
    # findings follow the theme order of the form, each source cited
    order = [html.index(f"{theme} (") for theme in ("Training", "Supervision and support",
                                                   "Recruitment")]
    assert order == sorted(order)
    assert "Training (2 sources)" in html and "Recruitment (2 sources)" in html
    # the protocol's order and the charters' agreement in the form's words, not its keys
    assert "sources are ordered by Study design (review first), then Category." in html
    data = json.loads((out / "report.json").read_text(encoding="utf-8"))
    counts = {(r["Field"], r["Value"]): r["Sources"] for r in data["tables"]["field_counts"]["rows"]}
    expected = {(c.field, c.value): c.count for c in results.field_counts}
    assert counts == expected
    assert {"characteristics", "evidence_map", "per_country", "charting_form"} <= set(data["tables"])
    assert data["tables"]["evidence_map"]["columns"][0] == "Category \\ Study design"
    agreed = {r["Field"] for r in data["tables"]["charting_agreement"]["rows"]}
    assert "Study design" in agreed and "study_design" not in agreed
    with (out / "checklist.csv").open(encoding="utf-8") as handle:
        status = {r["item"]: r["status"] for r in csv.DictReader(handle)}
    assert status["Item 15"] == status["Item 18"] == status["Item 11"] == "reported"
