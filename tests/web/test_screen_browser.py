"""The screening page's stages in a real browser (Debian's Chromium via Playwright): on
a phone the decision buttons stay on screen while the abstract is read and the key
legend is folded; full text is reached by its tab and screened with the keys alone,
at the same key for a reason as at title/abstract. Screenshots at 390 and 1280 px go
to ``tests/artifacts/`` (not committed) to be looked at."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from browser_helpers import ARTIFACTS, CHROMIUM, serving, shot, sign_in_page
from scopewise.review import Review
from scopewise.store import schema as t
from scopewise.web import create_app
from small_protocol import TITLES, project_with_titles
from web_helpers import ACCOUNTS, PASSWORD, team_protocol

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Chromium is not installed")

LONG = " ".join(["Peer support workers described their roles, training and supervision in "
                 "community and inpatient mental health services."] * 14)


@pytest.fixture
def server(tmp_path: Path, db_url: str) -> Iterator[tuple[str, Path, str]]:
    folder = project_with_titles(tmp_path / "review", team_protocol(), TITLES, db_url=db_url)
    with Review.open(folder, db_url=db_url) as review:
        with review.store.transaction() as conn:  # abstracts longer than a phone's screen
            conn.execute(sa.update(t.records).values(abstract=LONG))
        for email, (name, role) in ACCOUNTS.items():
            review.add_account(email, name, role, PASSWORD)
        for rid in (1, 3):
            for who in ("Ann", "Bob"):
                review.decide(rid, "include", who)
    with serving(create_app(folder, db_url=db_url, ranking=False)) as base:
        yield base, folder, db_url


def test_stages_keys_and_the_decision_bar_in_a_browser(server: tuple[str, Path, str]) -> None:
    from playwright.sync_api import sync_playwright

    base, folder, db_url = server
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        phone = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
        sign_in_page(phone, base, "ann@example.org")
        phone.goto(f"{base}/screen")
        bar = phone.locator(".decision-bar")
        box = bar.bounding_box()
        assert box is not None and box["y"] + box["height"] <= 844  # on screen, not below
        assert phone.locator("#decide").bounding_box()["y"] > 844  # type: ignore[index]
        assert phone.evaluate("document.getElementById('keys-legend').open") is False
        assert phone.evaluate("document.documentElement.scrollWidth") <= 390
        shot(phone, "screen-stages-phone")
        phone.screenshot(path=str(ARTIFACTS / "screen-stages-phone-viewport.png"))
        with phone.expect_navigation(url=re.compile(r"stage=full_text")):
            phone.click("text=Full text · 2 left")
        assert phone.locator("input[name=stage]").input_value() == "full_text"
        phone.keyboard.press("2")  # NOTPEER: key 2 at both stages
        assert phone.locator("input[value=NOTPEER]").is_checked()
        with phone.expect_navigation(url=re.compile(r"/screen\?last=1&stage=full_text")):
            phone.keyboard.press("e")
        assert phone.locator("#decide input[name=record_id]").input_value() == "3"
        assert "Full text · 1 left" in phone.locator(".stage-tabs").inner_text()
        shot(phone, "screen-full-text-phone")

        desk = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
        sign_in_page(desk, base, "bob@example.org")
        desk.goto(f"{base}/screen")
        assert desk.evaluate("document.getElementById('keys-legend').open") is True
        assert desk.locator("input[value=NOTPEER]").get_attribute("data-key") == "2"
        shot(desk, "screen-stages-desktop")
        desk.goto(f"{base}/screen?stage=full_text")
        shot(desk, "screen-full-text-desktop")
        with desk.expect_navigation(url=re.compile(r"/screen\?last=1&stage=full_text")):
            desk.click("button.include")  # a button of the bar, outside the form it submits
        browser.close()
    with Review.open(folder, db_url=db_url) as review:
        counts = review.decision_counts()
    assert counts[("Ann", "full_text")] == counts[("Bob", "full_text")] == 1
