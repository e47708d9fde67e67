"""A small review project filled directly through the store tables.

Nine records from two searches; record 3 duplicates record 1. Two reviewers screen at
title/abstract (one conflict resolved by the lead); full text: one report not
retrieved, one excluded, one included, whose title contains ``<script>``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from scopewise.review import Review
from scopewise.store import now
from scopewise.store import schema as t

PROTOCOL = """
questions = ["Which <b>trajectories</b> of stress follow trauma?"]

[review]
title = "Trajectories & <stress>: a fixture review"

[[team]]
name = "Lead"
role = "lead"

[[team]]
name = "Ana"
role = "reviewer"

[[team]]
name = "Ben"
role = "reviewer"

[pcc]
population = "People exposed to a traumatic event"
concept = "Trajectories of post-traumatic stress symptoms"
context = "Any setting"

[[criteria.inclusion]]
code = "WAVES"
text = "Three or more measurement waves"

[[criteria.exclusion]]
code = "DESIGN"
text = "Not a longitudinal study"

[[criteria.exclusion]]
code = "METHOD"
text = "No trajectory or clustering method"
stages = ["full_text"]

[[sources]]
name = "PubMed"
query = "ptsd AND trajector*"
"""

SCRIPT_TITLE = "<script>alert('x')</script> Latent trajectories of PTSD"


def _insert(conn: sa.Connection, table: sa.Table, **values: Any) -> int:
    pk = conn.execute(table.insert().values(**values)).inserted_primary_key
    assert pk is not None
    return int(pk[0])


def decide(
    conn: sa.Connection,
    users: dict[str, int],
    record: int,
    stage: str,
    reviewer: str,
    decision: str,
    reasons: tuple[str, ...] = (),
    kind: str = "screen",
) -> None:
    _insert(
        conn,
        t.decisions,
        record_id=record,
        stage=stage,
        reviewer_id=users[reviewer],
        decision=decision,
        reasons=list(reasons),
        kind=kind,
        created_at=now(),
    )


def user_ids(conn: sa.Connection) -> dict[str, int]:
    """Each team member's user id, by name (what :func:`decide` takes)."""
    return {str(r.name): int(r.id) for r in conn.execute(sa.select(t.users.c.name, t.users.c.id))}


def fill(review: Review) -> dict[str, int]:
    """Fill the fixture project; returns record ids by short name."""
    with review.store.transaction() as conn:
        users = user_ids(conn)
        searches = {}
        for source, query, count in (("PubMed", "ptsd AND trajector*", 5), ("PsycINFO", "", 4)):
            searches[source] = _insert(
                conn,
                t.searches,
                source=source,
                query=query,
                searched_on="2024-05-01",
                file_name=f"{source.lower()}.ris",
                record_count=count,
                imported_at=now(),
            )
        ids: dict[str, int] = {}
        titles = [
            ("PubMed", "a", "Stress after floods"),
            ("PubMed", "b", "Growth mixture models of PTSD"),
            ("PsycINFO", "a_dup", "Stress after floods."),
            ("PubMed", "c", "A review of resilience"),
            ("PubMed", "d", SCRIPT_TITLE),
            ("PubMed", "e", "Unrelated cardiology"),
            ("PsycINFO", "f", "Sleep and trauma"),
            ("PsycINFO", "g", "Hard to find report"),
            ("PsycINFO", "h", "Not yet screened"),
        ]
        for position, (source, key, title) in enumerate(titles, 1):
            ids[key] = _insert(
                conn,
                t.records,
                search_id=searches[source],
                position=position,
                title=title,
                authors=[{"family": "Smith", "given": "J", "literal": ""}],
                year=2015,
            )
        group = _insert(
            conn, t.duplicate_groups, primary_record_id=ids["a"], created_at=now(), reason={}
        )
        for key in ("a", "a_dup"):
            _insert(conn, t.duplicate_members, group_id=group, record_id=ids[key])
        ta = "title_abstract"
        for key, ana, ben in (
            ("a", "include", "include"),
            ("b", "include", "include"),
            ("c", "exclude", "exclude"),
            ("d", "include", "include"),
            ("e", "exclude", "exclude"),
            ("f", "include", "exclude"),  # conflict, resolved below
            ("g", "include", "include"),
        ):
            decide(conn, users, ids[key], ta, "Ana", ana, ("DESIGN",) if ana == "exclude" else ())
            decide(conn, users, ids[key], ta, "Ben", ben, ("DESIGN",) if ben == "exclude" else ())
        decide(conn, users, ids["f"], ta, "Lead", "exclude", ("DESIGN",), kind="resolution")
        # h: only Ana so far (review in progress).
        decide(conn, users, ids["h"], ta, "Ana", "exclude", ("DESIGN",))
        _insert(
            conn,
            t.full_texts,
            record_id=ids["g"],
            status="not_retrieved",
            reason="library has no access",
            created_at=now(),
        )
        for key in ("a", "b", "d"):
            _insert(conn, t.full_texts, record_id=ids[key], status="attached", created_at=now())
        ft = "full_text"
        for reviewer in ("Ana", "Ben"):
            decide(conn, users, ids["a"], ft, reviewer, "exclude", ("METHOD",))
            decide(conn, users, ids["d"], ft, reviewer, "include")
        decide(conn, users, ids["b"], ft, "Ana", "include")  # Ben has not decided yet
    ids["users"] = users["Lead"]
    return ids


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


@pytest.fixture
def decide_fn() -> Callable[..., None]:
    """The helper that appends a decision row (see :func:`decide`)."""
    return decide


@pytest.fixture
def user_ids_fn() -> Callable[[sa.Connection], dict[str, int]]:
    """The helper that reads each team member's user id (see :func:`user_ids`)."""
    return user_ids


@pytest.fixture
def sqlite_project(tmp_path: Path, protocol_file: Path) -> Path:
    """The fixture project on SQLite, closed, for CLI tests."""
    folder = tmp_path / "proj"
    with Review.create(folder, protocol_path=protocol_file) as review:
        fill(review)
    return folder
