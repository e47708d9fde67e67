"""The lead's pages over HTTP: import, users, protocol terms, conflicts, downloads."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest
import sqlalchemy as sa
from starlette.testclient import TestClient

from scopewise.review import Review
from scopewise.screening import parse_decisions_csv
from web_helpers import ACCOUNTS, csrf, sign_in, web_client

RIS = "TY  - JOUR\nTI  - Peer workers on <i>wards</i>\nPY  - 2020\nER  - \n\nTY  - JOUR\nTI  - Statins\nPY  - 2019\nER  - \n"


def test_import_a_file_then_the_same_file_again(app_client: TestClient, project: tuple[Path, str]) -> None:
    sign_in(app_client, "lead@example.org")
    token = csrf(app_client, "/import")
    data = {"csrf_token": token, "source": "Embase", "platform": "Ovid", "query": "peer*",
            "searched_on": "2026-02-01"}
    files = {"file": ("embase.ris", RIS.encode(), "application/x-research-info-systems")}
    answer = app_client.post("/import", data=data, files=files)
    assert answer.status_code == 303 and "Imported%202%20records" in answer.headers["location"]
    page = app_client.get("/import").text
    assert "Embase" in page and "Ovid" in page and "embase.ris" in page
    again = app_client.post("/import", data=data, files=files)
    assert again.status_code == 400 and "already" in again.text
    bad = app_client.post("/import", data={**data, "searched_on": "yesterday"},
                          files={"file": ("other.ris", RIS.replace("Statins", "Aspirin").encode(), "text/plain")})
    assert bad.status_code == 400
    with Review.open(*project) as review:
        assert [s.source for s in review.searches()] == ["PubMed", "Embase"]


BAD_IMPORTS = {  # file -> what the refusal says about it
    "empty.ris": (b"", "empty.ris: the file is empty"),
    "blob.ris": (b"\x00\x01\x02\xff" * 200, "blob.ris: the format is not recognised"),
    "cut.ris": (RIS.encode()[:-8], "cut.ris:6 (record 2): the file ends inside record 2"),
    "nohead.csv": (b"foo,bar\n1,2\n", "nohead.csv:1: no title column found"),
    "headonly.csv": (b"title,year\n", "headonly.csv: the CSV has a header but no rows"),
}


def test_a_refused_import_says_why_keeps_the_form_and_adds_nothing(
    app_client: TestClient, project: tuple[Path, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from scopewise.web import routes_lead

    sign_in(app_client, "lead@example.org")
    token = csrf(app_client, "/import")
    with Review.open(*project) as review:
        before = review.status()
    typed = {"csrf_token": token, "source": "Embase", "platform": "Ovid",
             "query": "peer* AND <b>support</b>", "searched_on": "2026-02-01"}
    for name, (content, why) in BAD_IMPORTS.items():
        answer = app_client.post("/import", data=typed, files={"file": (name, content, "text/plain")})
        assert answer.status_code == 400, name
        assert f"Nothing was imported: {why}" in answer.text.replace("&#39;", "'"), name
        assert "scopewise-upload-" not in answer.text  # the server's temporary folder stays private
        assert 'value="Embase"' in answer.text and 'value="Ovid"' in answer.text
        assert ">peer* AND &lt;b&gt;support&lt;/b&gt;</textarea>" in answer.text
        assert 'value="2026-02-01"' in answer.text
    blob = app_client.post("/import", data=typed,
                           files={"file": ("blob.ris", BAD_IMPORTS["blob.ris"][0], "text/plain")})
    assert "check the file or choose its format below" in blob.text  # not the CLI's --format
    monkeypatch.setattr(routes_lead, "MAX_IMPORT_BYTES", 1 << 20)
    big = app_client.post("/import", data=typed,
                          files={"file": ("big.ris", RIS.encode() * 20_000, "text/plain")})
    assert big.status_code == 413 and "Nothing was imported: the file is larger than 1 MiB" in big.text
    with Review.open(*project) as review:
        assert review.status() == before  # not a record, search or audit event more


def test_an_import_reads_other_encodings_and_a_chosen_format(
    app_client: TestClient, project: tuple[Path, str]
) -> None:
    sign_in(app_client, "lead@example.org")
    token = csrf(app_client, "/import")
    latin = "TY  - JOUR\nTI  - Soutien par les pairs en sant\xe9 mentale\nPY  - 2020\nER  - \n"
    answer = app_client.post("/import", data={"csrf_token": token, "source": "CINAHL"},
                             files={"file": ("latin.ris", latin.encode("latin-1"), "text/plain")})
    assert answer.status_code == 303 and "Imported%201%20record%20from" in answer.headers["location"]
    page = app_client.get("/import").text
    assert '<option value="ris">RIS</option>' in page
    # a file whose content the detector would not trust alone, named by the lead
    medline = "PMID- 1\nTI  - Peer support in crisis care\nDP  - 2021\n\n"
    named = app_client.post("/import", data={"csrf_token": token, "source": "PubMed",
                                             "format": "medline"},
                            files={"file": ("export.txt", medline.encode(), "text/plain")})
    assert named.status_code == 303
    with Review.open(*project) as review:
        searches = review.searches()
        found, _total = review.record_rows(ACCOUNTS["lead@example.org"][0], "santé")
        crisis, _total = review.record_rows(ACCOUNTS["lead@example.org"][0], "crisis")
    assert [(s.file_name, s.record_count) for s in searches][-2:] == [("latin.ris", 1), ("export.txt", 1)]
    assert [r.title for r in found] == ["Soutien par les pairs en santé mentale"]
    assert [r.year for r in crisis] == [2021]


def test_highlight_terms_edited_by_the_lead_show_on_the_screen(app_client: TestClient) -> None:
    sign_in(app_client, "lead@example.org")
    token = csrf(app_client, "/protocol")
    answer = app_client.post("/protocol/highlight", data={"csrf_token": token, "include": "peer\nmental health", "exclude": "statins"})
    assert answer.status_code == 303
    sign_in(app_client, "ann@example.org")
    page = app_client.get("/screen").text
    assert '<mark class="inc"' in page or '<mark class="exc"' in page


def test_the_protocol_page_shows_each_version_whole(app_client: TestClient, project: tuple[Path, str]) -> None:
    sign_in(app_client, "lead@example.org")
    page = app_client.get("/protocol").text
    with Review.open(*project) as review:
        versions = review.protocol_versions()
    assert "The whole protocol of version 1 (TOML)" in page
    first_line = versions[0].toml.strip().splitlines()[0]
    assert first_line.replace('"', "&#34;") in page or first_line in page


def test_conflict_resolved_by_the_lead(app_client: TestClient, project: tuple[Path, str]) -> None:
    with Review.open(*project) as review:
        review.decide(1, "include", "Ann")
        review.decide(1, "exclude", "Bob", reasons=["NOTPEER"])
    sign_in(app_client, "lead@example.org")
    page = app_client.get("/conflicts").text
    assert "Conflicts (1)" in page and "NOTPEER" in page
    token = csrf(app_client, "/conflicts")
    answer = app_client.post("/conflicts/resolve", data={"csrf_token": token, "record_id": "1",
                                                         "stage": "title_abstract", "decision": "include"})
    assert answer.status_code == 303
    assert "Conflicts (0)" in app_client.get("/conflicts").text
    dashboard = app_client.get("/dashboard").text
    assert "Records screened per reviewer" in dashboard and "<svg" in dashboard


def test_downloads_for_a_viewer(app_client: TestClient) -> None:
    sign_in(app_client, "vic@example.org")
    report = app_client.get("/downloads/report.html")
    assert report.status_code == 200 and "attachment" in report.headers["content-disposition"]
    assert "PRISMA" in report.text
    records = app_client.get("/downloads/records.csv")
    assert records.status_code == 200 and "Peer support workers" in records.text
    assert app_client.get("/downloads/secrets.txt").status_code == 404
    assert app_client.get("/downloads/..%2fproject.db").status_code == 404
    page = app_client.get("/downloads").text
    for name in ("report.docx", "report.pdf", "prisma.svg", "prisma.png", "checklist.csv"):
        assert f'href="/downloads/{name}"' in page
    assert 'href="/downloads/decisions.csv"' not in page  # a viewer: not the decisions
    docx = app_client.get("/downloads/report.docx")
    assert docx.status_code == 200 and docx.content[:2] == b"PK"  # a zip: Word's format
    assert "wordprocessingml" in docx.headers["content-type"]
    svg = app_client.get("/downloads/prisma.svg")
    assert svg.status_code == 200 and "<svg" in svg.text and svg.headers["content-type"].startswith("image/svg+xml")
    png = app_client.get("/downloads/prisma.png")
    assert png.status_code == 200 and png.content[:8] == b"\x89PNG\r\n\x1a\n"
    checklist = app_client.get("/downloads/checklist.csv")
    assert checklist.status_code == 200 and checklist.text.startswith("item,")
    included = app_client.get("/downloads/included-full-text.csv")
    assert included.status_code == 200 and ",title,abstract," in included.text
    assert len(included.text.splitlines()) == 1  # nothing included after full text yet
    pdf = app_client.get("/downloads/report.pdf")
    assert pdf.status_code == 200 and pdf.content[:5] == b"%PDF-"


def test_the_whole_audit_trail_is_a_download_for_the_lead(app_client: TestClient, project: tuple[Path, str]) -> None:
    with Review.open(*project) as review:
        review.decide(2, "exclude", "Ann", reasons=["NOTPEER"])
        events = review.audit()
    sign_in(app_client, "ann@example.org")
    assert app_client.get("/downloads/audit.csv").status_code == 403
    app_client.cookies.clear()
    sign_in(app_client, "lead@example.org")
    assert 'href="/downloads/audit.csv"' in app_client.get("/audit").text
    answer = app_client.get("/downloads/audit.csv")
    assert answer.status_code == 200 and "attachment" in answer.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(answer.text)))
    assert [int(r["id"]) for r in rows[: len(events)]] == [e.id for e in events]
    assert rows[0]["action"] == events[0].action and json.loads(rows[0]["detail"]) == events[0].detail
    assert any(r["action"] == "web.signed_in" for r in rows)  # written after the list above


def test_the_audit_page_pages_and_filters_the_whole_trail(
    app_client: TestClient, project: tuple[Path, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from scopewise.web import routes_lead

    monkeypatch.setattr(routes_lead, "AUDIT_PAGE", 3)
    with Review.open(*project) as review:
        for record_id in (1, 2, 3, 4):
            review.decide(record_id, "exclude", "Ann", reasons=["NOTPEER"], note="<script>x</script>")
    sign_in(app_client, "lead@example.org")
    with Review.open(*project) as review:
        events = review.audit()
    first = app_client.get("/audit").text
    pages = -(-len(events) // 3)
    assert f"Audit log ({len(events)} events)" in first and f"page 1 of {pages}" in first
    assert first.count("<tr><td class=\"when\">") == 3 and "<script>x" not in first
    newest = events[-1]
    assert first.index(newest.action) < first.index("</table>")
    last = app_client.get(f"/audit?page={pages}").text
    assert last.count("<tr><td class=\"when\">") == len(events) - 3 * (pages - 1) and 'rel="prev"' in last
    decided = [e for e in events if e.actor == "Ann"]
    assert decided, "deciding leaves audit events"
    mine = app_client.get("/audit?actor=Ann").text
    assert f"Audit log ({len(decided)} event" in mine and 'value="Ann" selected' in mine
    action = decided[0].action
    only = app_client.get(f"/audit?action={action}&actor=Ann").text
    assert f"{action} ({sum(e.action == action for e in events)})" in only
    assert app_client.get("/audit?page=x").status_code == 400
    assert "No event matches" in app_client.get("/audit?actor=Nobody").text


def test_the_decisions_file_is_for_the_lead_only_and_reads_back(
    app_client: TestClient, project: tuple[Path, str], tmp_path: Path
) -> None:
    with Review.open(*project) as review:
        review.decide(2, "include", "Ann")
        review.decide(2, "exclude", "Ann", reasons=["NOTPEER"], note='says "no", <b>')
        cli_file = tmp_path / "cli.csv"
        review.export_decisions(cli_file)
    sign_in(app_client, "ann@example.org")
    for name in ("decisions.csv", "decisions-history.csv"):
        assert app_client.get(f"/downloads/{name}").status_code == 403
    assert "decisions.csv" not in app_client.get("/downloads").text
    sign_in(app_client, "lead@example.org")
    assert 'href="/downloads/decisions-history.csv"' in app_client.get("/downloads").text
    answer = app_client.get("/downloads/decisions.csv")
    assert answer.status_code == 200 and "attachment" in answer.headers["content-disposition"]
    # the same file as `screen --export-decisions`: the latest decision, which an import reads back
    assert answer.content == cli_file.read_bytes()
    rows = parse_decisions_csv(answer.text, "decisions.csv", "title_abstract")
    assert [(r.record_id, r.reviewer, r.decision, r.reasons, r.note) for r in rows] == [
        (2, "Ann", "exclude", ("NOTPEER",), 'says "no", <b>')]
    history = list(csv.DictReader(io.StringIO(app_client.get("/downloads/decisions-history.csv").text)))
    assert [(r["record_id"], r["decision"]) for r in history] == [("2", "include"), ("2", "exclude")]


def test_an_import_shows_its_warnings_and_can_be_undone(
    app_client: TestClient, project: tuple[Path, str]
) -> None:
    sign_in(app_client, "lead@example.org")
    token = csrf(app_client, "/import")
    odd = RIS.replace("PY  - 2020", "PY  - 20x5 <b>spring</b>")
    answer = app_client.post("/import", data={"csrf_token": token, "source": "Embase"},
                             files={"file": ("odd & end.ris", odd.encode(), "text/plain")})
    assert answer.status_code == 303
    location = answer.headers["location"]
    assert "odd%20%26%20end.ris" in location and "search=2" in location
    page = app_client.get(location).text
    assert "Warnings for search 2" in page
    assert "year: 1 value could not be read and is kept" in page and "&lt;b&gt;spring" in page
    assert "not planned in the protocol" in page and "odd &amp; end.ris" in page
    undone = app_client.post("/import/undo", data={"csrf_token": token, "search_id": "2"})
    assert undone.status_code == 303
    assert "Search 2 undone: 2 records removed" in app_client.get(undone.headers["location"]).text
    with Review.open(*project) as review:
        assert [s.source for s in review.searches()] == ["PubMed"]
        review.decide(1, "include", "Ann")
    pinned = app_client.post("/import/undo", data={"csrf_token": token, "search_id": "1"})
    assert "cannot be undone" in app_client.get(pinned.headers["location"]).text
    with Review.open(*project) as review:
        assert [s.source for s in review.searches()] == ["PubMed"]


def test_the_dashboard_shows_the_stopping_estimate_as_the_decisions_stand(
        app_client: TestClient, project: tuple[Path, str]) -> None:
    with Review.open(*project) as review:
        for record_id, decision in ((1, "include"), (2, "exclude"), (3, "include"), (4, "exclude")):
            for reviewer in ("Ann", "Bob"):
                review.decide(record_id, decision, reviewer,
                              reasons=() if decision == "include" else ("NOTPEER",))
        total = review.status()["unique_records"]
    sign_in(app_client, "vic@example.org")
    with Review.open(*project) as review:
        events = len(review.audit())
    page = app_client.get("/dashboard").text
    # four records decided alike by two: agreement in percent, once (not 10000%)
    assert '<td class="num">100.0%</td>' in page and "10000%" not in page
    # the estimate of the four records decided, not the last one a hand-out recorded
    assert f"point-process-checked rule after 4 of {total} records" in page
    assert "estimated relevant in all:" in page and "target 95%:" in page
    assert "The stopping rule estimates" in page  # in the chart's description too
    with Review.open(*project) as review:
        assert len(review.audit()) == events  # the page recorded nothing
        now = review.stopping_now()
        assert now is not None and now.screened == 4 and now.total == total
        assert now.estimated_recall is not None and 0 < now.estimated_recall <= 1


def test_many_conflicts_are_counted_all_and_shown_a_page_at_a_time(
        app_client: TestClient, project: tuple[Path, str], monkeypatch: pytest.MonkeyPatch) -> None:
    from scopewise.web import routes_lead

    monkeypatch.setattr(routes_lead, "CONFLICTS_SHOWN", 1)
    with Review.open(*project) as review:
        for record_id in (1, 3):
            review.decide(record_id, "include", "Ann")
            review.decide(record_id, "exclude", "Bob", reasons=["NOTPEER"])
    sign_in(app_client, "lead@example.org")
    page = app_client.get("/conflicts").text
    assert "Conflicts (2)" in page and "The first 1 of 2 are shown" in page
    assert page.count('action="/conflicts/resolve"') == 1


def test_the_import_form_offers_the_protocols_planned_file_sources(tmp_path: Path, db_url: str) -> None:
    from small_protocol import TITLES, project_with_titles
    from web_helpers import PASSWORD, team_protocol

    text = team_protocol() + """
