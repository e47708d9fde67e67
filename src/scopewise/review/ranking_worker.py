"""The ranking worker: refits the screening ranker in a background thread, so a
long-lived process (the web app, ``scopewise screen --session``, a script) serves the
next record at once instead of refitting while the reviewer waits.

There is one ranking for the whole team (see :mod:`scopewise.review.ranking` for what
it learns from and why that keeps blinding). How it serves
(:meth:`RankingWorker.serve`):

- A ranking is computed for a :class:`RankingRequest`: the team's training labels
  over the project's records.
- When the newest ranking was fitted on exactly those labels, it is served as it is.
- Otherwise the request is queued and the caller waits up to ``wait`` seconds for it.
  If the refit is not done by then, the previous ranking is served when it is at most
  ``tolerance`` labels behind (2: the team's pace may outrun a refit by a decision or
  two), and the caller is told how many labels behind it is. A ranking further behind
  is served only after ``stale_wait`` seconds more without one within the tolerance
  (a refit that takes that long is stuck behind something else; the page still comes).
  When no page has been served from a ranking 0 behind for ``catch_up_after`` seconds
  (0.5: a team deciding faster than the refits land, each page a decision or two
  behind), the next page waits up to ``catch_up_wait`` (0.25 s) instead of ``wait``, so
  every decision reaches a page within about a second. A short ``wait`` keeps pages
  quick at a team's pace, where most refits land within it; without the catch-up it
  let fresh pages become rare at full speed (bench/web_load.py: 4 worker processes,
  ``wait`` 20 ms, the p95 from a decision to a page ranked on it 1.7 s).
  Only the very first ranking (preparing the text features takes seconds) is always
  waited for.
- After a decision, :meth:`RankingWorker.refresh` queues a refit without waiting; the
  labels are read in the worker's thread, so a decision costs its writer nothing.
- Refits are coalesced: there is one slot for the next refit, and whatever arrives
  while a refit runs (a burst of decisions from the whole team) replaces what waits
  there, so N decisions during one fit cost one more fit, on all of them.
- A decision that changes no training label (under dual screening, a second
  reviewer agreeing with the first: the record only stops being pending) is ranked
  again without fitting: the warm-started ranker would start at its own optimum.

Why one ranking rather than one per reviewer: the rankers warm-start, so refitting
after a few new labels takes milliseconds, while switching one prepared ranker between
reviewers' label sets refits nearly from scratch (a tenth of a second and more at
10,000 records), once per reviewer after every decision. With twenty reviewers that
work grew with the team and kept the served rankings tens of decisions behind.

Several processes (the web app's workers on PostgreSQL) can share the ranking through
a :class:`SharedRankings` store: before fitting, a worker looks for a stored ranking
that already covers its labels; if there is none it claims the next fit, and while
another process holds the claim it waits a moment for that process's result. So a
batch of decisions is fitted once by one process, not once per process.

The worker is the only user of its prepared ranker (rankers are not thread-safe);
the process-wide cache of the synchronous path is not touched. An error while
preparing or fitting is handed to the waiting caller, which falls back to input
order, and the next request tries again.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import chain
from typing import Any, Protocol

__all__ = [
    "Ranking", "RankingRequest", "RankingWorker", "SharedRankings", "fit_ranking",
    "record_index",
]

Prepare = Callable[[str, tuple[int, ...], str], Any]
"""Prepare the ranker ``name`` on these record ids with this criteria text."""
Refresh = Callable[[], "RankingRequest | None"]
"""Read the team's current request from the project (``None``: nothing to rank)."""

_READ = object()  # the pending slot's marker: read the request from the project
SHARED_WAIT = 2.0  # longest a worker waits for another process's fit before fitting


@dataclass(frozen=True, slots=True)
class RankingRequest:
    """What one ranking is fitted on.

    ``ids`` are the project's records in screening order (the positions the prepared
    ranker knows); ``labels`` the training labels as ``(record_id, 1 or 0)`` pairs;
    ``pending`` the labelled records that still wait for a decision (a record one
    reviewer of two has screened), which are trained on and still given a place in
    the order.
    """

    ranker: str
    ids: tuple[int, ...]
    criteria: str
    labels: tuple[tuple[int, int], ...]
    pending: tuple[int, ...] = ()

    @property
    def basis(self) -> tuple[str, tuple[int, ...], str]:
        """What the prepared ranker depends on: a change means preparing anew."""
        return self.ranker, self.ids, self.criteria


@dataclass(frozen=True, slots=True)
class Ranking:
    """A fitted ranking: the records still to be ranked, best first."""

    request: RankingRequest
    order: tuple[int, ...]
    seconds: float  # how long the fit and rank took
    #: the fitted ranker's scores of every record (positions of ``request.ids``), kept
    #: by the process that fitted it (a ranking read from the database has none)
    scores: Any = field(default=None, compare=False, repr=False)

    def behind(self, request: RankingRequest) -> int:
        """How many of ``request``'s training labels this ranking was not fitted on
        (new or changed since); 0 when it knows them all. A ranking fitted on more
        labels than the request (a colleague's decision that landed after the caller
        read the project) is newer, not behind."""
        if request == self.request:
            return 0
        if request.basis != self.request.basis:
            return len(request.labels) or 1
        return len(set(request.labels).difference(self.request.labels))


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


