"""A lead accepts the stopping rule: the records left are recorded as not screened
and the PRISMA flow shows them in their own box."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from cli_runner import run
from scopewise.analysis.prisma import INVARIANTS
from scopewise.review import Review
from scopewise.screening.stopping_rule import StopReport
from small_protocol import TITLES, project_with_titles, small_protocol

PROTOCOL = small_protocol("Stop", "reviewers_per_record = 1\ntarget_recall = 0.9")


def says(stop: bool) -> object:
    def estimate(self: Review, actor: str = "scopewise") -> StopReport:
        return StopReport("statistical", stop, 3, 5, 1, 0.97 if stop else None, 0.92)
    return estimate


@pytest.fixture
def folder(tmp_path: Path, db_url: str) -> Path:
    folder = project_with_titles(tmp_path / "review", PROTOCOL, TITLES, db_url=db_url)
    with Review.open(folder) as review:
        review.decide(1, "include", "Ann")
        review.decide(2, "exclude", "Ann")
        review.decide(3, "include", "Ann")
    return folder


def test_the_lead_accepts_the_stop_and_the_flow_shows_the_box(
    folder: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(Review, "stopping_estimate", says(True))
    code, out, err = run(["screen", str(folder), "--stop", "--reviewer", "Ann"], capsys)
    assert code == 2 and "lead" in err and err.count("\n") == 1
    code, out, err = run(["screen", str(folder), "--stop", "--reviewer", "Lead"], capsys)
    assert code == 0, err
    assert "5 records left unscreened are recorded as not screened" in out
    with Review.open(folder) as review:
        flow = review.flow()
        events = [e for e in review.audit() if e.action == "screening.stopped"]
        stopped = review.status()["screening"]["not_screened_after_stop"]
        review.decide(4, "exclude", "Ann")  # screened after the stop: screened again
        later = review.flow()
        assert review.status()["screening"]["not_screened_after_stop"] == later.not_screened
    assert stopped == flow.not_screened == 5  # the status counts them as the flow does
    code, out, err = run(["status", str(folder)], capsys)
    assert code == 0 and "not screened (screening stopped)" in out
    counts = {label.strip(): value.strip() for label, value in
              re.findall(r"(title/abstract: [^│|]+?)\s*[│|]\s*(\d+)", out)}
    # the four left at the stop are counted as not screened, not as still open
    assert counts["title/abstract: not screened (screening stopped)"] == "4"
    assert counts["title/abstract: still open"] == "0"
    assert (flow.identified, flow.screened, flow.not_screened) == (8, 3, 5)
    assert flow.open_title_abstract == 0
    assert flow.not_screened_label == ("Records not screened (screening stopped by the "
                                       "prioritisation rule, estimated recall ≥ 90%)")
    box = flow.to_json()["not_screened_box"]
    assert box["n"] == 5 and box["label"] == flow.not_screened_label
    assert {"identified", "screened", "open", "complete"} <= set(flow.to_json())
    assert events[0].actor == "Lead" and events[0].detail["records_not_screened"] == 5
    assert (later.screened, later.not_screened, later.excluded_title_abstract) == (4, 4, 2)
    assert "not screened" in INVARIANTS[1]
    with Review.open(folder) as review:
        review.report(folder / "out", "html")
    html = (folder / "out" / "report.html").read_text(encoding="utf-8")
    assert ("Records still waiting for a title and abstract decision: 0; 4 more were left "
            "unscreened when the lead accepted the stopping rule&#x27;s stop.") in html


def test_the_stop_is_refused_while_the_rule_says_keep_screening(
    folder: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(Review, "stopping_estimate", says(False))
    code, out, err = run(["screen", str(folder), "--stop", "--reviewer", "Lead"], capsys)
    assert code == 2 and out == ""
    assert err.startswith("error: Keep screening: no estimate yet")
    with Review.open(folder) as review:
        assert review.flow().not_screened == 0