[[sources]]
name = "CINAHL"
platform = "EBSCOhost"
[[sources]]
name = "PubMed"
method = "api"
connector = "pubmed"
query = "peer support"
"""
    folder = project_with_titles(tmp_path / "planned", text, TITLES, db_url)
    with Review.open(folder, db_url=db_url) as review:
        review.add_account("lead@example.org", "Lead", "lead", PASSWORD)
    with web_client(folder, db_url) as client:
        sign_in(client, "lead@example.org")
        page = client.get("/import").text
        assert 'list="planned-sources"' in page and '<option value="CINAHL">EBSCOhost</option>' in page
        assert 'value="PubMed"' not in page  # searched by scopewise itself, not imported
        assert "Planned in the protocol as exported files: CINAHL (EBSCOhost)." in page


def test_adding_an_account_that_is_refused_keeps_the_form(app_client: TestClient, project: tuple[Path, str]) -> None:
    sign_in(app_client, "lead@example.org")
    token = csrf(app_client, "/users")
    typed = {"csrf_token": token, "email": "vic.new@example.org", "name": "Vic", "role": "viewer"}
    weak = app_client.post("/users/add", data={**typed, "password": "password123"})
    assert weak.status_code == 400 and '<p class="error" role="alert" id="users-error">' in weak.text
    assert 'value="vic.new@example.org"' in weak.text and "password123" not in weak.text
    assert '<option value="Vic" selected>' in weak.text and '<option value="viewer" selected>' in weak.text
    twice = app_client.post("/users/add", data={**typed, "password": "a long enough phrase"})
    assert twice.status_code == 400 and "Vic already has an account" in twice.text.replace("&#39;", "'")
    assert 'value="vic.new@example.org"' in twice.text
    link = app_client.post("/users/link", data={"csrf_token": token, "email": "vic@example.org"})
    assert link.status_code == 200
    assert "One-time password link for <strong>vic@example.org</strong>" in link.text
    assert 'aria-label="Password link for ann@example.org"' in link.text
    assert 'aria-label="Disable ann@example.org"' in link.text
    with Review.open(*project) as review:
        assert not any(a.email == "vic.new@example.org" for a in review.accounts())


def _first_record_of_latest_search(project: tuple[Path, str]) -> tuple[int, int]:
    from scopewise.store import schema as t

    with Review.open(*project) as review:
        search = review.searches()[-1].id
        with review.store.reading() as conn:
            first = conn.execute(sa.select(sa.func.min(t.records.c.id))
                                 .where(t.records.c.search_id == search)).scalar_one()
    return search, int(first)


def test_an_import_is_undone_though_a_record_was_shown_and_refused_once_decided(
    app_client: TestClient, project: tuple[Path, str]
) -> None:
    from datetime import timedelta

    from scopewise.store import now
    from scopewise.store import schema as t

    sign_in(app_client, "lead@example.org")
    token = csrf(app_client, "/import")
    files = {"file": ("embase.ris", RIS.encode(), "text/plain")}
    assert app_client.post("/import", data={"csrf_token": token, "source": "Embase"}, files=files).status_code == 303
    search, first = _first_record_of_latest_search(project)
    with Review.open(*project) as review, review.store.transaction() as conn:  # shown to Ann, not decided
        ann = conn.execute(sa.select(t.users.c.id).where(t.users.c.name == "Ann")).scalar_one()
        conn.execute(t.record_leases.insert().values(
            record_id=first, stage="title_abstract", reviewer_id=ann,
            expires_at=now() + timedelta(minutes=10)))
    undone = app_client.post("/import/undo", data={"csrf_token": token, "search_id": str(search)})
    assert f"Search {search} undone: 2 records removed" in app_client.get(undone.headers["location"]).text
    assert app_client.post("/import", data={"csrf_token": token, "source": "Embase"}, files=files).status_code == 303
    search, first = _first_record_of_latest_search(project)
    with Review.open(*project) as review:  # now Ann decides one of its records
        review.decide(first, "include", "Ann")
    refused = app_client.post("/import/undo", data={"csrf_token": token, "search_id": str(search)})
    page = app_client.get(refused.headers["location"]).text
    assert '<p class="error" role="alert" id="import-error">' in page
    assert f"Search {search} was not undone" in page and "1 by a screening decision" in page
    assert 'data-confirm="Undo search' in page


def test_the_dashboard_counts_as_scopewise_status_does(
    app_client: TestClient, project: tuple[Path, str]
) -> None:
    from scopewise.review.status_view import status_rows

    with Review.open(*project) as review:
        review.remove_records([8], "Not in English", "Lead")
        review.decide(2, "exclude", "Ann", reasons=["NOTPEER"])
        review.decide(2, "exclude", "Bob", reasons=["NOTPEER"])
        rows = status_rows(review.status())
    labels = [label for label, _n in rows]
    assert "removed before screening (other reasons)" in labels
    assert "title/abstract: not screened (screening stopped)" not in labels  # nothing stopped
    sign_in(app_client, "vic@example.org")
    page = app_client.get("/dashboard").text
    shown = re.findall(r'<tr><th scope="row">([^<]+)</th><td class="num">(\d+)</td></tr>', page)
    assert [(label.lower(), int(n)) for label, n in shown][: len(rows)] == rows
    numbers = dict(rows)
    assert numbers["records to screen"] == (numbers["records identified"] - numbers["duplicates removed"]
                                            - numbers["removed before screening (other reasons)"])


def test_every_page_names_its_icon(app_client: TestClient) -> None:
    page = app_client.get("/login").text
    assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in page
    icon = app_client.get("/static/favicon.svg")
    assert icon.status_code == 200 and icon.text.startswith("<svg")
