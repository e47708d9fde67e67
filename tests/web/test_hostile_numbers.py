"""Numbers typed into URLs and forms: anything but plain digits within the database's
integer gets a 400 or a 404, never a server error (both backends).

"²" passes ``str.isdigit`` but not ``int``; a number past 2**31 - 1 makes PostgreSQL
refuse the query; "-1", "1e3" and "1_0" are not record numbers.
"""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from scopewise.records import MAX_ID, number_of
from web_helpers import csrf, signed_in

BAD = ["\u00b2", "99999999999999999999", str(MAX_ID + 1), "-1", "1e3", "1_0", "abc", " 7"]


@pytest.mark.parametrize("raw, value", [
    ("7", 7), ("0", 0), (str(MAX_ID), MAX_ID), ("007", 7), (12, 12),
    ("\u00b2", None), ("\u0663", None), ("", None), (" 7", None), ("-1", None),
    ("1_0", None), ("1e3", None), (str(MAX_ID + 1), None), ("9" * 40, None),
])
def test_number_of(raw: object, value: int | None) -> None:
    assert number_of(raw) == value


def test_numbers_in_paths_and_queries(app_client: TestClient) -> None:
    client = signed_in(app_client, "lead@example.org")
    for raw in BAD:
        for path in (f"/records/{raw}", f"/chart/{raw}", f"/consultation/notes/{raw}"):
            assert client.get(path).status_code == 404, path
        for path in (f"/audit?page={raw}", f"/records?page={raw}", f"/screen/mine?page={raw}"):
            answer = client.get(path)
            assert answer.status_code == 400 and "page number" in answer.text, path
        # a number only chooses what a page shows: a bad one is ignored
        for path in (f"/chart/conflicts?record={raw}", f"/import?search={raw}"):
            assert client.get(path).status_code == 200, path
        shown = client.get(f"/consultation/notes/1?removed={raw}")
        assert shown.status_code == 404  # no note 1 in this project: the number is not echoed


def test_numbers_in_forms(app_client: TestClient) -> None:
    client = signed_in(app_client, "lead@example.org")
    token = csrf(client, "/import")
    posts = [
        ("/screen/decide", {"record_id": None, "decision": "include"}, "record_id must be"),
        ("/conflicts/resolve", {"record_id": None, "decision": "include"}, "record_id must be"),
        ("/duplicates/decide", {"candidate_id": None, "decision": "same"}, "candidate_id must"),
        ("/import/undo", {"search_id": None}, "search_id must be"),
        ("/chart/resolve", {"record_id": None, "field": "x"}, "record_id must be"),
        ("/duplicates/undo", {"group_id": None, "record_id": "1"}, "must be numbers"),
        ("/consultation/code", {"note_id": None, "theme": "T", "text": "x"}, "which note"),
        ("/consultation/uncode", {"excerpt_id": None}, "which coded span"),
    ]
    for raw in BAD:
        for path, fields, said in posts:
            data = {"csrf_token": token, **{k: raw if v is None else v for k, v in fields.items()}}
            answer = client.post(path, data=data)
            assert answer.status_code == 400 and said in answer.text, (path, raw, answer.text)
