"""Every route, as an anonymous visitor and as a viewer: nothing changes in the project."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from starlette.routing import Route
from starlette.testclient import TestClient

from scopewise.review import Review
from web_helpers import PASSWORD, csrf, sign_in

FIELDS = {
    "record_id": "1", "decision": "include", "stage": "title_abstract", "email": "ann@example.org",
    "name": "Vic", "role": "lead", "password": "another long password", "candidate_id": "1",
    "include": "peer", "exclude": "statin", "old_password": "wrong old password",
    "new_password": "another long password", "source": "PubMed",
    "note_id": "1", "participant": "P09", "group": "peer worker", "theme": "Training",
    "text": "supervision", "group_id": "1",
}


def _routes(client: TestClient) -> list[tuple[str, str]]:
    found = []
    for route in client.app.routes:  # type: ignore[attr-defined]
        if isinstance(route, Route):
            path = route.path.replace("{token}", "x" * 43).replace("{record_id}", "1")
            path = path.replace("{name}", "records.csv").replace("{note_id:int}", "1")
            found += [(m, path) for m in sorted(route.methods or ()) if m != "HEAD"]
    return found


def _state(folder: Path, db_url: str) -> dict[str, Any]:
    with Review.open(folder, db_url=db_url) as review:
        events = [(e.action, e.actor) for e in review.audit()
                  if e.action not in ("web.signed_in", "screening.stopping")]
        return {
            "audit": events,
            "decisions": review.decision_counts(),
            "accounts": [(a.email, a.role, a.disabled, a.password_hash) for a in review.accounts()],
            "terms": review.highlight_terms(),
            "searches": len(review.searches()),
        }


def test_every_route_is_listed_with_a_role_or_public(app_client: TestClient) -> None:
    public = {"/login", "/reset/{token}", "/"}
    for route in app_client.app.routes:  # type: ignore[attr-defined]
        if isinstance(route, Route) and route.path not in public:
            assert getattr(route.endpoint, "required_role", None), route.path


def test_anonymous_changes_nothing(app_client: TestClient, project: tuple[Path, str]) -> None:
    before = _state(*project)
    routes = _routes(app_client)
    assert len(routes) >= 20
    for method, path in routes:
        answer = app_client.request(method, path, data=FIELDS if method == "POST" else None)
        if method == "POST":
            assert answer.status_code == 403, (method, path, answer.status_code)
        else:
            assert answer.status_code in (200, 303, 404), (method, path, answer.status_code)
            if answer.status_code == 303:
                assert answer.headers["location"] in ("/login",), path
    # even with the sign-in CSRF token, an anonymous POST gets nowhere
    token = csrf(app_client, "/login")
    for method, path in routes:
        if method == "POST" and path != "/login" and not path.startswith("/reset/"):
            answer = app_client.post(path, data={**FIELDS, "csrf_token": token})
            assert answer.status_code == 403, path
    assert _state(*project) == before


def test_viewer_changes_nothing(app_client: TestClient, project: tuple[Path, str]) -> None:
    sign_in(app_client, "vic@example.org")
    before = _state(*project)
    token = csrf(app_client, "/dashboard")
    for method, path in _routes(app_client):
        if path in ("/logout", "/login") or path.startswith("/reset/"):
            continue  # their own session; tested in test_login
        data = {**FIELDS, "csrf_token": token} if method == "POST" else None
        answer = app_client.request(method, path, data=data)
        if method == "POST":
            assert answer.status_code in (400, 403), (path, answer.status_code)
        else:
            assert answer.status_code in (200, 303, 403, 404), (path, answer.status_code)
    assert _state(*project) == before


@pytest.mark.parametrize("path", ["/conflicts", "/users", "/audit", "/import", "/protocol", "/duplicates"])
def test_lead_pages_refuse_a_reviewer(app_client: TestClient, path: str) -> None:
    sign_in(app_client, "ann@example.org")
    assert app_client.get(path).status_code == 403
    sign_in(app_client, "lead@example.org", PASSWORD)
    assert app_client.get(path).status_code == 200
