"""The ranking worker: refits the screening ranker in a background thread, so a
long-lived process (the web app, ``scopewise screen --session``, a script) serves the
next record at once instead of refitting while the reviewer waits.

How it serves (:meth:`RankingWorker.serve`):

- A ranking is computed for a :class:`RankingRequest`: one reviewer's training labels
  (final outcomes plus the reviewer's own decisions) over the project's records.
- When the newest ranking for the reviewer was fitted on exactly those labels, it is
  served as it is.
- Otherwise the request is queued and the caller waits up to ``wait`` seconds for it
  (a refit takes tens of milliseconds at a few thousand records). If the refit is not
  done by then, the previous ranking is served: the record it puts first is what the
  model one or two decisions ago thought best, and the caller is told how many labels
  behind it is. Only the very first ranking (preparing the text features takes
  seconds) is always waited for.
- After a decision, :meth:`RankingWorker.refresh` queues a refit for that reviewer and
  for every other reviewer it has served, without waiting: their labels may have
  changed too (a second reviewer's agreement makes an outcome final). The labels are
  read in the worker's thread, so a decision costs its writer nothing.
- Requests are coalesced: a reviewer's newest request replaces an older one that has
  not started, so a burst of decisions costs one refit, not one each.

The worker is the only user of its prepared ranker (rankers are not thread-safe);
the process-wide cache of the synchronous path is not touched. An error while
preparing or fitting is handed to the waiting caller, which falls back to input
order, and the next request tries again.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

__all__ = ["Ranking", "RankingRequest", "RankingWorker", "fit_ranking", "record_index"]

Prepare = Callable[[str, tuple[int, ...], str], Any]
"""Prepare the ranker ``name`` on these record ids with this criteria text."""
Refresh = Callable[[str], "RankingRequest | None"]
"""Read a reviewer's current request from the project (``None``: nothing to rank)."""


@dataclass(frozen=True, slots=True)
class RankingRequest:
    """What one ranking is fitted on.

    ``ids`` are the project's records in screening order (the positions the prepared
    ranker knows); ``labels`` the training labels as ``(record_id, 1 or 0)`` pairs.
    """

    reviewer: str
    ranker: str
    ids: tuple[int, ...]
    criteria: str
    labels: tuple[tuple[int, int], ...]

    @property
    def basis(self) -> tuple[str, tuple[int, ...], str]:
        """What the prepared ranker depends on: a change means preparing anew."""
        return self.ranker, self.ids, self.criteria


@dataclass(frozen=True, slots=True)
class Ranking:
    """A fitted ranking: the unlabelled records, best first."""

    request: RankingRequest
    order: tuple[int, ...]
    seconds: float  # how long the fit and rank took

    def behind(self, request: RankingRequest) -> int:
        """How many training labels ``request`` has that this ranking was not fitted on
        (added, changed or taken back); 0 when it is current."""
        if request == self.request:
            return 0
        return len(set(request.labels) ^ set(self.request.labels))


_indexed: list[tuple[tuple[int, ...], Any, dict[int, int]]] = []
_indexed_lock = threading.Lock()


def record_index(ids: tuple[int, ...]) -> tuple[Any, dict[int, int]]:
    """The record ids as an array and each one's position, kept for the last ids seen
    (the screening state hands the same tuple out until the records change)."""
    import numpy as np

    with _indexed_lock:
        if _indexed and _indexed[0][0] is ids:
            return _indexed[0][1], _indexed[0][2]
    array = np.asarray(ids, dtype=np.int64)
    position = {rid: i for i, rid in enumerate(ids)}
    with _indexed_lock:
        _indexed[:] = [(ids, array, position)]
    return array, position


def fit_ranking(ranker: Any, request: RankingRequest) -> tuple[int, ...]:
    """Fit the prepared ``ranker`` on the request's labels and rank every record
    without a label, best first (record ids)."""
    import numpy as np

    array, position = record_index(request.ids)
    screened = np.array([position[rid] for rid, _ in request.labels], dtype=np.int64)
    labels = np.array([label for _, label in request.labels], dtype=np.int64)
    ranker.fit(screened, labels)
    unlabelled = np.ones(len(request.ids), dtype=bool)
    unlabelled[screened] = False
    return tuple(array[np.asarray(ranker.ranking(unlabelled), dtype=np.int64)].tolist())


