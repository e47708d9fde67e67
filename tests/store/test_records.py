"""Searches and records in the store, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from scopewise.records import Author, Record
from scopewise.store import Store
from scopewise.store import schema as t
from scopewise.store.core import now
from scopewise.store.records import (
    VALUE_COLUMNS,
    duplicate_group_labels,
    insert_records,
    insert_search,
    insert_values,
    iter_records,
    list_searches,
    record_values,
    search_by_sha256,
    set_search_count,
)


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    s = Store(db_url)
    with s.transaction() as conn:
        s.create_project(conn, "A review", {})
    yield s
    s.close()


def make(n: int) -> Record:
    return Record(
        title=f"Title {n} – ünïcode", authors=(Author("Lee", "A"), Author("", literal="WHO")),
        year=2000 + n % 20, doi=f"10.1000/{n}", keywords=("a", "b"), source_record_id=f"s{n}",
        raw={"TY": ["JOUR"], "TI": [f"Title {n}"], "ZZ": ["kept"]},
    )


def test_search_and_records_round_trip(store: Store) -> None:
    progress: list[int] = []
    with store.transaction() as conn:
        search_id = insert_search(conn, source="Embase", platform="Ovid", query="peer*",
                                  searched_on="2024-02-01", file_name="e.ris",
                                  file_format="ris", sha256="ab" * 32, imported_by="lead")
        count = insert_records(conn, search_id, (make(n) for n in range(25)), batch_size=10,
                               progress=progress.append)
        set_search_count(conn, search_id, count)
    assert count == 25 and progress == [10, 20, 25]
    with store.reading() as conn:
        (search,) = list_searches(conn)
    assert (search.source, search.platform, search.query, search.record_count) == (
        "Embase", "Ovid", "peer*", 25)
    assert search.searched_on == "2024-02-01" and search.imported_at.tzinfo is not None
    with store.reading() as conn:
        assert search_by_sha256(conn, "ab" * 32) == search
        assert search_by_sha256(conn, "cd" * 32) is None
        rows = list(iter_records(conn, chunk=7))
    assert [r[2] for r in rows] == [make(n) for n in range(25)]
    assert {r[1] for r in rows} == {"Embase"}
    with store.reading() as conn:
        positions = list(conn.execute(sa.select(t.records.c.position).order_by(t.records.c.id))
                         .scalars())
    assert positions == list(range(1, 26))


def test_an_error_mid_import_leaves_nothing(store: Store) -> None:
    def broken() -> Iterator[Record]:
        yield make(1)
        raise ValueError("bad record")

    with pytest.raises(ValueError), store.transaction() as conn:
        search_id = insert_search(conn, source="X", sha256="ef" * 32)
        insert_records(conn, search_id, broken(), batch_size=1)
    assert store.count(t.searches) == 0 and store.count(t.records) == 0


def test_filter_by_ids_and_duplicate_labels(store: Store) -> None:
    with store.transaction() as conn:
        search_id = insert_search(conn, source="S")
        insert_records(conn, search_id, (make(n) for n in range(4)))
        ids = [i for (i,) in conn.execute(sa.select(t.records.c.id).order_by(t.records.c.id))]
        for undone in (None, now()):
            group = conn.execute(t.duplicate_groups.insert().values(
                primary_record_id=ids[0], created_at=now(), undone_at=undone)
            ).inserted_primary_key[0]
            members = (ids[0], ids[1]) if undone is None else (ids[2], ids[3])
            conn.execute(t.duplicate_members.insert(),
                         [{"group_id": group, "record_id": r} for r in members])
    with store.reading() as conn:
        labels = duplicate_group_labels(conn)
        picked = [r[0] for r in iter_records(conn, [ids[1], ids[3]])]
    assert labels[ids[0]] == labels[ids[1]] and labels[ids[0]].startswith("G")
    assert ids[2] not in labels and ids[3] not in labels  # the undone group does not count
    assert picked == [ids[1], ids[3]]


def test_value_batches_round_trip_with_awkward_text(store: Store) -> None:
    awkward = 'quote " backslash \\ tab \t newline \n control \x01 é 中文 \u2028 </script>'
    record = Record(
        title=awkward, abstract=awkward, authors=(Author(awkward, awkward, awkward),),
        keywords=(awkward, "plain"), raw={"AB": [awkward], "N1": ["", awkward]},
        source_record_id="x",
    )
    values = record_values(record)
    assert len(values) == len(VALUE_COLUMNS)
    encoded = dict(zip(VALUE_COLUMNS, values, strict=True))
    assert json.loads(encoded["authors"]) == [
        {"family": awkward, "given": awkward, "literal": awkward}]
    assert json.loads(encoded["keywords"]) == [awkward, "plain"]
    assert json.loads(encoded["raw"]) == {"AB": [awkward], "N1": ["", awkward]}
    with store.transaction() as conn:
        search_id = insert_search(conn, source="S")
        count = insert_values(conn, search_id, [[values, values], [], [values]])
    assert count == 3
    with store.reading() as conn:
        rows = list(iter_records(conn))
        positions = list(conn.execute(sa.select(t.records.c.position)).scalars())
    assert [r[2] for r in rows] == [record] * 3 and sorted(positions) == [1, 2, 3]
