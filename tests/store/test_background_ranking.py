"""``Review.start_background_ranking``: the queue refitted in a worker thread serves what
the synchronous queue serves, refits as soon as a decision lands, and stops with the
review (both backends)."""

from __future__ import annotations

import threading
from pathlib import Path

from scopewise.review import Review
from small_protocol import TITLES, project_with_titles, small_protocol


def _project(tmp_path: Path, db_url: str, screening: str = "reviewers_per_record = 1") -> Path:
    protocol = small_protocol("Background ranking", screening, ("Ann", "Bob"))
    return project_with_titles(tmp_path / "project", protocol, TITLES, db_url)


def _workers() -> list[threading.Thread]:
    return [th for th in threading.enumerate() if th.name == "scopewise-ranking"]


def test_the_worker_serves_what_the_synchronous_queue_serves(tmp_path: Path, db_url: str) -> None:
    folder = _project(tmp_path, db_url)
    background = Review.open(folder, db_url=db_url)
    synchronous = Review.open(folder, db_url=db_url)
    try:
        worker = background.start_background_ranking()
        assert background.start_background_ranking() is worker
        relevant = {1, 3, 5, 7}
        for _ in range(5):
            item = background.next_record("Ann")
            same = synchronous.next_record("Ann")
            assert item is not None and same is not None
            assert (item.record_id, item.remaining) == (same.record_id, same.remaining)
            assert item.ordered_by == same.ordered_by == "ranked by the scopewise ranker"
            verdict = "include" if item.record_id in relevant else "exclude"
            background.decide(item.record_id, verdict, "Ann")
            assert worker.idle(30)
    finally:
        background.close()
        synchronous.close()


def test_the_worker_ranks_with_split_gram_products_and_the_synchronous_path_does_not(
    tmp_path: Path, db_url: str
) -> None:
    folder = _project(tmp_path, db_url)
    with Review.open(folder, db_url=db_url) as review:
        assert review.next_record("Ann") is not None  # the synchronous path first
        (synchronous,) = review.__dict__["_prepared_rankers"].values()
        worker = review.start_background_ranking()
        assert review.next_record("Ann") is not None
        assert worker._ranker is not synchronous
        assert worker._ranker.get_params()["gram"] == "split"
        assert synchronous.get_params()["gram"] == "full"


def test_a_decision_refits_at_once_so_next_needs_no_fit(tmp_path: Path, db_url: str) -> None:
    folder = _project(tmp_path, db_url)
    with Review.open(folder, db_url=db_url) as review:
        worker = review.start_background_ranking()
        first = review.next_record("Ann")
        assert first is not None and worker.fits == 1
        review.decide(first.record_id, "include", "Ann")
        assert worker.idle(30)
        assert worker.fits == 2  # refitted on the decision, before anyone asked
        second = review.next_record("Ann")
        assert second is not None and second.record_id != first.record_id
        assert worker.fits == 2 and "still running" not in second.ordered_by


def test_one_team_ranking_learns_from_pending_decisions_and_still_serves_them(
    tmp_path: Path, db_url: str
) -> None:
    folder = _project(tmp_path, db_url, "reviewers_per_record = 2")
    with Review.open(folder, db_url=db_url) as review, \
            Review.open(folder, db_url=db_url) as plain:
        worker = review.start_background_ranking()
        review.next_record("Bob")
        for rid, verdict in ((1, "include"), (2, "exclude"), (4, "exclude")):
            review.decide(rid, verdict, "Ann")  # pending: Bob has not decided them
        assert worker.idle(30)
        fits = worker.fits
        served = review.next_record("Bob")
        expected = plain.next_record("Bob")
        assert served is not None and expected is not None
        assert served.record_id == expected.record_id
        assert served.remaining == expected.remaining == len(TITLES)
        labels = dict(worker._ranking.request.labels)  # type: ignore[union-attr]
        assert labels == {1: 1, 2: 0, 4: 0}  # Ann's decisions, pooled
        ann = review.next_record("Ann")
        assert ann is not None and ann.record_id not in (1, 2, 4)
        assert "still running" not in served.ordered_by + ann.ordered_by
        assert worker.fits == fits  # both reviewers were served the one ranking


def test_a_burst_of_decisions_is_fitted_once(tmp_path: Path, db_url: str) -> None:
    folder = _project(tmp_path, db_url, "reviewers_per_record = 2")
    with Review.open(folder, db_url=db_url) as review:
        worker = review.start_background_ranking()
        assert review.next_record("Ann") is not None
        fits = worker.fits
        with worker._changed:  # hold the worker back while the team decides
            for rid, who in ((1, "Ann"), (2, "Bob"), (3, "Ann"), (4, "Bob")):
                review.decide(rid, "exclude", who)
        assert worker.idle(30)
        assert worker.fits == fits + 1
        fresh = review.next_record("Bob")
        assert fresh is not None and "still running" not in fresh.ordered_by
        assert worker.fits == fits + 1


def test_closing_the_review_stops_the_worker(tmp_path: Path, db_url: str) -> None:
    folder = _project(tmp_path, db_url)
    before = len(_workers())
    review = Review.open(folder, db_url=db_url)
    review.start_background_ranking()
    assert review.next_record("Ann") is not None
    assert len(_workers()) == before + 1
    review.close()
    assert len(_workers()) == before


def test_workers_of_two_processes_share_one_fit_through_the_database(
    tmp_path: Path, db_url: str
) -> None:
    folder = _project(tmp_path, db_url, "reviewers_per_record = 2")
    with Review.open(folder, db_url=db_url) as one, Review.open(folder, db_url=db_url) as two:
        first = one.start_background_ranking(shared=True)
        # the second process's pages wait for its worker to read the first's fit, however
        # busy the machine (the default 0.25 s served the older ranking once in CI)
        second = two.start_background_ranking(shared=True, wait=30)
        served = one.next_record("Ann")
        assert served is not None and first.fits == 1
        same = two.next_record("Bob")
        assert same is not None and same.record_id == served.record_id
        assert second.fits == 0 and second.loaded == 1  # read, not fitted again
        one.decide(served.record_id, "include", "Ann")
        assert first.idle(30)
        after = two.next_record("Bob")
        assert after is not None and "still running" not in after.ordered_by
        assert first.fits + second.fits == 2  # the decision was fitted once in all
        assert two.next_record("Ann") is not None
        assert first.fits + second.fits == 2


def test_the_default_shares_the_ranking_on_postgresql_only(tmp_path: Path, db_url: str) -> None:
    folder = _project(tmp_path, db_url)
    with Review.open(folder, db_url=db_url) as review:
        worker = review.start_background_ranking()
        assert (worker.shared is not None) == db_url.startswith("postgresql")
