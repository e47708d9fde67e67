"""Charting over HTTP: the form, checked values, dual-charting conflicts and the map."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from scopewise.review import Review
from small_protocol import TITLES, project_with_titles
from web_helpers import ACCOUNTS, PASSWORD, csrf, sign_in, team_protocol, web_client

FORM = """
[charting]
reviewers_per_record = 2
[[charting.fields]]
name = "design"
label = "Study design"
type = "single_choice"
required = true
help = "How the study was <b>done</b>."
choices = ["qualitative", "RCT", "review"]
[[charting.fields]]
name = "setting"
type = "multiple_choice"
choices = ["community", "inpatient"]
[[charting.fields]]
name = "participants"
type = "number"
"""


@pytest.fixture
def charting_client(tmp_path: Path, db_url: str) -> TestClient:
    text = team_protocol('stages = ["title_abstract"]\nreviewers_per_record = 1') + FORM
    folder = project_with_titles(tmp_path / "chart", text, TITLES, db_url=db_url)
    with Review.open(folder, db_url=db_url) as review:
        for email, (name, role) in ACCOUNTS.items():
            review.add_account(email, name, role, PASSWORD)
        for rid in (1, 3):
            review.decide(rid, "include", "Ann")
    with web_client(folder, db_url) as client:
        yield client


def _save(client: TestClient, rid: int, **fields: object) -> object:
    token = csrf(client, f"/chart/{rid}")
    data: dict[str, object] = {"csrf_token": token}
    data.update({f"f_{k}": v for k, v in fields.items()})
    return client.post(f"/chart/{rid}", data=data)


def test_reviewers_chart_a_lead_resolves_and_the_map_counts(charting_client: TestClient) -> None:
    client = charting_client
    sign_in(client, "ann@example.org")
    listing = client.get("/chart").text
    assert 'href="/chart/1"' in listing and 'href="/chart/2"' not in listing
    page = client.get("/chart/1").text
    assert "How the study was &lt;b&gt;done&lt;/b&gt;." in page
    answer = _save(client, 1, design="RCT", setting=["community"], participants="12")
    assert answer.status_code == 303
    bad = _save(client, 1, design="RCT", participants="twelve")
    assert bad.status_code == 400 and "twelve" in bad.text
    assert 'value="12"' in client.get("/chart/1").text  # the bad save stored nothing
    sign_in(client, "bob@example.org")
    assert 'value="12"' not in client.get("/chart/1").text  # Ann's values are not shown to Bob
    _save(client, 1, design="qualitative", setting=["community"], participants="12")
    assert client.get("/chart/conflicts").status_code == 403
    sign_in(client, "lead@example.org")
    conflicts = client.get("/chart/conflicts").text
    assert "Study design" in conflicts and "qualitative" in conflicts
    token = csrf(client, "/chart/conflicts")
    answer = client.post("/chart/resolve", data={"csrf_token": token, "record_id": "1",
                                                 "field": "design", "value": "RCT"})
    assert answer.status_code == 303
    assert "Study design" not in client.get("/chart/conflicts").text
    sign_in(client, "vic@example.org")
    the_map = client.get("/map?a=design&b=setting").text
    cells = re.findall(r'<td class="num">(\d+)</td>', the_map)
    assert "1" in cells


def test_the_lead_follows_each_sources_charting_and_reviewers_see_only_their_own(
    charting_client: TestClient,
) -> None:
    client = charting_client
    sign_in(client, "ann@example.org")
    _save(client, 1, design="RCT")
    sign_in(client, "bob@example.org")
    _save(client, 1, design="qualitative")
    listing = client.get("/chart").text
    assert "charted by you" in listing and "Ann" not in listing.split("</header>")[1]
    assert "in conflict</a>" not in listing
    sign_in(client, "lead@example.org")
    listing = client.get("/chart").text
    assert "1 of 2 charted by at least one charter; 1 with fields in conflict." in listing
    row_1 = listing.split('href="/chart/1"')[1].split("</li>")[0]
    assert "charted by Ann, Bob (2 of 2)" in row_1
    assert '<a href="/chart/conflicts?record=1">1 field in conflict</a>' in row_1
    row_3 = listing.split('href="/chart/3"')[1].split("</li>")[0]
    assert "not charted yet" in row_3
    from scopewise.errors import ChartingError

    review = client.app.state.review  # type: ignore[attr-defined]
    with pytest.raises(ChartingError):
        review.chart_progress("Ann")  # it names every charter: a lead's view only
    progress = review.chart_progress("Lead")
    assert set(progress) == {1} and progress[1].conflicts == 1 and progress[1].complete == ()


@pytest.fixture
def odd_title_client(tmp_path: Path, db_url: str) -> TestClient:
    """Charting with two charters per source; record 1's title holds markup."""
    text = team_protocol('stages = ["title_abstract"]\nreviewers_per_record = 1') + FORM
    titles = ("Peer <b>support</b> & teams", *TITLES[1:])
    folder = project_with_titles(tmp_path / "chart", text, titles, db_url=db_url)
    with Review.open(folder, db_url=db_url) as review:
        for email, (name, role) in ACCOUNTS.items():
            review.add_account(email, name, role, PASSWORD)
        for rid in (1, 3):
            review.decide(rid, "include", "Ann")
    with web_client(folder, db_url) as client:
        yield client


