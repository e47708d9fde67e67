"""Two charters saving on the same sources at the same moment never make a third.

Each source takes two charters. Ann has charted every source; then Ben and the lead,
in two spawned processes (each its own engine and connections), wait at a barrier and
chart the same sources in the same order as fast as they can. For every source one of
them must be taken and the other refused, on SQLite (its write lock) and on
PostgreSQL (the save locks the source's row).
"""

from __future__ import annotations

import multiprocessing as mp
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from charting_project import charting_protocol
from scopewise.errors import ChartingError
from scopewise.review import Review
from scopewise.store import schema as t
from small_protocol import project_with_titles

SOURCES = 40
REPO = Path(__file__).resolve().parent.parent.parent


def chart_all(folder: str, db_url: str, charter: str, record_ids: list[int], barrier: Any,
              refused: Any) -> None:
    with Review.open(folder, db_url=db_url) as review:
        review.protocol  # noqa: B018 - load the protocol before the race starts
        barrier.wait(timeout=60)
        for rid in record_ids:
            try:
                review.chart(rid, {"country": "Ireland", "year": 2020}, charter)
            except ChartingError as error:
                assert "already has its 2 charters" in str(error), error
                refused.put((charter, rid))


def test_two_charters_racing_for_the_second_place_leave_two(
    tmp_path: Path, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # spawned workers unpickle chart_all from this module by its path under tests/
    monkeypatch.syspath_prepend(str(REPO))
    monkeypatch.syspath_prepend(str(REPO / "tests"))
    folder = project_with_titles(tmp_path / "project", charting_protocol(),
                                 [f"Peer support study {i}" for i in range(SOURCES)], db_url)
    with Review.open(folder, db_url=db_url) as review:
        with review.store.reading() as conn:
            record_ids = [int(r) for r in conn.execute(
                sa.select(t.records.c.id).order_by(t.records.c.id)).scalars()]
        for rid in record_ids:
            review.decide(rid, "include", "Ann")
            review.chart(rid, {"country": "Kenya"}, "Ann")

    ctx = mp.get_context("spawn")
    barrier = ctx.Barrier(2)
    refused = ctx.Queue()
    workers = [
        ctx.Process(target=chart_all,
                    args=(str(folder), db_url, name, record_ids, barrier, refused))
        for name in ("Ben", "Lead")
    ]
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=120)
    assert [w.exitcode for w in workers] == [0, 0]
    refusals = []
    while not refused.empty():
        refusals.append(refused.get(timeout=5))

    with Review.open(folder, db_url=db_url) as review, review.store.reading() as conn:
        pairs = conn.execute(
            sa.select(t.charting_entries.c.record_id, t.users.c.name).distinct()
            .join(t.users, t.users.c.id == t.charting_entries.c.reviewer_id)
        ).all()
    charters: dict[int, set[str]] = {}
    for rid, name in pairs:
        charters.setdefault(int(rid), set()).add(name)
    assert {rid: len(names) for rid, names in charters.items()} == {
        rid: 2 for rid in record_ids}
    assert all("Ann" in names for names in charters.values())
    # every source refused exactly one of the two racers, the one that did not chart it
    assert sorted(rid for _, rid in refusals) == sorted(record_ids)
    assert all(charter not in charters[rid] for charter, rid in refusals)