class RankingWorker:
    """A background thread that keeps a fresh ranking per reviewer.

    Parameters
    ----------
    prepare:
        Prepares a ranker (``prepare(name, ids, criteria)``); called in the worker thread.
    refresh:
        Reads a reviewer's current request from the project; called in the worker thread.
    wait:
        The longest :meth:`serve` waits for a refit before serving the previous ranking.
    """

    def __init__(self, prepare: Prepare, refresh: Refresh, wait: float = 0.25) -> None:
        self.prepare = prepare
        self.refresh_request = refresh
        self.wait = wait
        self.fits = 0  # refits done (for tests and progress)
        self._changed = threading.Condition()
        self._pending: dict[str, RankingRequest | None] = {}  # None: read it
        self._rankings: dict[str, Ranking] = {}
        self._errors: dict[str, BaseException] = {}
        self._busy: str | None = None
        self._closed = False
        self._ranker: Any = None
        self._basis: tuple[str, tuple[int, ...], str] | None = None
        self._thread = threading.Thread(target=self._run, name="scopewise-ranking", daemon=True)
        self._thread.start()

    # -- the callers' side --------------------------------------------------------

    def serve(self, request: RankingRequest) -> tuple[Ranking, int]:
        """The ranking to serve for ``request`` and how many labels behind it is.

        Raises whatever preparing or fitting raised for this request.
        """
        deadline = time.monotonic() + self.wait
        with self._changed:
            self._check_open()
            current = self._rankings.get(request.reviewer)
            if current is not None and current.request == request:
                return current, 0
            if self._pending.get(request.reviewer) != request:
                self._pending[request.reviewer] = request
                self._errors.pop(request.reviewer, None)
                self._changed.notify_all()
            while True:
                current = self._rankings.get(request.reviewer)
                if current is not None and current.request == request:
                    return current, 0
                error = self._errors.get(request.reviewer)
                if error is not None:
                    raise error
                left = deadline - time.monotonic()
                usable = current is not None and current.request.basis == request.basis
                if usable and left <= 0:
                    assert current is not None
                    return current, current.behind(request)
                self._check_open()
                self._changed.wait(left if usable else None)

    def refresh(self, reviewer: str) -> None:
        """Queue refits after ``reviewer`` decided: for them, then for everyone served."""
        with self._changed:
            if self._closed:
                return
            for who in [reviewer, *self._rankings]:
                self._pending[who] = None
            self._changed.notify_all()

    def idle(self, timeout: float | None = None) -> bool:
        """Wait until nothing is queued or running; ``False`` if ``timeout`` ran out."""
        with self._changed:
            return self._changed.wait_for(
                lambda: self._closed or (not self._pending and self._busy is None), timeout
            )

    def close(self) -> None:
        """Stop the thread (a refit in progress is finished first)."""
        with self._changed:
            self._closed = True
            self._pending.clear()
            self._changed.notify_all()
        if threading.current_thread() is not self._thread:
            self._thread.join()

    def _check_open(self) -> None:
        if self._closed:
            raise RuntimeError("the ranking worker is closed")

    # -- the worker's side --------------------------------------------------------

    def _run(self) -> None:
        while True:
            with self._changed:
                self._changed.wait_for(lambda: self._closed or bool(self._pending))
                if self._closed:
                    self._busy = None
                    self._changed.notify_all()
                    return
                reviewer = next(iter(self._pending))
                request = self._pending.pop(reviewer)
                self._busy = reviewer
            ranking: Ranking | None = None
            error: BaseException | None = None
            try:
                ranking = self._fit(reviewer, request)
            except Exception as exc:  # handed to the caller waiting for it
                error = exc
            with self._changed:
                self._busy = None
                if ranking is not None:
                    self._rankings[reviewer] = ranking
                elif error is not None:
                    self._errors[reviewer] = error
                self._changed.notify_all()

    def _fit(self, reviewer: str, request: RankingRequest | None) -> Ranking | None:
        if request is None:
            request = self.refresh_request(reviewer)
            if request is None:
                return None
        current = self._rankings.get(reviewer)
        if current is not None and current.request == request:
            return current
        start = time.perf_counter()
        if self._basis != request.basis:
            self._ranker = None  # the old features go before the new ones are built
            self._ranker = self.prepare(*request.basis)
            self._basis = request.basis
        order = fit_ranking(self._ranker, request)
        self.fits += 1
        return Ranking(request, order, time.perf_counter() - start)