def fit_ranking(ranker: Any, request: RankingRequest, refit: bool = True) -> tuple[int, ...]:
    """Fit the prepared ``ranker`` on the request's labels and rank every record
    without a label, and the pending ones, best first (record ids).

    ``refit=False``: the ranker was last fitted on exactly these labels (only the
    pending records changed, e.g. a second reviewer agreed with the first); its
    scores are ranked as they are.
    """
    import numpy as np

    array, position = record_index(request.ids)
    # the (record, label) pairs as one array: a loop over thousands of pairs was a
    # millisecond of every refit
    pairs = np.fromiter(chain.from_iterable(request.labels), dtype=np.int64,
                        count=2 * len(request.labels)).reshape(-1, 2)
    screened = _positions(array, position, pairs[:, 0])
    if refit:
        ranker.fit(screened, pairs[:, 1].copy())
    unlabelled = np.ones(len(request.ids), dtype=bool)
    unlabelled[screened] = False
    unlabelled[_positions(array, position, np.asarray(request.pending, dtype=np.int64))] = True
    return tuple(array[np.asarray(ranker.ranking(unlabelled), dtype=np.int64)].tolist())


def _positions(array: Any, position: dict[int, int], wanted: Any) -> Any:
    """Positions of the record ids ``wanted`` among ``array`` (the request's ids);
    ``KeyError`` for an id that is not there. Ids in ascending order (as the screening
    state gives them) are looked up by bisection, others one by one."""
    import numpy as np

    if array.size > 1 and bool(np.all(array[1:] > array[:-1])):
        at = np.searchsorted(array, wanted)
        found = at < array.size
        if found.all() and np.array_equal(array[at], wanted):
            return at
    return np.array([position[int(rid)] for rid in wanted], dtype=np.int64)


class SharedRankings(Protocol):
    """Where worker processes share the team's ranking (see the module notes)."""

    def load(self, request: RankingRequest) -> Ranking | None:
        """The stored ranking on ``request``'s basis, or ``None``."""

    def claim(self, request: RankingRequest) -> bool:
        """Claim the next fit on ``request``'s basis; ``False`` while another holds it."""

    def save(self, ranking: Ranking) -> None:
        """Store a ranking just fitted (and end this process's claim)."""


