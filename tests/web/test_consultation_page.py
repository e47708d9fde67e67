"""The consultation page: the lead's alone, and the quote policy holds on it."""

from __future__ import annotations

from pathlib import Path

import pytest
from starlette.testclient import TestClient

from consultation_project import make_project
from scopewise.review import Review
from scopewise.web import create_app
from web_helpers import PASSWORD, csrf, sign_in

SECRET = "The supervision sessions with Dr Quentin Zebedee felt like a lifeline every week"


@pytest.mark.parametrize("quotes", ["never", "allowed"])
def test_consultation_page_keeps_the_quote_policy(tmp_path: Path, db_url: str, quotes: str) -> None:
    folder = make_project(tmp_path, db_url, quotes=quotes)
    note = tmp_path / "P01-session.txt"
    note.write_text(f"{SECRET}.\nAlso <script>alert(1)</script>.\n", encoding="utf-8")
    with Review.open(folder, db_url=db_url) as review:
        review.add_account("lead@example.org", "Lead", "lead", PASSWORD)
        review.add_account("ann@example.org", "Ann", "reviewer", PASSWORD)
        imported = review.import_note(note, "P01", group="peer worker", held_on="2026-03-01")
        review.code_excerpt(imported.note_id, "Supervision and support", text=SECRET)
    with TestClient(create_app(folder, db_url=db_url, ranking=False), base_url="http://127.0.0.1",
                    follow_redirects=False) as client:
        sign_in(client, "ann@example.org")
        assert client.get("/consultation").status_code == 403
        sign_in(client, "lead@example.org")
        page = client.get("/consultation").text
        assert "P01" in page and "peer worker" in page and "Supervision and support" in page
        assert "<script>alert" not in page
        assert ("Quentin Zebedee" in page) == (quotes == "allowed")
        token = csrf(client, "/consultation")
        answer = client.post("/consultation/theme", data={
            "csrf_token": token, "theme": "Supervision and support", "stance": "supported",
            "summary": "Regular supervision was valued by the peer workers consulted."})
        assert answer.status_code == 303
        assert "<strong>supported</strong>" in client.get("/consultation").text
