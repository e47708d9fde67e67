"""Junk in every page's path, query and form gets an answer, never a server error.

Every route of the app is asked, as the lead, a reviewer and a stakeholder, with its
path numbers and a few query or form fields drawn (from a fixed seed) from values that
have broken web apps: non-ASCII digits, numbers past the database's integer, markup,
SQL, very long text, a lone surrogate's replacement, names of files and stages.
"""

from __future__ import annotations

import random
import re

from starlette.routing import Route
from starlette.testclient import TestClient

from web_helpers import signed_in

JUNK = [
    "", "\u00b2", "-1", "99999999999999999999", "<script>x</script>", "'; DROP TABLE x;--",
    "%00", "a" * 5000, "full_text", "title_abstract", "0", "1", "..", "/etc/passwd",
    "\ufffdx", "NaN", "1e309",
]
IN_PATHS = ["1", "2", "abc", "\u00b2", "99999999999999999999", "-1", "decisions.csv",
            "report.json", "evidence-map.svg"]
QUERY = ["stage", "where", "q", "page", "record", "search", "last", "removed", "a", "b",
         "message", "format", "action", "actor", "saved", "error", "field"]
FORM = ["record_id", "decision", "stage", "reasons", "note", "candidate_id", "search_id",
        "group_id", "note_id", "excerpt_id", "theme", "text", "start", "field", "value",
        "other", "email", "name", "role", "password", "password2", "account_id", "stance",
        "summary", "source", "format", "terms", "complete", "reopen", "reason"]
PEOPLE = ("lead@example.org", "ann@example.org", "vic@example.org")


def _fill(path: str, rng: random.Random) -> str:
    while "{" in path:
        start, end = path.index("{"), path.index("}")
        path = path[:start] + rng.choice(IN_PATHS) + path[end + 1:]
    return path


def _routes(client: TestClient, method: str) -> list[str]:
    return [r.path for r in client.app.routes  # type: ignore[attr-defined]
            if isinstance(r, Route) and method in (r.methods or ()) and r.path != "/logout"]


def test_junk_in_paths_and_queries(app_client: TestClient) -> None:
    rng = random.Random(1)
    answers: dict[int, int] = {}
    for person in PEOPLE:
        client = signed_in(app_client, person)
        for route in _routes(client, "GET"):
            for _ in range(10):
                path = _fill(route, rng)
                query = {k: rng.choice(JUNK) for k in rng.sample(QUERY, 3)}
                status = client.get(path, params=query).status_code
                assert status < 500, (person, path, query)
                answers[status] = answers.get(status, 0) + 1
    assert answers.get(200, 0) > 100 and answers.get(404, 0) > 0  # pages were reached


def test_junk_in_forms(app_client: TestClient) -> None:
    rng = random.Random(2)
    answers: dict[int, int] = {}
    for person in PEOPLE:
        client = signed_in(app_client, person)
        token = ""
        for page in ("/screen/mine", "/import", "/"):  # the first form this person sees
            found = re.search(r'name="csrf_token" value="([^"]+)"', client.get(page).text)
            if found:
                token = found.group(1)
                break
        for route in _routes(client, "POST"):
            for _ in range(12):
                path = _fill(route, rng)
                form = {k: rng.choice(JUNK) for k in rng.sample(FORM, 6)}
                status = client.post(path, data={**form, "csrf_token": token}).status_code
                assert status < 500, (person, path, {k: v[:40] for k, v in form.items()})
                answers[status] = answers.get(status, 0) + 1
    assert answers.get(400, 0) > 100  # the handlers read the forms and refused them


def test_uploads_with_hostile_file_names(app_client: TestClient) -> None:
    """A file named "..", with a NUL byte or 300 characters long was saved under that
    name in the upload folder and ended in a server error (IsADirectoryError,
    ValueError, OSError); now each imports, or is refused for its content."""
    from web_helpers import csrf

    client = signed_in(app_client, "lead@example.org")
    token = csrf(client, "/import")
    ris = b"TY  - JOUR\nTI  - Peer support %d\nER  - \n"
    names = ["..", "a/..", "x\\..", ". .", "peer\x00.ris", "p" * 300 + ".ris", "\u202e.ris"]
    before = client.get("/import").text.count("data-label=\"Source\">PubMed<")
    for i, name in enumerate(names):
        answer = client.post("/import", data={"csrf_token": token, "source": "PubMed"},
                             files={"file": (name, ris % i, "text/plain")})
        assert answer.status_code < 500, name
    after = client.get("/import").text.count("data-label=\"Source\">PubMed<")
    assert after == before + len(names)  # every one was imported


def test_a_safe_name_keeps_the_extension_and_drops_the_rest() -> None:
    from scopewise.web.uploads import _safe_name

    assert _safe_name("C:\\Users\\x\\embase.ris") == "embase.ris"
    assert _safe_name("..") == _safe_name(" . ") == _safe_name("") == "upload"
    assert _safe_name("notes.t\x00xt") == "notes.t_xt"  # then refused for its suffix
    long = _safe_name("n" * 400 + ".docx")
    assert len(long) == 120 and long.endswith(".docx")
