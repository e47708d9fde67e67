"""The lead accepts the stopping rule's stop in the browser's dashboard."""

from __future__ import annotations

from pathlib import Path

import pytest
from starlette.testclient import TestClient

from scopewise.review import Review
from scopewise.screening.stopping_rule import StopReport
from web_helpers import csrf, sign_in


def _rule_says(stop: bool) -> object:
    def estimate(self: Review, actor: str = "scopewise", record: bool = True) -> StopReport:
        return StopReport("point-process", stop, 3, 5, 1, 0.97 if stop else None, 0.92)
    return estimate


def _decide_three(project: tuple[Path, str]) -> None:
    with Review.open(*project) as review:
        for record_id, decision in ((1, "include"), (2, "exclude"), (3, "include")):
            for reviewer in ("Ann", "Bob"):
                review.decide(record_id, decision, reviewer,
                              reasons=() if decision == "include" else ("NOTPEER",))


def test_the_lead_accepts_the_stop_and_reviewers_are_told(
    app_client: TestClient, project: tuple[Path, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _decide_three(project)
    monkeypatch.setattr(Review, "stopping_estimate", _rule_says(True))
    sign_in(app_client, "lead@example.org")
    token = csrf(app_client, "/dashboard")
    answer = app_client.post("/screening/stop", data={"csrf_token": token})
    assert answer.status_code == 303 and answer.headers["location"].startswith("/dashboard?")
    page = app_client.get(answer.headers["location"]).text
    with Review.open(*project) as review:
        accepted = review.accepted_stop()
        left = review.flow().not_screened
        events = [e for e in review.audit() if e.action == "screening.stopped"]
    assert accepted is not None and accepted.left == left == 5 and accepted.still_unscreened == 5
    assert len(events) == 1 and events[0].actor == "Lead"
    assert "Screening stopped: 5 records nobody had screened are reported" in page
    assert "Title/abstract screening was stopped by Lead on" in page
    assert 'action="/screening/stop"' not in page  # accepted: no second button
    assert "<th scope=\"row\">Title/abstract: not screened (screening stopped)</th><td class=\"num\">5<" in page

    app_client.cookies.clear()
    sign_in(app_client, "ann@example.org")
    screen = app_client.get("/screen").text
    assert "Lead stopped title/abstract screening on" in screen
    assert "each one you decide counts as screened" in screen


def test_only_a_lead_may_stop_and_only_when_the_rule_says_so(
    app_client: TestClient, project: tuple[Path, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _decide_three(project)
    monkeypatch.setattr(Review, "stopping_estimate", _rule_says(True))
    sign_in(app_client, "ann@example.org")
    token = csrf(app_client, "/dashboard")
    assert app_client.post("/screening/stop", data={"csrf_token": token}).status_code == 403
    app_client.cookies.clear()
    sign_in(app_client, "lead@example.org")
    token = csrf(app_client, "/dashboard")
    assert app_client.post("/screening/stop", data={}).status_code == 403  # no CSRF token
    monkeypatch.setattr(Review, "stopping_estimate", _rule_says(False))
    refused = app_client.post("/screening/stop", data={"csrf_token": token})
    assert refused.status_code == 400 and "Screening was not stopped." in refused.text
    with Review.open(*project) as review:
        assert review.accepted_stop() is None
        assert review.status()["screening"]["not_screened_after_stop"] == 0


def test_the_dashboard_offers_the_stop_only_to_a_lead_when_the_rule_allows_it(
    app_client: TestClient, project: tuple[Path, str]
) -> None:
    _decide_three(project)
    sign_in(app_client, "lead@example.org")
    page = app_client.get("/dashboard").text
    # three decisions: the rule says keep screening, so nothing to accept yet
    assert "Keep screening: " in page and 'action="/screening/stop"' not in page


def test_a_lead_is_offered_the_stop_once_the_rule_allows_it(
    app_client: TestClient, project: tuple[Path, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from scopewise.report.data import StoppingSummary

    _decide_three(project)
    summary = StoppingSummary("point-process", 3, 8, 0.95, True, 0.97)
    monkeypatch.setattr(Review, "stopping_now", lambda self: summary)
    sign_in(app_client, "lead@example.org")
    page = app_client.get("/dashboard").text
    assert "screening can stop now" in page and 'action="/screening/stop"' in page
    assert "Accept the stop</button>" in page
    app_client.cookies.clear()
    sign_in(app_client, "vic@example.org")  # a viewer reads the dashboard, without the button
    assert 'action="/screening/stop"' not in app_client.get("/dashboard").text
