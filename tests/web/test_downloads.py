"""Downloads of charting, the evidence map, the report's data and the consultation."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from scopewise.review import Review
from small_protocol import TITLES, project_with_titles
from web_helpers import ACCOUNTS, PASSWORD, sign_in, team_protocol, web_client

TWO_FIELDS = """
[charting]
reviewers_per_record = 1
[[charting.fields]]
name = "design"
type = "single_choice"
choices = ["qualitative", "RCT"]
[[charting.fields]]
name = "setting"
type = "single_choice"
choices = ["community", "inpatient"]
"""


@pytest.fixture
def charted_client(tmp_path: Path, db_url: str) -> Iterator[TestClient]:
    text = team_protocol('stages = ["title_abstract"]\nreviewers_per_record = 1') + TWO_FIELDS
    folder = project_with_titles(tmp_path / "charted", text, TITLES, db_url=db_url)
    with Review.open(folder, db_url=db_url) as review:
        for email, (name, role) in ACCOUNTS.items():
            review.add_account(email, name, role, PASSWORD)
        for rid, design in ((1, "RCT"), (3, "qualitative")):
            review.decide(rid, "include", "Ann")
            review.chart(rid, {"design": design, "setting": "community"}, "Ann")
    with web_client(folder, db_url) as client:
        yield client


def test_charted_values_and_the_evidence_map_download(charted_client: TestClient) -> None:
    client = charted_client
    sign_in(client, "vic@example.org")  # a stakeholder reads the charting's results
    page = client.get("/downloads").text
    for name in ("charted.csv", "charted.xlsx", "evidence-map.csv", "evidence-map.svg",
                 "evidence-map.png", "report.json"):
        assert f'href="/downloads/{name}"' in page
    assert "consultation.csv" not in page
    rows = list(csv.DictReader(io.StringIO(client.get("/downloads/charted.csv").text.lstrip("\ufeff"))))
    assert sorted((r["record_id"], r["design"]) for r in rows) == [("1", "RCT"), ("3", "qualitative")]
    xlsx = client.get("/downloads/charted.xlsx")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    cells = client.get("/downloads/evidence-map.csv?a=design&b=setting").text
    assert "RCT" in cells and "community" in cells
    svg = client.get("/downloads/evidence-map.svg?a=design&b=setting")
    assert svg.status_code == 200 and "<svg" in svg.text
    png = client.get("/downloads/evidence-map.png")  # the report's default pair
    assert png.status_code == 200 and png.content[:4] == b"\x89PNG"
    assert client.get("/downloads/evidence-map.csv?a=design&b=nosuch").status_code == 400
    data = json.loads(client.get("/downloads/report.json").text)
    assert isinstance(data, dict) and data
    assert client.get("/downloads/consultation.csv").status_code == 403


def test_without_a_charting_form_no_charting_downloads(app_client: TestClient) -> None:
    sign_in(app_client, "lead@example.org")
    page = app_client.get("/downloads").text
    assert "charted.csv" not in page and 'href="/downloads/consultation.csv"' in page
    assert app_client.get("/downloads/charted.csv").status_code == 404
    answer = app_client.get("/downloads/consultation.csv")
    assert answer.status_code == 200 and "attachment" in answer.headers["content-disposition"]
    assert answer.text.splitlines()[0].count(",") >= 2  # a header, even with no consultation yet


def test_the_map_page_downloads_the_pair_it_shows(charted_client: TestClient) -> None:
    sign_in(charted_client, "vic@example.org")
    page = charted_client.get("/map?a=setting&b=design").text
    link = '/downloads/evidence-map.csv?a=setting&amp;b=design'
    assert f'href="{link}"' in page
    cells = charted_client.get(link.replace("&amp;", "&"))
    assert cells.status_code == 200 and "community" in cells.text
