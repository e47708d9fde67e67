"""Charting over HTTP: the form, checked values, dual-charting conflicts and the map."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from scopewise.review import Review
from scopewise.web import create_app
from small_protocol import TITLES, project_with_titles
from web_helpers import ACCOUNTS, PASSWORD, csrf, sign_in, team_protocol

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
    app = create_app(folder, db_url=db_url, ranking=False)
    with TestClient(app, base_url="http://127.0.0.1", follow_redirects=False) as client:
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
    assert "field(s) in conflict" not in listing
    sign_in(client, "lead@example.org")
    listing = client.get("/chart").text
    assert "1 of 2 charted by at least one charter; 1 with fields in conflict." in listing
    row_1 = listing.split('href="/chart/1"')[1].split("</li>")[0]
    assert "charted by Ann, Bob (2 of 2)" in row_1
    assert '<a href="/chart/conflicts">1 field(s) in conflict</a>' in row_1
    row_3 = listing.split('href="/chart/3"')[1].split("</li>")[0]
    assert "not charted yet" in row_3
    from scopewise.errors import ChartingError

    review = client.app.state.review  # type: ignore[attr-defined]
    with pytest.raises(ChartingError):
        review.chart_progress("Ann")  # it names every charter: a lead's view only
    progress = review.chart_progress("Lead")
    assert set(progress) == {1} and progress[1].conflicts == 1 and progress[1].complete == ()
