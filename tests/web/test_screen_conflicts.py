"""The lead's conflicts page (both backends): one h1, an h2 and a unique title id per
card, and full-text reasons in labelled groups that only go with an exclusion."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

from starlette.testclient import TestClient

from scopewise.review import Review
from web_helpers import csrf, sign_in


def test_conflict_cards_have_unique_ids_and_labelled_reasons(
    app_client: TestClient, project: tuple[Path, str]
) -> None:
    with Review.open(*project) as review:
        for rid in (1, 3):
            review.decide(rid, "include", "Ann")
        review.decide(1, "include", "Bob")
        review.decide(3, "exclude", "Bob", reasons=["NOTPEER"])  # a conflict at title/abstract
        review.decide(1, "include", "Ann", stage="full_text")
        review.decide(1, "exclude", "Bob", stage="full_text", reasons=["POP"])  # and at full text
    sign_in(app_client, "lead@example.org")
    page = app_client.get("/conflicts").text
    assert "Conflicts (2)" in page
    ids = Counter(re.findall(r'\sid="([^"]+)"', page))
    assert ids and max(ids.values()) == 1, ids
    assert page.count("<h1") == 1 and page.count('<h2 id="record-title-') == 2
    assert 'aria-labelledby="record-title-1-full_text"' in page
    assert 'aria-labelledby="record-title-3-title_abstract"' in page
    assert '<optgroup label="Inclusion criterion not met"><option value="POP">' in page
    assert '<optgroup label="Exclusion criterion applies"><option value="NOTPEER">' in page
    token = csrf(app_client, "/conflicts")
    refused = app_client.post("/conflicts/resolve", data={
        "csrf_token": token, "record_id": "1", "stage": "full_text", "decision": "include",
        "reasons": "POP"})
    assert refused.status_code == 400 and "include takes no reasons (you gave POP)" in refused.text
    answer = app_client.post("/conflicts/resolve", data={
        "csrf_token": token, "record_id": "1", "stage": "full_text", "decision": "exclude",
        "reasons": "POP"})
    assert answer.status_code == 303
    assert "Conflicts (1)" in app_client.get("/conflicts").text
