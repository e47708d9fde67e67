"""Two reviewers deciding in the same project at the same moment lose no decision.

Two processes (spawned, so each has its own engine and connections) wait at a
barrier, then each records 100 decisions on the same 100 records as fast as it can:
one at a time, or in batches of 20 (Review.record_decisions).
"""

from __future__ import annotations

import multiprocessing as mp
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from scopewise.review import Review
from scopewise.screening.decisions import DecisionInput
from scopewise.store import now
from scopewise.store import schema as t

PROTOCOL = """
questions = ["Q?"]
[review]
title = "Concurrency"
[[team]]
name = "Ann"
role = "reviewer"
[[team]]
name = "Ben"
role = "reviewer"
[pcc]
population = "P"
concept = "C"
context = "X"
[[criteria.inclusion]]
code = "POP"
text = "Population."
"""
RECORDS = 100
BATCH = 20


def expected(reviewer: str, index: int) -> str:
    """A decision pattern that differs between the reviewers, to check content too."""
    return "include" if (index + (reviewer == "Ben")) % 3 == 0 else "exclude"


def screen_all(
    folder: str, db_url: str, reviewer: str, record_ids: list[int], barrier: Any, bulk: bool
) -> None:
    with Review.open(folder, db_url=db_url) as review:
        review.protocol  # noqa: B018 - load the protocol before the race starts
        barrier.wait(timeout=60)
        if bulk:
            rows = [
                DecisionInput(rid, reviewer, expected(reviewer, i), "title_abstract")
                for i, rid in enumerate(record_ids)
            ]
            for start in range(0, len(rows), BATCH):
                review.record_decisions(rows[start : start + BATCH], actor=reviewer)
            return
        for i, rid in enumerate(record_ids):
            review.decide(rid, expected(reviewer, i), reviewer, stage="title_abstract")


REPO = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("bulk", [False, True], ids=["one-by-one", "batches"])
def test_two_reviewers_at_once_lose_no_decision(
    tmp_path: Path, db_url: str, monkeypatch: pytest.MonkeyPatch, bulk: bool
) -> None:
    # Spawned workers unpickle screen_all from this module by name (tests.test_concurrency);
    # pytest's importlib mode leaves the repository off sys.path, which they inherit.
    monkeypatch.syspath_prepend(str(REPO))
    protocol = tmp_path / "protocol.toml"
    protocol.write_text(PROTOCOL)
    folder = tmp_path / "project"
    review = Review.create(folder, protocol_path=protocol, db_url=db_url)
    with review, review.store.transaction() as conn:
        search = conn.execute(
            t.searches.insert().values(source="S", imported_at=now())
        ).inserted_primary_key[0]
        conn.execute(
            t.records.insert(),
            [{"search_id": search, "position": i, "title": f"R{i}"} for i in range(RECORDS)],
        )
        record_ids = [
            int(r)
            for r in conn.execute(sa.select(t.records.c.id).order_by(t.records.c.id)).scalars()
        ]

    ctx = mp.get_context("spawn")
    barrier = ctx.Barrier(2)
    workers = [
        ctx.Process(target=screen_all, args=(str(folder), db_url, name, record_ids, barrier, bulk))
        for name in ("Ann", "Ben")
    ]
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=120)
    assert [w.exitcode for w in workers] == [0, 0]

    with Review.open(folder, db_url=db_url) as review, review.store.reading() as conn:
        rows = conn.execute(
            sa.select(t.decisions.c.record_id, t.users.c.name, t.decisions.c.decision).join(
                t.users, t.users.c.id == t.decisions.c.reviewer_id
            )
        ).all()
        audited = conn.execute(
            sa.select(sa.func.count())
            .select_from(t.audit_events)
            .where(t.audit_events.c.action.in_(["screening.decided", "screening.recorded"]))
        ).scalar_one()
    assert len(rows) == 2 * RECORDS
    assert audited == (2 * RECORDS // BATCH if bulk else 2 * RECORDS)
    stored = {(rid, name): decision for rid, name, decision in rows}
    assert stored == {
        (rid, name): expected(name, i)
        for name in ("Ann", "Ben")
        for i, rid in enumerate(record_ids)
    }
