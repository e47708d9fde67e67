"""Charting through the Review facade, on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest

from charting_project import charting_project
from scopewise.errors import ChartingError
from scopewise.review import Review


@pytest.fixture
def review(tmp_path: Path, db_url: str):
    folder = charting_project(tmp_path / "p", db_url)
    with Review.open(folder, db_url=db_url) as opened:
        yield opened


def test_only_included_sources_are_charted(review: Review) -> None:
    assert [s.record_id for s in review.sources_to_chart()] == [1, 3, 5, 7]
    with pytest.raises(ChartingError, match="record 2 is not included"):
        review.chart(2, {"study_design": "RCT"}, "Ann")


def test_values_are_checked_and_stored_in_one_shape(review: Review) -> None:
    saved = review.chart(
        1,
        {
            "category": "training; Recruitment",
            "study_design": "rct",
            "country": "England",
            "year": "2019",
            "participants": "1,5",
            "controlled": "Yes",
        },
        "Ann",
    )
    assert set(saved.changed) == {
        "category",
        "study_design",
        "country",
        "year",
        "participants",
        "controlled",
    }
    assert review.chart_values(1, "Ann") == {
        "category": ["Training", "Recruitment"],
        "study_design": "RCT",
        "country": "GBR",
        "year": 2019,
        "participants": 1.5,
        "controlled": True,
    }
    assert review.chart_values(1, "Ben") == {}


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"nope": "x"}, r"record 1: no charting field 'nope'"),
        (
            {"study_design": "cohort"},
            r"record 1: field 'study_design': value 'cohort' is not one of its choices; allowed: qualitative",
        ),
        ({"year": "20x1"}, r"field 'year': value '20x1' is not a year"),
        ({"participants": "many"}, r"field 'participants': value 'many' is not a number"),
        ({"controlled": "perhaps"}, r"not yes or no"),
        ({"country": "Atlantis"}, r"'Atlantis' is not a country"),
        ({"category": "Training; Cooking"}, r"'Training; Cooking' is not one of its choices"),
    ],
)
def test_bad_values_name_record_field_and_value_and_store_nothing(
    review: Review, values: dict[str, str], message: str
) -> None:
    with pytest.raises(ChartingError, match=message):
        review.chart(1, {"study_design": "RCT", **values}, "Ann")
    assert review.chart_values(1, "Ann") == {}


def test_reviewer_not_on_the_team_and_stakeholder_are_refused(review: Review) -> None:
    with pytest.raises(ChartingError, match="'Zed' is not on the review team"):
        review.chart(1, {"study_design": "RCT"}, "Zed")
    with pytest.raises(ChartingError, match="stakeholder"):
        review.chart(1, {"study_design": "RCT"}, "Stake")


def test_required_fields_on_a_complete_entry(review: Review) -> None:
    with pytest.raises(ChartingError, match=r"required field.*category"):
        review.chart(1, {"study_design": "RCT"}, "Ann", complete=True)
    review.chart(1, {"study_design": "RCT", "category": "Training"}, "Ann", complete=True)


def test_latest_value_counts_and_history_stays(review: Review) -> None:
    review.chart(3, {"study_design": "RCT"}, "Ann")
    review.chart(3, {"study_design": "review"}, "Ann")
    review.chart(3, {"study_design": None}, "Ann")
    assert "study_design" not in review.chart_values(3, "Ann")
    history = [h["value"] for h in review.chart_history(3) if h["field"] == "study_design"]
    assert history == ["RCT", "review", None]


def test_dual_charting_agreement_conflicts_and_resolution(review: Review) -> None:
    review.chart(1, {"study_design": "RCT", "category": "Training"}, "Ann")
    review.chart(1, {"study_design": "RCT", "category": "Training; Recruitment"}, "Ben")
    review.chart(3, {"study_design": "review"}, "Ann")
    final = {s.record_id: s.values for s in review.charted_sources()}
    assert final[1] == {"study_design": "RCT"}  # category differs: not final yet
    assert final[3] == {}  # waits for the second charter
    conflicts = review.chart_conflicts("Lead")
    assert [(c.record_id, c.field) for c in conflicts] == [(1, "category")]
    assert conflicts[0].values == {"Ann": ["Training"], "Ben": ["Training", "Recruitment"]}
    with pytest.raises(ChartingError, match="only a lead"):
        review.resolve_chart(1, "category", "Training", "Ann")
    review.resolve_chart(1, "category", "Training; Recruitment", "Lead")
    assert review.chart_conflicts("Lead") == []
    final = {s.record_id: s.values for s in review.charted_sources()}
    assert final[1]["category"] == ["Training", "Recruitment"]


def test_blinding_hides_conflicts_from_reviewers_who_did_not_chart(review: Review) -> None:
    review.chart(1, {"study_design": "RCT"}, "Ann")
    review.chart(1, {"study_design": "review"}, "Lead")
    assert review.chart_conflicts("Ben") == []
    assert len(review.chart_conflicts("Ann")) == 1
    with pytest.raises(ChartingError, match="blinding is on"):
        review.chart_conflicts()


def test_agreement_per_field(review: Review) -> None:
    for rid, (a, b) in {
        1: ("RCT", "RCT"),
        3: ("review", "review"),
        5: ("RCT", "qualitative"),
    }.items():
        review.chart(rid, {"study_design": a, "category": "Training", "controlled": "yes"}, "Ann")
        review.chart(
            rid,
            {"study_design": b, "category": "Training; Recruitment", "controlled": "yes"},
            "Ben",
        )
    by_field = {a.field: a for a in review.chart_agreement()}
    design = by_field["study_design"]
    assert (design.n, design.agreed) == (3, 2)
    assert design.percent == pytest.approx(200 / 3)
    # observed 2/3; Ann: RCT 2, review 1; Ben: RCT 1, review 1, qualitative 1
    expected = (2 / 3 - (2 * 1 + 1 * 1) / 9) / (1 - 3 / 9)
    assert design.kappa == pytest.approx(expected)
    assert by_field["category"].jaccard == pytest.approx(0.5)
    assert by_field["category"].kappa is None
    assert by_field["controlled"].percent == 100.0
    assert len(review.pilot_sources()) == 3


def test_evidence_map_and_summary(review: Review) -> None:
    for who in ("Ann", "Ben"):
        review.chart(1, {"study_design": "review", "category": "Training; Recruitment"}, who)
        review.chart(3, {"study_design": "RCT", "category": "Training"}, who)
        review.chart(5, {"study_design": "qualitative", "category": "Training"}, who)
    emap = review.evidence_map("category", "study_design")
    assert emap.columns == ("qualitative", "mixed methods", "service evaluation", "RCT", "review")
    assert emap.count("Training", "RCT") == 1
    assert emap.count("Recruitment", "review") == 1
    assert emap.cell("Supervision and support", "RCT").gap == "no_sources"
    by_design = review.evidence_map("category", "controlled", segment="study_design")
    assert by_design.rows == ("Training", "Supervision and support", "Recruitment")
    summary = {(c.field, c.value): c.count for c in review.chart_summary()}
    assert summary[("category", "Training")] == 3
    assert summary[("study_design", "review")] == 1
    assert summary[("study_design", "(not charted)")] == 1  # record 7
    results = review.charting_results()
    assert [s.record_id for s in results.sources][:1] == [1]  # the review first
    assert results.map is not None and results.map.row_field == "category"


def _pdf_with_text(path: Path, text: str) -> Path:
    """A one-page PDF whose page shows ``text`` in Helvetica (written by hand)."""
    stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    path.write_bytes(bytes(out))
    return path


def test_suggestions_read_the_attached_full_text(review: Review, tmp_path: Path) -> None:
    assert "study_design" not in review.chart_suggestions(7)
    pdf = _pdf_with_text(tmp_path / "paper.pdf", "Methods. We ran a randomised controlled trial.")
    review.attach_full_text(7, pdf, "Ann")
    found = review.chart_suggestions(7)["study_design"]
    assert found[0].value == "RCT"
    assert "randomised controlled trial" in found[0].evidence
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"%PDF-1.4\n garbage")
    review.attach_full_text(5, broken, "Ann")
    assert isinstance(review.chart_suggestions(5), dict)  # unreadable: no suggestion, no error


def test_charted_by_lists_a_reviewers_own_sources(review: Review) -> None:
    review.chart(1, {"study_design": "RCT"}, "Ann")
    review.chart(3, {"study_design": "review"}, "Ben")
    review.chart(5, {"study_design": "RCT"}, "Ann")
    review.chart(5, {"study_design": None}, "Ann")  # cleared again: nothing entered
    assert review.charted_by("Ann") == {1}
    assert review.charted_by("Ben") == {3}


def test_text_with_tabs_newlines_and_backslashes_round_trips(review: Review) -> None:
    text = "line one\tcol\nline two \\ back\\slash\r\n<b>bold</b> \\N"
    review.chart_many({1: {"key_findings": text}}, "Ann", replace=False)
    assert review.chart_values(1, "Ann")["key_findings"] == text.strip()


def test_no_map_of_gaps_before_anything_is_charted(review: Review, tmp_path: Path) -> None:
    assert review.charting_results().map is None
    coverage = review.map_coverage("category", "study_design")
    assert (coverage.included, coverage.mapped, coverage.no_value, coverage.charted) == (
        4, 0, 4, False)
    review.report(tmp_path / "out", "html")
    html = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert "No evidence map yet" in html and 'id="f-evidence_map"' not in html
    for who in ("Ann", "Ben"):
        review.chart(1, {"category": "Training", "study_design": "RCT"}, who)
    emap = review.charting_results().map
    assert emap is not None and (emap.n_mapped, emap.n_sources) == (1, 4)
    review.report(tmp_path / "again", "html")
    html = (tmp_path / "again" / "report.html").read_text(encoding="utf-8")
    assert "1 of 4 included sources are on the map" in html
