"""The charting form changes mid-review and no stored value is lost."""

from __future__ import annotations

from pathlib import Path

import pytest

from charting_project import charting_project
from scopewise.errors import ChartingError, ProtocolError
from scopewise.review import Review


@pytest.fixture
def review(tmp_path: Path, db_url: str):
    folder = charting_project(tmp_path / "p", db_url)
    with Review.open(folder, db_url=db_url) as opened:
        yield opened


def test_add_rename_retire_keep_every_value(review: Review) -> None:
    review.chart(1, {"study_design": "qualitative", "category": "Training; Recruitment"}, "Ann")
    v1 = review.add_chart_choice("study_design", "case study", "Lead")
    review.chart(3, {"study_design": "case study"}, "Ann")
    v2 = review.rename_chart_choice("study_design", "qualitative", "qualitative research", "Lead")
    assert v2 == v1 + 1
    assert review.chart_values(1, "Ann")["study_design"] == "qualitative research"
    review.retire_chart_choice("category", "Recruitment", "Lead")
    with pytest.raises(ChartingError, match="retired choice"):
        review.chart(5, {"category": "Recruitment"}, "Ann")
    assert review.chart_values(1, "Ann")["category"] == ["Training", "Recruitment"]
    history = review.chart_history(1)
    assert any(h["retired"] for h in history if h["field"] == "category")
    review.retire_chart_field("participants", "Lead")
    with pytest.raises(ChartingError, match="retired"):
        review.chart(1, {"participants": 3}, "Ann")
    deviations = [d.note for d in review.deviations()]
    assert len(deviations) == 4 and "renamed" in deviations[1]
    assert "qualitative research" in (review.path / "protocol.toml").read_text()
    with pytest.raises(ChartingError, match="only a lead"):
        review.add_chart_choice("study_design", "survey", "Ann")


def test_an_edit_that_drops_stored_values_is_refused(review: Review) -> None:
    review.chart(1, {"study_design": "RCT"}, "Ann")
    path = review.path / "protocol.toml"
    text = path.read_text()
    path.write_text(text.replace('"RCT", ', ""), encoding="utf-8")
    with pytest.raises(ProtocolError, match="choice 'RCT' has stored values"):
        review.update_protocol(author="Lead", note="drop RCT")
    assert review.chart_values(1, "Ann") == {"study_design": "RCT"}


def test_candidate_themes_are_decided_by_the_lead(review: Review) -> None:
    found = review.propose_themes(4, author="Lead")
    assert isinstance(found, list)  # four sources: too few for candidates
    assert found == []
    with pytest.raises(ChartingError, match="no candidate theme 99"):
        review.accept_theme(99, "Lead")