def test_a_source_with_its_two_charters_takes_no_third(charting_client: TestClient) -> None:
    client = charting_client
    for who in ("ann@example.org", "bob@example.org"):
        sign_in(client, who)
        assert _save(client, 1, design="RCT", setting=["community"]).status_code == 303
    sign_in(client, "lead@example.org")
    page = client.get("/chart/1").text
    assert "Ann and Bob have charted this source" in page
    assert 'href="/chart/conflicts?record=1"' in page and "They agree on every field" in page
    assert 'id="chart-form"' not in page  # no form to fill in
    token = csrf(client, "/chart/3")
    refused = client.post("/chart/1", data={"csrf_token": token, "f_design": "qualitative"})
    assert refused.status_code == 400
    assert "record 1 already has its 2 charters" in refused.text
    listing = client.get("/chart").text
    assert "charted by Ann, Bob (2 of 2)" in listing and "(3 of 2)" not in listing
    assert '<a href="/chart/conflicts?record=1">compare their values</a>' in listing
    compare = client.get("/chart/conflicts?record=1").text
    assert "Charted by Ann, Bob (2 of 2)" in compare and "the values are final" in compare
    the_map = client.get("/map?a=design&b=setting").text
    assert "1 of 2 included sources on the map" in the_map
    assert "1 with no value on these fields" in the_map
    # the lead still charts a source that lacks its charters; with Ann, it has both
    assert _save(client, 3, design="review").status_code == 303
    sign_in(client, "ann@example.org")
    _save(client, 3, design="review")
    sign_in(client, "bob@example.org")
    page = client.get("/chart/3").text
    assert "already has the protocol's 2 charters" in page and 'id="chart-form"' not in page
    assert "Lead" not in page.split("</header>")[1]  # a reviewer is not told who charted
    row_3 = client.get("/chart").text.split('href="/chart/3"')[1].split("</li>")[0]
    assert "has its 2 charters" in row_3


def test_the_map_heading_counts_what_the_map_counts(charting_client: TestClient) -> None:
    client = charting_client
    for who, design in (("ann@example.org", "RCT"), ("bob@example.org", "qualitative")):
        sign_in(client, who)
        _save(client, 1, design=design, setting=["community"])
        _save(client, 3, design="RCT", setting=["inpatient"])
    sign_in(client, "vic@example.org")
    the_map = client.get("/map?a=design&b=setting").text
    assert "1 of 2 included sources on the map" in the_map
    assert "1 with a value in conflict between charters" in the_map
    cells = re.findall(r'<td class="num">(\d+)</td>', the_map.split("Counts per field")[0])
    assert cells == ["1"]


def test_the_map_with_nothing_charted_says_so(charting_client: TestClient) -> None:
    sign_in(charting_client, "vic@example.org")
    the_map = charting_client.get("/map").text
    assert "Nothing has been charted yet (2 included sources to chart)" in the_map
    assert "gap" not in the_map and "Counts per field" not in the_map
    sign_in(charting_client, "ann@example.org")
    _save(charting_client, 1, design="RCT", setting=["community"])
    the_map = charting_client.get("/map?a=design&b=setting").text
    assert "No source has final values on both fields yet" in the_map
    assert "1 awaiting a second charter" in the_map and 'class="map"' not in the_map


