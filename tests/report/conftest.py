"""Fixtures of the report tests: the small project of :mod:`report_fixture`."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from report_fixture import PROTOCOL, fill

from scopewise.review import Review


@pytest.fixture
def protocol_file(tmp_path: Path) -> Path:
    path = tmp_path / "protocol.toml"
    path.write_text(PROTOCOL, encoding="utf-8")
    return path


@pytest.fixture
def project(
    tmp_path: Path, protocol_file: Path, db_url: str
) -> Iterator[tuple[Review, dict[str, int]]]:
    review = Review.create(tmp_path / "proj", protocol_path=protocol_file, db_url=db_url)
    ids = fill(review)
    try:
        yield review, ids
    finally:
        review.close()
