"""The consultation page: the lead's alone, and the quote policy holds on it."""

from __future__ import annotations

from pathlib import Path

import pytest

from consultation_project import make_project
from scopewise.review import Review
from web_helpers import PASSWORD, csrf, sign_in, web_client

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
    with web_client(folder, db_url) as client:
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


@pytest.mark.parametrize("quotes", ["never", "allowed"])
def test_the_lead_adds_and_codes_a_note_in_the_browser(
    tmp_path: Path, db_url: str, quotes: str
) -> None:
    folder = make_project(tmp_path, db_url, quotes=quotes)
    with Review.open(folder, db_url=db_url) as review:
        review.add_account("lead@example.org", "Lead", "lead", PASSWORD)
        review.add_account("ann@example.org", "Ann", "reviewer", PASSWORD)
    body = (
        f"{SECRET}.\nTraining came late for most of us.\n"
        "<script>alert(1)</script> & <b>bold</b>\n"
    ).encode()
    with web_client(folder, db_url) as client:
        sign_in(client, "lead@example.org")
        token = csrf(client, "/consultation")
        sent = client.post(
            "/consultation/notes",
            data={"csrf_token": token, "participant": "P07", "group": "peer worker",
                  "held_on": "2026-03-02"},
            files={"file": ("Jane Doe interview.txt", body, "text/plain")},
        )
        assert sent.status_code == 303
        where = sent.headers["location"]
        assert where.startswith("/consultation/notes/")
        page = client.get(where).text
        assert "<script>alert" not in page and "<b>bold</b>" not in page
        if quotes == "allowed":
            # the lead reads the note to code it, as plain text: nothing in it runs
            assert "Quentin Zebedee" in page and "Training came late" in page
            assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
        else:  # no page shows a note's words, its own included
            assert "Quentin Zebedee" not in page and "Training came late" not in page
            assert "alert(1)" not in page
        note_id = where.rsplit("/", 1)[1]
        coded = client.post("/consultation/code", data={
            "csrf_token": token, "note_id": note_id, "theme": "Training",
            "text": "Training   came\nlate", "start": "10"})
        assert coded.status_code == 303
        page = client.get(where).text
        if quotes == "allowed":
            assert '<mark class="coded" title="Training">Training came late</mark>' in page
        else:
            assert "Training came late" not in page and "<strong>Training</strong>" in page
        # the span is told by line and words (and under "allowed" by its words too)
        assert "line 2, words 14–16 (3 words)" in page
        assert ('<blockquote class="coded-words">Training came late</blockquote>' in page) == (
            quotes == "allowed")
        # the overview never shows the note's words, nor the file name
        overview = client.get("/consultation").text
        assert "P07" in overview and "Jane Doe" not in overview
        assert ("Training came late" in overview) == (quotes == "allowed")  # a quotation
        # bad input: an unknown theme, a word not in the note, an empty file, a binary file
        bad = client.post("/consultation/code", data={
            "csrf_token": token, "note_id": note_id, "theme": "Astrology", "text": "Training"})
        assert bad.status_code == 400 and "Astrology" in bad.text
        missing = client.post("/consultation/code", data={
            "csrf_token": token, "note_id": note_id, "theme": "Training", "text": "zeppelin"})
        assert missing.status_code == 400 and "zeppelin" not in missing.text
        assert f"the words given are not in note {note_id}" in missing.text
        assert "--text" not in missing.text and "consult DIR show" not in missing.text
        unknown = client.post("/consultation/code", data={
            "csrf_token": token, "note_id": "999", "theme": "Training", "text": "Training"})
        assert unknown.status_code == 404 and "consult DIR" not in unknown.text
        groupless = client.post(
            "/consultation/notes", data={"csrf_token": token, "participant": "P08"},
            files={"file": ("n.txt", b"Another session.", "text/plain")})
        assert groupless.status_code == 400 and "--group" not in groupless.text
        assert "P08 is new: choose their stakeholder group" in groupless.text
        for name, content in (("empty.txt", b""), ("blob.txt", b"\x00\x01\x02" * 100)):
            refused = client.post(
                "/consultation/notes",
                data={"csrf_token": token, "participant": "P07"},
                files={"file": (name, content, "text/plain")},
            )
            assert refused.status_code == 400, name
        assert client.get("/consultation/notes/999").status_code == 404
        # a reviewer sees none of it
        sign_in(client, "ann@example.org")
        assert client.get(where).status_code == 403
    with Review.open(folder, db_url=db_url) as review:
        notes = review.consultation_notes()
        assert [(n.participant, n.excerpts) for n in notes] == [("P07", 1)]
        (excerpt,) = review.note_excerpts(notes[0].id)
        assert excerpt.theme == "Training"
        events = [e for e in review.audit() if e.action.startswith("consultation.")]
        assert all("Jane Doe" not in str(e.detail) for e in events)


