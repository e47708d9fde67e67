"""RankingMixin: the title/abstract queue in ranked order, refitted after every decision.

Choices made here (and why):

- One ranking for the whole team, not one per reviewer. It learns from every record
  with a title/abstract decision: a final outcome counts as it stands; a record still
  waiting for a second reviewer counts as relevant when any reviewer included it (or
  said maybe) and as not relevant when every reviewer so far excluded it. Such a
  pending record keeps its place in the order, so the colleague who still has to
  screen it is served it where the team's model puts it.
- What this means for blinding: no page shows a colleague's decision, but the order
  a reviewer is served reflects the team's decisions, so a pending record a colleague
  included tends to come earlier. That leaks order only, never a decision, and it is
  the choice screening tools built for teams make (Rayyan and Covidence rank on the
  team's pooled decisions too); the protocol's blinding is about what is shown.
  Ranking per reviewer on their own decisions (what this module did before) kept the
  order blind as well, but meant one refit per reviewer after every decision, work
  that grew with the team and kept a busy team's rankings tens of decisions behind.
- Without a worker, each ranked ``next_record`` refits in the caller's thread on a
  ranker prepared once per process (and kept on disk between one-shot commands, see
  :mod:`scopewise.review.ranker_cache`).
- :meth:`RankingMixin.start_background_ranking` moves the refits to a
  :class:`~scopewise.review.ranking_worker.RankingWorker` thread: each decision queues
  a refit at once (decisions that arrive during a refit are fitted together, once),
  and ``next_record`` serves the newest ranking without waiting more than a moment
  for it. It is meant for long-lived processes (the web app, ``scopewise screen
  --session``, scripts); :meth:`close` stops it.
- The worker's own ranker multiplies by the Gram matrix of thousands of training
  rows with each record's private terms as a diagonal (``gram="split"``,
  :mod:`scopewise.screening.rankers.split_gram`): the same model to rounding at less
  than half the cost of a refit, but not bit for bit, so the synchronous path (and
  ``scopewise simulate``) keep the full products.
- With several worker processes (the web app on PostgreSQL) the ranking is kept in
  the database (:mod:`scopewise.store.team_ranking`): one process claims and fits
  each batch, the others read its result instead of fitting the same labels again.
"""

from __future__ import annotations

import hashlib
import os
import socket
import threading
from typing import Any

from scopewise.errors import ScopewiseError
from scopewise.review.core import ReviewCore
from scopewise.review.ranking_worker import (
    Ranking,
    RankingRequest,
    RankingWorker,
    fit_ranking,
    record_index,
)
from scopewise.store import screening as db
from scopewise.store import team_ranking
from scopewise.store.core import Store
from scopewise.store.screening_state import ScreeningState
from scopewise.text import plural

__all__ = ["RankingMixin"]


def _import_stopping_rules() -> None:
    """The stopping rules' distributions come from scipy.stats, which takes about a
    second to import. A process that starts a ranking worker (the web app, a screening
    session) imports it in the background at once, so the first record served after a
    start does not wait for it."""
    import scipy.stats  # noqa: F401


CLAIM_SECONDS = 30.0  # how long a claim to fit lasts if its process dies mid-fit


class DatabaseRankings:
    """The team's ranking shared through the project database (see the module notes):
    the :class:`~scopewise.review.ranking_worker.SharedRankings` of the web app."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.holder = f"{socket.gethostname()[:60]}:{os.getpid()}:{id(self):x}"
        self._keys: tuple[tuple[str, tuple[int, ...], str], str] | None = None
        self._seen: tuple[str, Any, Ranking | None] = ("", None, None)

    def _key(self, request: RankingRequest) -> str:
        """A digest of the ranking's basis (ranker, criteria, records in order)."""
        basis = request.basis
        if self._keys is None or self._keys[0] != basis:
            import numpy as np

            digest = hashlib.sha256(repr((basis[0], basis[2])).encode())
            digest.update(np.asarray(basis[1], dtype=np.int64).tobytes())
            self._keys = (basis, digest.hexdigest())
        return self._keys[1]

    def load(self, request: RankingRequest) -> Ranking | None:
        """The stored ranking on the request's basis (read again only when it changed)."""
        import numpy as np

        key = self._key(request)
        with self.store.reading() as conn:
            stamp = team_ranking.ranking_stamp(conn, key)
            if stamp is None:
                return None
            if self._seen[0] == key and self._seen[1] == stamp:
                return self._seen[2]
            stored = team_ranking.load_ranking(conn, key)
        if stored is None:
            return None
        order = tuple(np.frombuffer(stored.ranked, dtype=np.int64).tolist())
        made = RankingRequest(*request.basis, stored.labels, stored.pending)
        ranking = Ranking(made, order, 0.0)
        self._seen = (key, stored.fitted_at, ranking)
        return ranking

    def claim(self, request: RankingRequest) -> bool:
        """Claim the next fit (see :func:`scopewise.store.team_ranking.claim_ranking`)."""
        with self.store.transaction() as conn:
            return team_ranking.claim_ranking(
                conn, self._key(request), self.holder, CLAIM_SECONDS
            )

    def save(self, ranking: Ranking) -> None:
        """Store a ranking this process fitted."""
        import numpy as np

        request = ranking.request
        ranked = np.asarray(ranking.order, dtype=np.int64).tobytes()
        with self.store.transaction() as conn:
            team_ranking.save_ranking(
                conn, self._key(request), self.holder, request.labels, request.pending, ranked
            )