def test_conflicts_name_the_source_and_favour_no_charter(odd_title_client: TestClient) -> None:
    client = odd_title_client
    for who, design in (("ann@example.org", "RCT"), ("bob@example.org", "qualitative")):
        sign_in(client, who)
        _save(client, 1, design=design, setting=["community"])
    sign_in(client, "lead@example.org")
    page = client.get("/chart/conflicts").text
    assert "Peer &lt;b&gt;support&lt;/b&gt; &amp; teams" in page and "<b>support" not in page
    assert "record 1" in page
    radios = re.findall(r'<input type="radio" name="value"[^>]*>', page)
    assert len(radios) == 3 and not any("checked" in r for r in radios)  # RCT, qualitative, other
    assert "— Ann" in page and "— Bob" in page
    token = csrf(client, "/chart/conflicts")
    none_chosen = client.post("/chart/resolve", data={"csrf_token": token, "record_id": "1",
                                                      "field": "design"})
    assert none_chosen.status_code == 400
    other = client.post("/chart/resolve", data={"csrf_token": token, "record_id": "1",
                                                "field": "design", "value": "__other__",
                                                "other": "review", "back": "record"})
    assert other.status_code == 303 and other.headers["location"] == "/chart/conflicts?record=1"
    compare = client.get("/chart/conflicts?record=1").text
    assert "Fields in conflict" not in compare and "the values are final" in compare
    review = client.app.state.review  # type: ignore[attr-defined]
    assert review.charted_sources(["design"])[0].values["design"] == "review"


def test_the_complete_mark_shows_and_can_be_taken_back(charting_client: TestClient) -> None:
    client = charting_client
    sign_in(client, "ann@example.org")
    box = re.compile(r'<input type="checkbox" name="complete" value="1"( checked)?>')
    assert box.search(client.get("/chart/1").text).group(1) is None
    token = csrf(client, "/chart/1")
    client.post("/chart/1", data={"csrf_token": token, "f_design": "RCT", "complete": "1"})
    page = client.get("/chart/1").text
    assert box.search(page).group(1) == " checked" and "marked complete by you" in page
    client.post("/chart/1", data={"csrf_token": token, "f_design": "RCT", "was_complete": "1"})
    assert box.search(client.get("/chart/1").text).group(1) is None


def test_with_one_charter_a_second_is_told_their_values_replace(
    tmp_path: Path, db_url: str
) -> None:
    text = team_protocol('stages = ["title_abstract"]\nreviewers_per_record = 1')
    text += FORM.replace("reviewers_per_record = 2", "reviewers_per_record = 1")
    folder = project_with_titles(tmp_path / "one", text, TITLES, db_url=db_url)
    with Review.open(folder, db_url=db_url) as review:
        for email, (name, role) in ACCOUNTS.items():
            review.add_account(email, name, role, PASSWORD)
        review.decide(1, "include", "Ann")
    with web_client(folder, db_url) as client:
        sign_in(client, "ann@example.org")
        assert "already charted" not in client.get("/chart/1").text
        _save(client, 1, design="RCT")
        assert "already charted" not in client.get("/chart/1").text  # Ann's own
        sign_in(client, "bob@example.org")
        page = client.get("/chart/1").text
        assert "a value you save replaces the earlier one" in page and 'id="chart-form"' in page
        assert _save(client, 1, design="review").status_code == 303
        final = client.app.state.review.charted_sources(["design"])  # type: ignore[attr-defined]
        assert final[0].values["design"] == "review"


def test_a_conflict_with_a_blank_resolves_to_empty(charting_client: TestClient) -> None:
    client = charting_client
    sign_in(client, "ann@example.org")
    token = csrf(client, "/chart/1")
    client.post("/chart/1", data={"csrf_token": token, "f_design": "RCT",
                                  "f_participants": "12", "complete": "1"})
    sign_in(client, "bob@example.org")
    token = csrf(client, "/chart/1")
    client.post("/chart/1", data={"csrf_token": token, "f_design": "RCT", "complete": "1"})
    sign_in(client, "lead@example.org")
    page = client.get("/chart/conflicts").text
    assert '<input type="radio" name="value" value="" required> (left empty)' in page
    assert "— Bob" in page and "— Ann" in page
    token = csrf(client, "/chart/conflicts")
    answer = client.post("/chart/resolve", data={"csrf_token": token, "record_id": "1",
                                                 "field": "participants", "value": ""})
    assert answer.status_code == 303
    assert "Charting conflicts (0)" in client.get("/chart/conflicts").text
    review = client.app.state.review  # type: ignore[attr-defined]
    assert "participants" not in review.charted_sources(["participants"])[0].values


def test_with_nothing_included_the_list_says_so_and_draws_no_empty_card(
        tmp_path: Path, db_url: str) -> None:
    text = team_protocol('stages = ["title_abstract"]\nreviewers_per_record = 1') + FORM
    folder = project_with_titles(tmp_path / "empty", text, TITLES, db_url=db_url)
    with Review.open(folder, db_url=db_url) as review:
        for email, (name, role) in ACCOUNTS.items():
            review.add_account(email, name, role, PASSWORD)
    with web_client(folder, db_url) as client:
        sign_in(client, "lead@example.org")
        page = client.get("/chart").text
    assert "Sources to chart (0)" in page and "No source is included yet" in page
    assert '<ol class="card">' not in page
