"""A small project with accounts, and a test client on its web app (both backends)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from scopewise.review import Review
from small_protocol import TITLES, project_with_titles
from web_helpers import ACCOUNTS, PASSWORD, team_protocol, web_client


@pytest.fixture
def project(tmp_path: Path, db_url: str) -> tuple[Path, str]:
    """A project with the small titles and an account for each team member."""
    folder = project_with_titles(tmp_path / "review", team_protocol(), TITLES, db_url=db_url)
    with Review.open(folder, db_url=db_url) as review:
        for email, (name, role) in ACCOUNTS.items():
            review.add_account(email, name, role, PASSWORD)
    return folder, db_url


@pytest.fixture
def app_client(project: tuple[Path, str]) -> Iterator[TestClient]:
    with web_client(*project) as client:
        yield client