class RankingMixin(ReviewCore):
    """The ranked title/abstract queue, optionally refitted in a background worker."""

    _ranking_worker: RankingWorker | None = None

    def start_background_ranking(
        self, wait: float = 0.25, shared: bool | None = None
    ) -> RankingWorker:
        """Refit the ranker in a background thread from now on (see the module notes).

        ``wait`` is the longest :meth:`next_record` waits for a refit still running
        before it serves the previous ranking. ``shared`` keeps the ranking in the
        database for other processes (default: on PostgreSQL, where several web
        workers run; SQLite allows one). Calling it again returns the running
        worker. The worker stops with :meth:`close`.
        """
        if self._ranking_worker is None:
            threading.Thread(target=_import_stopping_rules, name="scopewise-import",
                             daemon=True).start()
            if shared is None:
                shared = self.store.backend != "sqlite"
            self._ranking_worker = RankingWorker(
                self._worker_ranker, self._current_request, wait=wait,
                shared=DatabaseRankings(self.store) if shared else None,
            )
        return self._ranking_worker

    def close(self) -> None:
        """Stop the ranking worker, if one runs, and release the database."""
        worker, self._ranking_worker = self._ranking_worker, None
        if worker is not None:
            worker.close()
        super().close()

    def _decided(self, reviewer: str) -> None:
        """A decision was stored: queue the team's refit (with a worker)."""
        if self._ranking_worker is not None:
            self._ranking_worker.refresh()

    # -- what a ranking is fitted on --------------------------------------------------

    def _ranking_request(self, state: ScreeningState) -> RankingRequest:
        """The team's labels (see the module notes): final outcomes, then pooled
        decisions on the records still waiting for a reviewer (kept up to date in the
        state's index, :mod:`scopewise.store.screening_index`)."""
        name = self.protocol.screening.ranker
        return RankingRequest(
            "scopewise" if name == "default" else name,
            state.ids,
            self.protocol.scope_text(),
            state.index.sorted_labels(),
            tuple(sorted(state.index.pending)),
        )

    def _current_request(self) -> RankingRequest | None:
        """The team's request as the project stands (read in the worker's thread)."""
        if "title_abstract" not in self.protocol.screening.stages:
            return None
        with self.store.reading() as conn:
            state = self._screening_state(conn)
        if len(state.ids) < 2:
            return None
        return self._ranking_request(state)

    def _prepared_ranker(self, name: str, ids: tuple[int, ...], criteria: str) -> Any:
        """The ranker prepared on these records: from the user's disk cache when a
        one-shot command prepared it before (see :mod:`scopewise.review.ranker_cache`)."""
        from scopewise.review import ranker_cache
        from scopewise.screening.rankers import get_ranker

        with self.store.reading() as conn:
            project = db.project_identity(conn)
        disk_key = ranker_cache.prepared_key(name, project, ids, criteria)
        ranker = ranker_cache.load_prepared(disk_key)
        if ranker is None:
            with self.store.reading() as conn:
                found = db.screening_records(conn, ids)
            ranker = get_ranker(name).prepare([found[r] for r in ids], criteria=criteria)
            ranker_cache.store_prepared(disk_key, ranker)
        return ranker

    def _worker_ranker(self, name: str, ids: tuple[int, ...], criteria: str) -> Any:
        """The background worker's ranker: prepared as for the synchronous path, with
        the warm SVMs' split Gram products (the same model to rounding, at less than
        half the cost of a refit on thousands of labels; not bit for bit, which is why
        simulations and the synchronous path keep the full products, see
        :mod:`scopewise.screening.rankers.split_gram`)."""
        ranker = self._prepared_ranker(name, ids, criteria)
        if "gram" in ranker.get_params():
            ranker.set_params(gram="split")
        return ranker

    # -- the ranked queue -------------------------------------------------------------

    def _ranked(
        self,
        state: ScreeningState,
        reviewer: str,
        candidates: list[int],
    ) -> tuple[list[int], str, bool]:
        request = self._ranking_request(state)
        try:
            if self._ranking_worker is not None:
                ranking, behind = self._ranking_worker.serve(request)
                order, how = ranking.order, f"ranked by the {request.ranker} ranker"
                if behind:
                    latest = "decision" if behind == 1 else plural(behind, "decision")
                    how += f" (refit for the latest {latest} still running)"
            else:
                order = fit_ranking(self._process_ranker(request), request)
                how = f"ranked by the {request.ranker} ranker"
        except (ImportError, ScopewiseError, ValueError) as exc:
            return candidates, f"input order (ranker unavailable: {exc})", False
        import numpy as np

        # the order as an array once per ranking (it is served to every reviewer)
        kept = self.__dict__.get("_order_array")
        if kept is not None and kept[0] is order:
            ranked = kept[1]
        else:
            ranked = np.fromiter(order, dtype=np.int64, count=len(order))
            self.__dict__["_order_array"] = (order, ranked)
        allowed = np.zeros(int(record_index(state.ids)[0].max()) + 1, dtype=bool)
        allowed[np.asarray(candidates, dtype=np.int64)] = True
        queue: list[int] = ranked[allowed[ranked]].tolist()
        if len(queue) < len(candidates):  # a stale ranking lacks records taken back since
            known = set(queue)
            queue += [r for r in candidates if r not in known]
        return queue, how, False

    def _process_ranker(self, request: RankingRequest) -> Any:
        """The ranker prepared for this process, while the records and protocol stay
        (preparing, the text features of every record, is the slow part)."""
        cache: dict[Any, Any] = self.__dict__.setdefault("_prepared_rankers", {})
        ranker = cache.get(request.basis)
        if ranker is None:
            ranker = self._prepared_ranker(*request.basis)
            cache.clear()
            cache[request.basis] = ranker
        return ranker