class RankingWorker:
    """A background thread that keeps the team's ranking fresh.

    Parameters
    ----------
    prepare:
        Prepares a ranker (``prepare(name, ids, criteria)``); called in the worker thread.
    refresh:
        Reads the team's current request from the project; called in the worker thread.
    wait:
        The longest :meth:`serve` waits for a refit before serving the previous ranking.
    tolerance:
        The most labels behind a ranking served after ``wait`` may be.
    stale_wait:
        The longest :meth:`serve` waits, after ``wait``, for a ranking within
        ``tolerance`` before serving one further behind.
    shared:
        Where other processes' rankings are found and this one's are kept (optional).
    """

    def __init__(
        self,
        prepare: Prepare,
        refresh: Refresh,
        wait: float = 0.25,
        shared: SharedRankings | None = None,
        tolerance: int = 2,
        stale_wait: float = 2.0,
        catch_up_after: float = 0.5,
        catch_up_wait: float = 0.25,
    ) -> None:
        self.prepare = prepare
        self.refresh_request = refresh
        self.wait = wait
        self.tolerance = tolerance
        self.stale_wait = stale_wait
        self.catch_up_after = catch_up_after
        self.catch_up_wait = catch_up_wait
        self._fresh_at = time.monotonic()  # when a ranking 0 behind was last served
        self.shared = shared
        self.loaded = 0  # rankings taken from another process (for tests and progress)
        self.fits = 0  # refits done (for tests and progress)
        self._changed = threading.Condition()
        self._pending: Any = None  # None: nothing queued; _READ; or a RankingRequest
        self._ranking: Ranking | None = None
        self._error: BaseException | None = None
        self._busy = False
        self._closed = False
        self._ranker: Any = None
        self._basis: tuple[str, tuple[int, ...], str] | None = None
        self._fitted_labels: tuple[tuple[int, int], ...] | None = None  # of the ranker
        self._thread = threading.Thread(target=self._run, name="scopewise-ranking", daemon=True)
        self._thread.start()

    # -- the callers' side --------------------------------------------------------

    def serve(self, request: RankingRequest) -> tuple[Ranking, int]:
        """The ranking to serve for ``request`` and how many labels behind it is.

        Raises whatever preparing or fitting raised for this request.
        """
        start = time.monotonic()
        # no fresh page for a while (a team deciding faster than the refits land): this
        # page waits a little longer, so that one does come (see the module notes)
        catch_up = start - self._fresh_at > self.catch_up_after
        deadline = start + (max(self.wait, self.catch_up_wait) if catch_up else self.wait)
        last_resort = deadline + self.stale_wait
        known: list[Any] = [None, 0]  # the last ranking looked at and how far behind it is

        def behind(ranking: Ranking) -> int:  # a set difference over every label: once
            if known[0] is not ranking:
                known[:] = [ranking, ranking.behind(request)]
            return int(known[1])

        with self._changed:
            self._check_open()
            current = self._ranking
            if current is not None and behind(current) == 0:
                self._fresh_at = time.monotonic()
                return current, 0
            if self._pending is not _READ and self._pending != request:
                self._pending = request
                self._error = None
                self._changed.notify_all()
            while True:
                current = self._ranking
                if current is not None and behind(current) == 0:
                    self._fresh_at = time.monotonic()
                    return current, 0
                idle = self._pending is None and not self._busy
                if self._error is not None and idle:
                    raise self._error
                now = time.monotonic()
                left = deadline - now
                usable = current is not None and current.request.basis == request.basis
                if usable and left <= 0:
                    assert current is not None
                    lag = behind(current)
                    if lag <= self.tolerance or now >= last_resort:
                        return current, lag
                    left = last_resort - now  # too far behind: wait for the refit
                if idle:  # what was fitted meanwhile does not cover this view: fit it
                    self._pending = request
                    self._changed.notify_all()
                self._check_open()
                self._changed.wait(left if usable else None)

    def refresh(self) -> None:
        """Queue a refit on the project's labels as they now stand (after a decision)."""
        with self._changed:
            if self._closed:
                return
            self._pending = _READ
            self._changed.notify_all()

    def idle(self, timeout: float | None = None) -> bool:
        """Wait until nothing is queued or running; ``False`` if ``timeout`` ran out."""
        with self._changed:
            return self._changed.wait_for(
                lambda: self._closed or (self._pending is None and not self._busy), timeout
            )

    def close(self) -> None:
        """Stop the thread (a refit in progress is finished first)."""
        with self._changed:
            self._closed = True
            self._pending = None
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
                self._changed.wait_for(lambda: self._closed or self._pending is not None)
                if self._closed:
                    self._busy = False
                    self._changed.notify_all()
                    return
                request, self._pending = self._pending, None
                self._busy = True
            ranking: Ranking | None = None
            error: BaseException | None = None
            try:
                ranking = self._fit(None if request is _READ else request)
            except Exception as exc:  # handed to the caller waiting for it
                error = exc
            with self._changed:
                self._busy = False
                if ranking is not None:
                    self._ranking = ranking
                elif error is not None:
                    self._error = error
                self._changed.notify_all()

    def _fit(self, request: RankingRequest | None) -> Ranking | None:
        if request is None:
            request = self.refresh_request()
            if request is None:
                return None
        current = self._ranking
        if current is not None and current.request == request:
            return current
        if self.shared is not None:
            found = self._from_shared(request)
            if found is not None:
                return found
        start = time.perf_counter()
        self._prepared(request)
        # a decision that changes no training label (a second reviewer agreeing with
        # the first only moves the record out of the pending ones) needs no refit: the
        # warm-started solver would start at its own optimum and take no step
        refit = self._fitted_labels != request.labels
        self._fitted_labels = None  # until this fit is done (a failed fit refits)
        order = fit_ranking(self._ranker, request, refit=refit)
        self._fitted_labels = request.labels
        self.fits += 1
        scores = getattr(self._ranker, "scores", None)  # a ranker that gives them
        ranking = Ranking(request, order, time.perf_counter() - start,
                          None if scores is None else scores().copy())
        if self.shared is not None:
            self.shared.save(ranking)
        return ranking

    def _prepared(self, request: RankingRequest) -> None:
        if self._basis != request.basis:
            self._ranker = None  # the old features go before the new ones are built
            self._fitted_labels = None
            self._ranker = self.prepare(*request.basis)
            self._basis = request.basis

    def _from_shared(self, request: RankingRequest) -> Ranking | None:
        """A stored ranking that covers ``request``; ``None`` once this process holds
        the claim to fit it (or waited :data:`SHARED_WAIT` for another's in vain)."""
        assert self.shared is not None
        deadline = time.monotonic() + SHARED_WAIT
        while True:
            stored = self.shared.load(request)
            if stored is not None and stored.behind(request) == 0:
                if stored is not self._ranking:
                    self.loaded += 1
                return stored
            # preparing takes seconds: done before claiming, so that a process that
            # never fitted does not keep the others waiting on its claim meanwhile
            self._prepared(request)
            if self.shared.claim(request) or time.monotonic() >= deadline or self._closed:
                return None
            time.sleep(0.02)
