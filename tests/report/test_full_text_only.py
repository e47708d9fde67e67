"""A protocol that screens at full text only: every unique record goes straight to
full text, and the PRISMA flow reconciles (it used to break its invariant "sought =
not retrieved + assessed + awaiting" as soon as one full-text decision was made,
because only records passed at title/abstract were counted as sought)."""

from __future__ import annotations

from pathlib import Path

from scopewise.review import Review
from small_protocol import TITLES, project_with_titles, small_protocol


def test_the_flow_of_a_full_text_only_review(tmp_path: Path) -> None:
    protocol = small_protocol("Full text only",
                              'stages = ["full_text"]\nreviewers_per_record = 1')
    folder = project_with_titles(tmp_path / "review", protocol, TITLES)
    with Review.open(folder) as review:
        review.decide(1, "include", "Ann")
        review.decide(2, "exclude", "Ann", reasons=("NOTPEER",))
        review.decide(3, "include", "Ann")
        review.mark_not_retrieved(4, "Paywalled, no reply from the authors", "Lead")
        flow = review.flow()
        assert (flow.screened, flow.excluded_title_abstract, flow.open_title_abstract) == (8, 0, 0)
        assert (flow.sought, flow.not_retrieved, flow.assessed) == (8, 1, 3)
        assert flow.included == 2 and flow.awaiting_retrieval == 4
        assert flow.excluded_full_text == {"NOTPEER": 1}
        assert flow.not_retrieved + flow.assessed + flow.awaiting_retrieval == flow.sought
        assert not flow.title_abstract_stage and flow.to_json()["title_abstract_stage"] is False
        written = review.report(tmp_path / "out", formats=["html", "svg", "md"])
    html = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    svg = next((tmp_path / "out").glob("*.svg")).read_text(encoding="utf-8")
    assert "Reports sought for retrieval" in svg and "title and abstract" not in svg
    assert "Records excluded at title and abstract" not in html
    assert written is not None
