"""The screening state a review keeps between reads (``scopewise.store.screening_state``):
brought up to date from the rows appended since, it always equals a full read, and it
reads everything again whenever an append alone cannot explain the change (both
backends)."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

from scopewise.protocol import parse_protocol
from scopewise.review import Review
from scopewise.store import now
from scopewise.store import schema as t
from scopewise.store.dedup import insert_group
from scopewise.store.screening import decision_rows, full_text_rows
from scopewise.store.screening_state import ScreeningStateCache
from scopewise.store.snapshot import screening_snapshot
from small_protocol import TITLES, project_with_titles, small_protocol

PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"


def _project(tmp_path: Path, db_url: str, screening: str = "reviewers_per_record = 2") -> Path:
    protocol = small_protocol("Screening state", screening, ("Ann", "Bob"))
    return project_with_titles(tmp_path / "project", protocol, TITLES, db_url)


def _assert_matches_a_full_read(review: Review) -> None:
    """The kept state equals what reading everything gives."""
    with review.store.reading() as conn:
        state = review._screening_state(conn)
        full = screening_snapshot(conn, review.protocol)
        assert state.snapshot.records == full.records
        assert list(state.snapshot.records) == list(full.records)  # input order
        assert list(state.decisions) == decision_rows(conn)
        assert list(state.full_texts) == full_text_rows(conn)
    touched = {d.record_id for d in state.decisions} | {e.record_id for e in state.full_texts}
    assert state.touched == touched & set(state.ids)


def test_every_kind_of_append_is_taken_in_without_reading_everything(
    tmp_path: Path, db_url: str
) -> None:
    folder = _project(tmp_path, db_url)
    pdf = tmp_path / "paper.pdf"
    pdf.write_bytes(PDF)
    with Review.open(folder, db_url=db_url) as review:
        _assert_matches_a_full_read(review)
        steps = [
            lambda: review.decide(1, "include", "Ann"),
            lambda: review.decide(1, "include", "Bob"),  # agreed: on to full text
            lambda: review.decide(2, "include", "Ann"),
            lambda: review.decide(2, "exclude", "Bob"),  # a conflict
            lambda: review.resolve(2, "include", "Lead"),
            lambda: review.decide(3, "maybe", "Ann"),
            lambda: review.decide(3, "exclude", "Ann"),  # changed their mind
            lambda: review.attach_full_text(1, pdf, "Lead"),
            lambda: review.decide(1, "exclude", "Ann", reasons=["NOTPEER"]),
            lambda: review.decide(1, "include", "Bob"),  # a full-text conflict
            lambda: review.mark_not_retrieved(2, "publisher never answered", "Lead"),
        ]
        for step in steps:
            step()
            _assert_matches_a_full_read(review)
        assert review._screening_states.rebuilds == 1
        outcome = review.screening_snapshot().records
        assert outcome[1].full_text is not None and outcome[1].full_text.status == "conflict"
        assert outcome[2].not_retrieved
        assert outcome[3].title_abstract is not None
        assert outcome[3].title_abstract.status == "awaiting_second_reviewer"
        assert [c.record_id for c in review.conflicts()] == [1]


def test_a_colleagues_decisions_from_another_connection_arrive_incrementally(
    tmp_path: Path, db_url: str
) -> None:
    folder = _project(tmp_path, db_url)
    with Review.open(folder, db_url=db_url) as mine, Review.open(folder, db_url=db_url) as theirs:
        assert mine.next_record("Ann") is not None
        theirs.decide(4, "exclude", "Bob")
        theirs.decide(5, "include", "Bob")
        _assert_matches_a_full_read(mine)
        awaiting = mine.screening_snapshot().records[5].title_abstract
        assert awaiting is not None and awaiting.status == "awaiting_second_reviewer"
        assert mine._screening_states.rebuilds == 1


def test_a_row_below_the_highest_id_read_makes_it_read_everything(
    tmp_path: Path, db_url: str
) -> None:
    # Concurrent writers on PostgreSQL can commit out of id order: a decision with a
    # lower id than one already read turns up later. The count no longer adds up.
    folder = _project(tmp_path, db_url)
    with Review.open(folder, db_url=db_url) as review:
        review.decide(1, "include", "Ann")
        _assert_matches_a_full_read(review)
        with review.store.transaction() as conn:
            ann = conn.execute(
                sa.select(t.users.c.id).where(t.users.c.name == "Ann")
            ).scalar_one()
            last = conn.execute(sa.select(sa.func.max(t.decisions.c.id))).scalar_one()

            def insert(at: int, record: int) -> None:
                conn.execute(t.decisions.insert().values(
                    id=at, record_id=record, stage="title_abstract", reviewer_id=ann,
                    decision="exclude", reasons=[], note="", kind="screen", created_at=now(),
                ))

            insert(last + 10, 6)
        _assert_matches_a_full_read(review)  # an append: taken in
        assert review._screening_states.rebuilds == 1
        with review.store.transaction() as conn:
            insert(last + 5, 7)  # committed late, below the highest id read
        _assert_matches_a_full_read(review)
        assert review._screening_states.rebuilds == 2
        assert 7 in review.screening_snapshot().records
        assert review.screening_snapshot().records[7].title_abstract is not None


def test_merging_or_undoing_duplicates_changes_the_unique_records(
    tmp_path: Path, db_url: str
) -> None:
    folder = _project(tmp_path, db_url)
    with Review.open(folder, db_url=db_url) as review:
        review.decide(2, "include", "Ann")
        _assert_matches_a_full_read(review)
        with review.store.transaction() as conn:
            group = insert_group(conn, [1, 2], 1, {"rule": "test"}, 1.0, "Lead")
        _assert_matches_a_full_read(review)
        with review.store.reading() as conn:
            assert 2 not in review._screening_state(conn).ids
        review.undo_merge(group, "Lead")
        _assert_matches_a_full_read(review)
        with review.store.reading() as conn:
            assert 2 in review._screening_state(conn).ids
        assert review._screening_states.rebuilds == 3


def test_another_protocol_is_read_afresh(tmp_path: Path, db_url: str) -> None:
    folder = _project(tmp_path, db_url)
    single = parse_protocol(
        small_protocol("Screening state", "reviewers_per_record = 1", ("Ann", "Bob")), "test"
    )
    with Review.open(folder, db_url=db_url) as review:
        review.decide(1, "include", "Ann")
        cache = ScreeningStateCache()
        with review.store.reading() as conn:
            dual = cache.read(conn, review.protocol).snapshot.records[1].title_abstract
            once = cache.read(conn, single).snapshot.records[1].title_abstract
        assert dual is not None and dual.status == "awaiting_second_reviewer"
        assert once is not None and once.status == "included"
        assert cache.rebuilds == 2


def test_a_connection_reading_an_older_moment_is_served_the_newer_state(
    tmp_path: Path,
) -> None:
    # SQLite only: a read transaction there sees the database as it was at its first
    # read, so the worker thread can hold a newer state than the caller's connection.
    db_url = f"sqlite:///{tmp_path / 'older.db'}"
    folder = _project(tmp_path, db_url)
    with Review.open(folder, db_url=db_url) as review, Review.open(
        folder, db_url=db_url
    ) as colleague:
        cache = ScreeningStateCache()
        with review.store.reading() as older:
            before = older.execute(sa.select(sa.func.count()).select_from(t.decisions))
            assert before.scalar_one() == 0
            colleague.decide(1, "exclude", "Bob")
            with review.store.reading() as newer:
                state = cache.read(newer, review.protocol)
            assert len(state.decisions) == 1
            assert cache.read(older, review.protocol) is state
        assert cache.rebuilds == 1
