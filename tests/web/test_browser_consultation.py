"""Consultation in a real browser: the lead adds a session's notes, selects words in
the note with the mouse and codes them to a theme (the page's own script fills the
form from the selection). Quotations are allowed in this protocol: with quotes
"never" no page shows a note's words (tested over HTTP). Screenshots go to ``tests/artifacts/``."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from browser_helpers import CHROMIUM, serving, shot, sign_in_page
from consultation_project import make_project
from scopewise.review import Review
from scopewise.web import create_app
from web_helpers import PASSWORD

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Chromium is not installed")

NOTE = (
    "We met in the ward office.\n"
    "Supervision every fortnight kept me going through the first year.\n"
    "Nobody explained the <b>role</b> to the nurses at first.\n"
)


@pytest.fixture
def server(tmp_path: Path, db_url: str) -> Iterator[tuple[str, Path, str]]:
    folder = make_project(tmp_path, db_url, quotes="allowed")
    with Review.open(folder, db_url=db_url) as review:
        review.add_account("lead@example.org", "Lead", "lead", PASSWORD)
    with serving(create_app(folder, db_url=db_url, ranking=False)) as base:
        yield base, folder, db_url


def test_the_lead_codes_a_note_by_selecting_its_words(
    server: tuple[str, Path, str], tmp_path: Path
) -> None:
    from playwright.sync_api import sync_playwright

    base, folder, db_url = server
    notes = tmp_path / "session-notes.txt"
    notes.write_text(NOTE, encoding="utf-8")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        lead = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
        sign_in_page(lead, base, "lead@example.org")
        lead.goto(f"{base}/consultation")
        lead.set_input_files("#note-file", str(notes))
        lead.fill("#note-participant", "P03")
        lead.select_option("#note-group", "peer worker")
        lead.fill("#note-date", "2026-03-04")
        with lead.expect_navigation(url=re.compile(r"/consultation/notes/\d+")):
            lead.click("text=Add the notes")
        # the <b> in the note is text on the page, not markup
        assert lead.locator("#note-text b").count() == 0
        assert "<b>role</b>" in lead.inner_text("#note-text")
        # select "Supervision every fortnight" with the mouse: press at its first
        # letter, release at its last
        box = lead.evaluate(
            """() => {
                const node = document.getElementById('note-text').firstChild;
                const at = node.data.indexOf('Supervision');
                const range = document.createRange();
                range.setStart(node, at); range.setEnd(node, at + 1);
                const first = range.getBoundingClientRect();
                const stop = node.data.indexOf('fortnight') + 'fortnight'.length;
                range.setStart(node, stop - 1); range.setEnd(node, stop);
                const last = range.getBoundingClientRect();
                return [first.left + 1, first.top + first.height / 2, last.right - 1,
                        last.top + last.height / 2];
            }"""
        )
        lead.mouse.move(box[0], box[1])
        lead.mouse.down()
        lead.mouse.move(box[2], box[3], steps=5)
        lead.mouse.up()
        assert lead.input_value("#excerpt-text") == "Supervision every fortnight"
        start = int(lead.input_value("#excerpt-start"))
        assert NOTE.index("Supervision") == start
        lead.select_option("#excerpt-theme", "Supervision and support")
        with lead.expect_navigation():
            lead.click("#code-form button[type=submit]")
        mark = lead.locator("mark.coded")
        assert mark.count() == 1 and mark.inner_text() == "Supervision every fortnight"
        shot(lead, "consultation-note")
        lead.goto(f"{base}/consultation")
        # quotations are allowed here: the coded words appear as one, under their theme
        assert "“Supervision every fortnight” — P03 (peer worker)" in lead.content()
        shot(lead, "consultation")
        browser.close()
    with Review.open(folder, db_url=db_url) as review:
        (note,) = review.consultation_notes()
        (excerpt,) = review.note_excerpts(note.id)
        assert (excerpt.start, excerpt.end) == (
            NOTE.index("Supervision"), NOTE.index("fortnight") + len("fortnight"))