@pytest.mark.parametrize("quotes", ["never", "allowed"])
def test_each_page_tells_the_quote_policy_as_it_is(
    tmp_path: Path, db_url: str, quotes: str
) -> None:
    folder = make_project(tmp_path, db_url, quotes=quotes)
    note = tmp_path / "P01-session.txt"
    note.write_text(f"{SECRET}.\n", encoding="utf-8")
    with Review.open(folder, db_url=db_url) as review:
        review.add_account("lead@example.org", "Lead", "lead", PASSWORD)
        imported = review.import_note(note, "P01", group="peer worker")
    with web_client(folder, db_url) as client:
        sign_in(client, "lead@example.org")
        overview = client.get("/consultation").text
        page = client.get(f"/consultation/notes/{imported.note_id}").text
    if quotes == "never":
        assert "own coding page" not in overview
        assert "no page shows any words of a note, its own page included" in overview
        assert "no page shows a note's words, this one included" in page
    else:
        assert "a whole note is shown only on its own page, to the lead" in overview
        assert "this page is for the lead alone" in page and SECRET in page


@pytest.mark.parametrize("quotes", ["never", "allowed"])
def test_the_lead_removes_a_coded_span(tmp_path: Path, db_url: str, quotes: str) -> None:
    folder = make_project(tmp_path, db_url, quotes=quotes)
    note = tmp_path / "P01-session.txt"
    note.write_text(f"{SECRET}.\nTraining came late.\n", encoding="utf-8")
    with Review.open(folder, db_url=db_url) as review:
        review.add_account("lead@example.org", "Lead", "lead", PASSWORD)
        review.add_account("ann@example.org", "Ann", "reviewer", PASSWORD)
        note_id = review.import_note(note, "P01", group="peer worker").note_id
        wrong = review.code_excerpt(note_id, "Supervision and support", text="Training came")
        kept = review.code_excerpt(note_id, "Training", text="Training came late")
    where = f"/consultation/notes/{note_id}"
    with web_client(folder, db_url) as client:
        sign_in(client, "ann@example.org")
        ann_token = csrf(client, "/account")
        assert client.post("/consultation/uncode", data={
            "csrf_token": ann_token, "excerpt_id": str(wrong.id)}).status_code == 403
        sign_in(client, "lead@example.org")
        page = client.get(where).text
        assert f'aria-label="Remove coded span {wrong.id} (Supervision and support)"' in page
        token = csrf(client, where)
        no_token = client.post("/consultation/uncode", data={"excerpt_id": str(wrong.id)})
        assert no_token.status_code in (400, 403)
        removed = client.post("/consultation/uncode",
                              data={"csrf_token": token, "excerpt_id": str(wrong.id)})
        assert removed.status_code == 303 and removed.headers["location"].startswith(where)
        page = client.get(removed.headers["location"]).text
        assert f"Coded span {wrong.id} removed." in page
        assert "Remove coded span" in page and f"span-{wrong.id}" not in page
        again = client.post("/consultation/uncode",
                            data={"csrf_token": token, "excerpt_id": str(wrong.id)})
        assert again.status_code == 404
    with Review.open(folder, db_url=db_url) as review:
        assert [e.id for e in review.note_excerpts(note_id)] == [kept.id]
        (event,) = [e for e in review.audit() if e.action == "consultation.excerpt_uncoded"]
        assert event.actor == "Lead" and event.detail["excerpt"] == wrong.id
        assert "Training" not in str(event.detail).replace("Supervision and support", "")
