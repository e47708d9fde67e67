"""The background ranking worker on its own: one team ranking, served, waited for,
refits coalesced, errors handed on."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

from scopewise.review.ranking_worker import Ranking, RankingRequest, RankingWorker, fit_ranking

IDS = (10, 11, 12, 13, 14)


class GatedRanker:
    """Ranks by position, reversed after an odd number of labels; each fit may be held
    back by a gate so a test can catch the worker mid-refit."""

    def __init__(self, gate: threading.Event | None = None) -> None:
        self.gate = gate
        self.fitted: list[int] = []
        self.fit_calls = 0

    def fit(self, screened: np.ndarray, labels: np.ndarray) -> GatedRanker:
        if self.gate is not None:
            assert self.gate.wait(10)
        self.fitted = [int(p) for p in screened]
        self.fit_calls += 1
        return self

    def ranking(self, unscreened: np.ndarray) -> np.ndarray:
        positions = np.flatnonzero(unscreened)
        return positions[::-1] if len(self.fitted) % 2 else positions


def request(labels: dict[int, int], ids: tuple[int, ...] = IDS, pending: tuple[int, ...] = ()) -> (
    RankingRequest
):
    return RankingRequest("fake", ids, "criteria", tuple(sorted(labels.items())), pending)


@pytest.fixture
def prepared() -> list[tuple[str, tuple[int, ...], str]]:
    return []


@pytest.fixture
def worker(prepared: list[Any]) -> Iterator[RankingWorker]:
    gate = threading.Event()
    gate.set()

    def prepare(name: str, ids: tuple[int, ...], criteria: str) -> GatedRanker:
        prepared.append((name, ids, criteria))
        return GatedRanker(gate)

    running = RankingWorker(prepare, lambda: None, wait=0.05)
    running.gate = gate  # type: ignore[attr-defined]
    yield running
    gate.set()
    running.close()


def test_fit_ranking_ranks_every_unlabelled_record() -> None:
    order = fit_ranking(GatedRanker(), request({10: 1}))
    assert order == (14, 13, 12, 11)  # one label: reversed, the labelled record left out
    assert fit_ranking(GatedRanker(), request({10: 1, 12: 0})) == (11, 13, 14)


def test_records_are_found_by_id_in_any_order_of_ids() -> None:
    ranker = GatedRanker()
    shuffled = (13, 10, 14, 11, 12)
    order = fit_ranking(ranker, request({10: 1, 12: 0}, ids=shuffled, pending=(12,)))
    assert ranker.fitted == [1, 4]  # positions of 10 and 12 among the shuffled ids
    assert order == (13, 14, 11, 12)
    with pytest.raises(KeyError):
        fit_ranking(GatedRanker(), request({99: 1}))
    with pytest.raises(KeyError):
        fit_ranking(GatedRanker(), request({99: 1}, ids=shuffled))


def test_a_pending_record_is_trained_on_and_keeps_its_place() -> None:
    ranker = GatedRanker()
    order = fit_ranking(ranker, request({10: 1, 12: 0}, pending=(12,)))
    assert ranker.fitted == [0, 2]  # both labels learnt from
    assert order == (11, 12, 13, 14)  # the pending record is still ranked


def test_requests_differ_with_labels_and_basis() -> None:
    a, b = request({10: 1}), request({10: 1})
    assert a == b
    assert request({10: 0}) != a
    assert request({10: 1}, ids=IDS[:4]) != a
    assert request({10: 1}, pending=(10,)) != a
    assert request({10: 1}, pending=(10,)).basis == a.basis


def test_a_ranking_fitted_on_more_labels_is_not_behind() -> None:
    newer = Ranking(request({10: 1, 11: 0}), (12, 13, 14), 0.0)
    assert newer.behind(request({10: 1})) == 0  # a colleague's decision landed since
    assert newer.behind(request({10: 1, 11: 0, 12: 1, 13: 0})) == 2
    assert newer.behind(request({10: 1, 11: 1})) == 1  # a changed label


def test_the_first_ranking_is_waited_for_and_then_served_without_a_refit(
    worker: RankingWorker, prepared: list[Any]
) -> None:
    ranking, behind = worker.serve(request({10: 1}))
    assert (ranking.order, behind) == ((14, 13, 12, 11), 0)
    again, behind = worker.serve(request({10: 1}))
    assert again is ranking and behind == 0
    assert worker.fits == 1 and prepared == [("fake", IDS, "criteria")]


def test_a_slow_refit_serves_the_previous_ranking_and_says_how_far_behind(
    worker: RankingWorker,
) -> None:
    first, _ = worker.serve(request({10: 1}))
    worker.gate.clear()  # type: ignore[attr-defined]
    stale, behind = worker.serve(request({10: 1, 11: 0}))
    assert stale is first and behind == 1
    worker.gate.set()  # type: ignore[attr-defined]
    assert worker.idle(10)
    fresh, behind = worker.serve(request({10: 1, 11: 0}))
    assert fresh.order == (12, 13, 14) and behind == 0


@pytest.mark.parametrize("catch_up_after", [0.0, 60.0])
def test_after_a_while_without_a_fresh_page_the_next_one_waits_for_the_refit(
    catch_up_after: float,
) -> None:
    gate = threading.Event()
    gate.set()
    worker = RankingWorker(lambda *_: GatedRanker(gate), lambda: None, wait=0.01,
                           catch_up_after=catch_up_after, catch_up_wait=5.0)
    try:
        first, _ = worker.serve(request({10: 1}))
        gate.clear()
        threading.Timer(0.3, gate.set).start()
        served, behind = worker.serve(request({10: 1, 11: 0}))
        if catch_up_after == 0.0:  # no fresh page "for a while": this one waits for it
            assert served is not first and behind == 0
        else:  # a fresh page a moment ago: served at once, a decision behind
            assert served is first and behind == 1
    finally:
        gate.set()
        worker.close()


def test_a_ranking_further_behind_than_the_tolerance_waits_for_the_refit(
    worker: RankingWorker,
) -> None:
    first, _ = worker.serve(request({10: 1}))
    worker.gate.clear()  # type: ignore[attr-defined]
    three_more = request({10: 1, 11: 0, 12: 0, 13: 1})
    threading.Timer(0.3, worker.gate.set).start()  # type: ignore[attr-defined]
    served, behind = worker.serve(three_more)  # 3 behind > 2: waits past ``wait``
    assert served is not first and behind == 0 and served.order == (14,)


def test_a_stuck_refit_still_serves_a_page_after_the_last_resort_wait() -> None:
    gate = threading.Event()
    gate.set()
    running = RankingWorker(lambda *_: GatedRanker(gate), lambda: None, wait=0.01,
                            stale_wait=0.1)
    try:
        first, _ = running.serve(request({10: 1}))
        gate.clear()
        served, behind = running.serve(request({10: 1, 11: 0, 12: 0, 13: 1}))
        assert served is first and behind == 3
    finally:
        gate.set()
        running.close()


def test_a_new_record_set_is_prepared_anew_and_always_waited_for(
    worker: RankingWorker, prepared: list[Any]
) -> None:
    worker.serve(request({10: 1}))
    ranking, behind = worker.serve(request({10: 1}, ids=(*IDS, 15)))
    assert behind == 0 and ranking.order[0] == 15
    assert [p[1] for p in prepared] == [IDS, (*IDS, 15)]


def test_requests_that_queue_up_cost_one_refit(worker: RankingWorker) -> None:
    worker.serve(request({10: 1}))
    worker.gate.clear()  # type: ignore[attr-defined]
    worker.serve(request({10: 1, 11: 0}))  # starts a refit that the gate holds back
    with worker._changed:
        assert worker._changed.wait_for(lambda: worker._busy, 10)
    for extra in (12, 13):  # queued behind it; the newest replaces the older
        labels = {10: 1, 11: 0, 12: 0}
        if extra == 13:
            labels[13] = 1
        worker.serve(request(labels))
    worker.gate.set()  # type: ignore[attr-defined]
    assert worker.idle(10)
    assert worker.fits == 3  # the first, the held one, the newest queued
    latest, behind = worker.serve(request({10: 1, 11: 0, 12: 0, 13: 1}))
    assert behind == 0 and latest.order == (14,)


def test_decisions_during_a_refit_cost_one_more_refit_read_in_the_worker_thread() -> None:
    reads: list[str] = []
    labels = {10: 1}
    gate = threading.Event()
    gate.set()

    def current() -> RankingRequest:
        with worker._changed:  # the test waits for the read under the same lock
            reads.append(threading.current_thread().name)
            worker._changed.notify_all()
            return request(dict(labels))

    worker = RankingWorker(lambda *basis: GatedRanker(gate), current, wait=0.05)
    try:
        worker.serve(request({10: 1}))
        gate.clear()
        labels[11] = 0
        worker.refresh()  # a decision: the refit starts and the gate holds it
        with worker._changed:
            assert worker._changed.wait_for(lambda: worker._busy and len(reads) == 1, 10)
        for rid in (12, 13, 14):  # three more decisions by the team meanwhile
            labels[rid] = 0
            worker.refresh()
        gate.set()
        assert worker.idle(10)
        assert worker.fits == 3  # the first, the held one, one for the three
        assert reads == ["scopewise-ranking"] * 2
        ranking, behind = worker.serve(request({10: 1, 11: 0, 12: 0, 13: 0, 14: 0}))
        assert behind == 0 and ranking.order == ()
    finally:
        gate.set()
        worker.close()


def test_an_error_reaches_the_waiting_caller_and_the_next_request_tries_again() -> None:
    attempts: list[int] = []

    def prepare(*basis: Any) -> GatedRanker:
        attempts.append(1)
        if len(attempts) == 1:
            raise ValueError("no text to rank")
        return GatedRanker()

    worker = RankingWorker(prepare, lambda: None)
    try:
        with pytest.raises(ValueError, match="no text to rank"):
            worker.serve(request({10: 1}))
        ranking, _ = worker.serve(request({10: 1}))
        assert isinstance(ranking, Ranking) and len(attempts) == 2
    finally:
        worker.close()


def test_a_request_with_the_same_labels_is_ranked_without_a_refit() -> None:
    rankers: list[GatedRanker] = []
    current = [request({10: 1, 12: 0}, pending=(12,))]

    def prepare(*basis: Any) -> GatedRanker:
        rankers.append(GatedRanker())
        return rankers[-1]

    def refit(labels: dict[int, int], ids: tuple[int, ...] = IDS) -> Ranking:
        current[0] = request(labels, ids)
        worker.refresh()  # after a decision: the worker reads the project's request
        assert worker.idle(10)
        ranking, behind = worker.serve(current[0])
        assert behind == 0
        return ranking

    worker = RankingWorker(prepare, lambda: current[0])
    try:
        ranking, _ = worker.serve(current[0])
        assert ranking.order == (11, 12, 13, 14) and rankers[0].fit_calls == 1
        # the second reviewer agreed: the record is no longer pending, no label changed
        assert refit({10: 1, 12: 0}).order == (11, 13, 14)
        assert rankers[0].fit_calls == 1 and worker.fits == 2
        assert refit({10: 1, 12: 1}).order == (11, 13, 14)  # a changed label: refitted
        assert rankers[0].fit_calls == 2
        refit({10: 1}, ids=IDS[:4])  # prepared anew: fitted anew
        assert len(rankers) == 2 and rankers[1].fit_calls == 1
    finally:
        worker.close()


def test_a_closed_worker_refuses_to_serve_and_its_thread_ends(worker: RankingWorker) -> None:
    worker.serve(request({10: 1}))
    worker.close()
    assert not worker._thread.is_alive()
    worker.refresh()  # ignored once closed
    with pytest.raises(RuntimeError, match="closed"):
        worker.serve(request({10: 1}))
