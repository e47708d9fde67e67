"""The web app in a real browser (Debian's Chromium driven by Playwright).

A lead signs in, adds two reviewers and imports a file; both reviewers screen ten
records each with the keyboard alone; the lead resolves a conflict; a reviewer charts
a source; the lead downloads the report. Screenshots of the main pages are kept in
``tests/artifacts/`` (not committed) to be looked at.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from browser_helpers import CHROMIUM, serving, shot, sign_in_page
from scopewise.review import Review
from scopewise.web import create_app
from web_helpers import PASSWORD, team_protocol

TOPICS = ["peer support workers in mental health", "statins and heart disease",
          "peer specialists in forensic services", "hip fracture surgery",
          "family peer support for young people", "dental antibiotic prophylaxis"]
FORM = """
[charting]
[[charting.fields]]
name = "design"
label = "Study design"
type = "single_choice"
required = true
help = "How the study was done."
choices = ["qualitative", "RCT", "review"]
[[charting.fields]]
name = "country"
label = "Country"
type = "country"
"""

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Chromium is not installed")


def _ris(n: int) -> str:
    out = []
    for i in range(n):
        topic = TOPICS[i % len(TOPICS)]
        out.append(
            f"TY  - JOUR\nTI  - Study {i + 1} of {topic}\nAU  - Author{i}, A.\nPY  - {2010 + i}\n"
            f"JO  - Journal of Tests\nAB  - We studied {topic} in setting {i}.\n"
            f"DO  - 10.1234/test.{i}\nKW  - {topic.split()[0]}\nER  - \n"
        )
    return "\n".join(out)


@pytest.fixture
def server(tmp_path: Path, db_url: str) -> Iterator[tuple[str, Path, str]]:
    text = team_protocol('stages = ["title_abstract"]\nreviewers_per_record = 2') + FORM
    protocol = tmp_path / "protocol.toml"
    protocol.write_text(text, encoding="utf-8")
    folder = tmp_path / "review"
    with Review.create(folder, protocol_path=protocol, db_url=db_url) as review:
        review.add_account("lead@example.org", "Lead", "lead", PASSWORD)
    with serving(create_app(folder, db_url=db_url)) as base:
        yield base, folder, db_url


def _screen_ten(page: object, key: str, label: str) -> list[int]:
    decided = []
    for i in range(10):
        rid = int(page.locator("input[name=record_id]").first.get_attribute("value"))  # type: ignore[attr-defined]
        if i == 0:
            shot(page, f"screen-{label}")
        with page.expect_navigation(url=re.compile(r"/screen\?last=")):  # type: ignore[attr-defined]
            page.keyboard.press(key)  # type: ignore[attr-defined]
        decided.append(rid)
    return decided


def test_a_team_reviews_in_the_browser(server: tuple[str, Path, str], tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    base, folder, db_url = server
    ris = tmp_path / "pubmed-export.ris"
    ris.write_text(_ris(12), encoding="utf-8")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        lead = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
        sign_in_page(lead, base, "lead@example.org")
        shot(lead, "dashboard-empty")
        for name, email in (("Ann", "ann@example.org"), ("Bob", "bob@example.org")):
            lead.goto(f"{base}/users")
            lead.select_option("#name", name)
            lead.fill("#email", email)
            lead.select_option("#role", "reviewer")
            lead.fill("#password", PASSWORD)
            with lead.expect_navigation(url=re.compile(r"/users\?message=")):
                lead.click("text=Add account")
            assert f"<td data-label=\"E-mail\">{email}</td>" in lead.content()
        shot(lead, "users")
        lead.goto(f"{base}/import")
        cut = ris.with_name("cut-off.ris")  # a broken export first: refused, the form kept
        cut.write_bytes(ris.read_bytes()[:-40])
        lead.set_input_files("#file", str(cut))
        lead.fill("#source", "PubMed")
        lead.fill("#platform", "NCBI")
        lead.fill("#query", '"peer support"[tiab]')
        lead.fill("#searched_on", "2026-01-15")
        with lead.expect_navigation():
            lead.click("form[action='/import'] button[type=submit]")
        assert "Nothing was imported: cut-off.ris" in lead.text_content("[role=alert]")
        assert lead.input_value("#query") == '"peer support"[tiab]'
        shot(lead, "import-refused")
        lead.set_input_files("#file", str(ris))
        with lead.expect_navigation(url=re.compile(r"/import\?message=")):
            lead.click("form[action='/import'] button[type=submit]")
        assert "Imported 12 records" in lead.content()
        shot(lead, "import")

        ann = browser.new_context(viewport={"width": 390, "height": 844}).new_page()  # a phone
        bob = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
        sign_in_page(ann, base, "ann@example.org")
        sign_in_page(bob, base, "bob@example.org")
        ann_ids = _screen_ten(ann, "i", "phone")
        bob_ids = _screen_ten(bob, "e", "desktop")
        assert len(set(ann_ids)) == len(set(bob_ids)) == 10
        with Review.open(folder, db_url=db_url) as review:
            counts = review.decision_counts()
        assert counts[("Ann", "title_abstract")] == counts[("Bob", "title_abstract")] == 10
        for path in ("/screen", "/screen/mine", "/chart", "/dashboard", "/downloads"):
            ann.goto(f"{base}{path}")  # a phone: no page is wider than the screen
            assert ann.evaluate("document.documentElement.scrollWidth") <= 390, path
        ann.goto(f"{base}/screen/mine")  # on a phone each decision is a block of labelled lines
        box = ann.locator("td[data-label=Decision]").first.bounding_box()
        assert box is not None and box["x"] + box["width"] <= 390
        shot(ann, "own-decisions-phone")
        with bob.expect_navigation(url=re.compile(r"/screen/mine")):
            bob.click("text=your decisions")
        assert "Your decisions (10)" in bob.content()
        assert bob.locator("table.own tr").count() == 11  # a header and Bob's ten
        shot(bob, "own-decisions")

        lead.goto(f"{base}/conflicts")
        shot(lead, "conflicts")
        waiting = len(set(ann_ids) & set(bob_ids))
        assert f"Conflicts ({waiting})" in lead.content() and waiting >= 8
        with lead.expect_navigation():
            lead.locator("form[action='/conflicts/resolve'] button.include").first.click()
        assert f"Conflicts ({waiting - 1})" in lead.content()
        lead.goto(f"{base}/dashboard")
        shot(lead, "dashboard")
        lead.set_viewport_size({"width": 390, "height": 844})  # the lead on a phone
        for path in ("/dashboard", "/records", "/conflicts", "/duplicates", "/import", "/users",
                     "/audit", "/protocol", "/map", "/consultation", "/downloads"):
            lead.goto(f"{base}{path}")
            assert lead.evaluate("document.documentElement.scrollWidth") <= 390, path
        lead.set_viewport_size({"width": 1280, "height": 900})

        ann.goto(f"{base}/chart")
        with ann.expect_navigation():
            ann.locator("ol a").first.click()
        ann.select_option("#f_design", "qualitative")
        ann.fill("#f_country", "Norway")
        with ann.expect_navigation(url=re.compile(r"saved=1")):
            ann.click("text=Save")
        assert "Saved." in ann.content()
        shot(ann, "chart-form")

        lead.goto(f"{base}/map")
        # no default pair in this form (one choice field and a country): the map drawn
        # is the pair the selects show, and the counts name fields by their titles
        assert lead.locator("table.map").count() == 1
        assert lead.locator("select#a").input_value() == "design"
        assert "1 of 1 included source on the map" in lead.content()
        assert "Counts per field (1 included source)" in lead.content()
        assert lead.locator("table:not(.map) td", has_text="Study design").count() >= 1
        shot(lead, "map")
        lead.goto(f"{base}/downloads")
        with lead.expect_download() as info:
            lead.click("a[href='/downloads/report.html']")
        report = info.value.path().read_text(encoding="utf-8")
        assert "PRISMA" in report
        browser.close()
