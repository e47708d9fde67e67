"""ScreeningQueueMixin: which record a reviewer screens next, and the stopping estimate.

Also the small helpers every screening method builds on (who may screen, the open
pilot round); :class:`~scopewise.review.screening.ScreeningMixin` extends this class,
and :class:`~scopewise.review.fulltext.FullTextMixin` extends that.

Choices made here (and why):

- Pilot round: :meth:`ScreeningQueueMixin.start_pilot` (a lead) draws a random sample; while
  it is open, title/abstract decisions on those records are stored as ``pilot`` and
  served first. :meth:`ScreeningQueueMixin.close_pilot` ends it; with ``adopt=True`` the
  lead's word makes the pilot decisions count, by appending copies as ``screen``
  decisions. Otherwise the sample is screened again in the main round.

- The ranked order (what the ranker learns from, and the optional background
  worker that refits it) lives in :mod:`scopewise.review.ranking`.
- The stopping rule (protocol ``stop_rule``) reads the title/abstract history: records
  with a final outcome, in the order of their decisions, relevant when they
  passed. The statistical rule needs a random sample of the records left once the
  ranker seems to have run dry; when it asks for one, ``--next`` stops serving the
  ranked order and draws records at random (the draws are kept in the project
  settings, so both reviewers screen the same sample and the estimate knows which
  decisions came from it). Sampled records are placed after the others in the
  history, as the rule expects.
- The default rule at target 0.95 (``point-process-checked``) reads the ranker: when
  its model would stop, it asks the team's ranker for its scores (the process's
  ranker, fitted on the team's labels, one fit at a time) and may ask for a *check*, a
  few records most like the latest relevant ones. The check is stored in the project
  settings (so the whole team screens the same records, and the rule knows which
  decisions came from it) and served first, in its order, until every record of it has
  a final outcome; only then may the rule stop on it.
- Each estimate is written to the audit trail (``screening.stopping``, the fields of
  :class:`~scopewise.report.StoppingSummary`) when it differs from the last one, so
  the report shows the latest estimate without recomputing it.
"""

from __future__ import annotations

import math
import random
import threading
from collections.abc import Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from sqlalchemy.engine import Connection

from scopewise.errors import NotFound, ScopewiseError, ScreeningError, UsageError
from scopewise.records import Record
from scopewise.report.data import StoppingSummary
from scopewise.review.ranking import RankingMixin
from scopewise.review.ranking_worker import fit_ranking, record_index
from scopewise.review.report import STOPPING_EVENT
from scopewise.screening.decisions import first_stage, latest_decisions, validate_stage
from scopewise.screening.stop_advice import stopping_sentence
from scopewise.store import flow as flow_db
from scopewise.store import screening as db
from scopewise.store.screening_index import REACHED_MEMO
from scopewise.store.screening_state import ScreeningState

if TYPE_CHECKING:  # the stopping rules import scipy: load them only when screening
    from scopewise.screening.stopping import StoppingRule, StopReport
    from scopewise.screening.stopping_rule import RankerView

__all__ = ["SCREENERS", "NextRecord", "ScreeningQueueMixin", "stopping_rule_for"]

SCREENERS = ("lead", "reviewer")
RANDOM_SAMPLE = "random sample for the stopping rule"
CHECK_BEFORE_STOPPING = "check before stopping: records most like the latest relevant ones"


@dataclass(frozen=True, slots=True)
class NextRecord:
    """The record a reviewer should screen next."""

    record_id: int
    stage: str
    record: Record
    remaining: int  # records left for this reviewer at this stage, this one included
    ordered_by: str  # how the queue was ordered, in words
    pilot: bool = False
    stopping: StopReport | None = None  # the stopping rule's view, at title/abstract
    total: int = 0  # unique records in the project (what the stopping rule estimates over)
    head: tuple[int, ...] = ()  # the queue from this record on (at most HEAD records)


HEAD = 32  # records of the queue a hand-out may choose from when colleagues took the first


def stopping_rule_for(rule: str, target_recall: float) -> StoppingRule:
    """A new stopping rule as the protocol names it (``default`` is the rule chosen on
    the development sets); the target applies to every rule that takes one.

    Rules whose random sample must be hidden from the ranker (``target``,
    ``quantile-binomial``) are refused: the queue does not serve such a sample yet.
    """
    from scopewise.screening.stopping import (
        STOPPING_RULES,
        get_stopping_rule,
        resolve_stop_rule,
    )

    name = resolve_stop_rule(rule, target_recall)
    if STOPPING_RULES[name].sample_first:
        raise UsageError(
            f"protocol [screening] stop_rule = {rule!r}: this rule needs a random sample "
            "hidden from the ranker, which the screening queue does not serve yet; it runs "
            'in scopewise simulate. Use stop_rule = "default" for screening'
        )
    if name in ("statistical", "statistical-plain"):
        from scopewise.review.ranker_cache import LevelFile

        return get_stopping_rule(name, target_recall=target_recall, levels=LevelFile())
    return get_stopping_rule(name, target_recall=target_recall)


def _finite(value: float | None) -> float | None:
    return None if value is None or not math.isfinite(value) else float(value)


def _estimate_detail(report: StopReport, total: int, target_recall: float) -> dict[str, Any]:
    """The stopping estimate as the audit event records it (and the dashboard shows it)."""
    bound = report.recall_lower_bound
    return {
        "rule": report.rule,
        "screened": report.screened,
        "total": total,
        "target_recall": target_recall,
        "can_stop": report.stop,
        "estimated_recall": report.estimated_recall,
        "confidence": "" if bound is None else f"{report.bound_words} {bound:.1%}",
        "stopped_after": report.screened if report.stop else None,
        "note": report.detail,
        # what the rule models or still needs (no schema change: the event detail)
        "relevant_left": report.relevant_left,
        "relevant_left_interval": (
            None if report.relevant_left_low is None or report.relevant_left_high is None
            else [report.relevant_left_low, report.relevant_left_high]
        ),
        "sample_needed": report.sample_needed,
        "promise": report.promise,
    }


class ScreeningQueueMixin(RankingMixin):
    """Review methods for the screening queue and the stopping estimate."""

    # -- helpers shared by every screening method ---------------------------------

    def _load_protocol(self) -> None:
        # Read the protocol before opening a connection: on SQLite every connection
        # begins with BEGIN IMMEDIATE, so a second one inside a transaction would wait
        # for the first.
        _ = self.protocol

    def _screener(self, conn: Connection, name: str, allowed: Sequence[str] = SCREENERS) -> int:
        return self._screener_of(db.user_roles(conn), name, allowed)

    @staticmethod
    def _screener_of(
        roles: dict[str, tuple[int, str]], name: str, allowed: Sequence[str] = SCREENERS
    ) -> int:
        if name not in roles:
            known = ", ".join(sorted(n for n, (_i, r) in roles.items() if r in SCREENERS))
            raise NotFound(
                f"unknown reviewer {name!r}; known reviewers: {known or '(none)'}; add new "
                "reviewers to the protocol's [[team]] and run scopewise protocol update"
            )
        user_id, role = roles[name]
        if role not in allowed:
            raise ScreeningError(
                f"{name} is a {role.replace('_', ' ')} in the team; "
                f"only a {' or '.join(allowed)} can do this"
            )
        return user_id

    def _pilot_open(self, conn: Connection) -> dict[str, Any] | None:
        state = db.pilot_state(conn)
        return state if state and state.get("open") else None

    # -- pilot round -----------------------------------------------------------

    def start_pilot(self, n: int, seed: int = 0, actor: str = "") -> list[int]:
        """Draw ``n`` unique records at random (by ``seed``) for a calibration round.

        ``actor`` must be a lead. Returns the sampled record ids.
        """
        self._load_protocol()
        with self.store.transaction() as conn:
            self._screener(conn, actor, ("lead",))
            if self._pilot_open(conn):
                raise ScreeningError("a pilot round is already open; close it first")
            ids = db.unique_record_ids(conn)
            if n < 1 or n > len(ids):
                raise UsageError(f"the pilot sample must be 1 to {len(ids)} records, not {n}")
            sample = sorted(random.Random(seed).sample(ids, n))
            state = {"open": True, "records": sample, "seed": seed, "started_by": actor}
            db.set_pilot_state(conn, state)
            self.store.audit(
                conn, actor, "screening.pilot_started", {"records": sample, "seed": seed}
            )
        return sample

    def pilot_records(self) -> list[int]:
        """The records of the open pilot round (empty if none is open)."""
        self._load_protocol()
        with self.store.reading() as conn:
            state = self._pilot_open(conn)
        return list(state["records"]) if state else []

    def close_pilot(self, actor: str, adopt: bool = False) -> int:
        """End the pilot round; with ``adopt`` its decisions count for the main screening.

        Returns the number of pilot decisions adopted (0 without ``adopt``).
        """
        self._load_protocol()
        with self.store.transaction() as conn:
            self._screener(conn, actor, ("lead",))
            state = self._pilot_open(conn)
            if state is None:
                raise ScreeningError("no pilot round is open")
            adopted = 0
            if adopt:
                roles = db.user_roles(conn)
                latest = latest_decisions(db.decision_rows(conn, kinds=("pilot",)), ("pilot",))
                for d in sorted(latest.values(), key=lambda d: d.id):
                    db.insert_decision(
                        conn,
                        d.record_id,
                        d.stage,
                        roles[d.reviewer][0],
                        d.decision,
                        d.reasons,
                        d.note,
                        "screen",
                    )
                    adopted += 1
            db.set_pilot_state(conn, {**state, "open": False, "closed_by": actor, "adopted": adopt})
            self.store.audit(conn, actor, "screening.pilot_closed", {"adopted": adopted})
        if adopted:
            self._decided(actor)
        return adopted

    # -- the stopping estimate ----------------------------------------------------

    def stopping_estimate(
        self, actor: str = "scopewise", record: bool = True
    ) -> StopReport | None:
        """What the protocol's stopping rule says about title/abstract screening so far.

        The estimate is also recorded in the audit trail (``screening.stopping``) for
        the report, unless it equals the last one recorded or ``record`` is false (a
        page that only shows it: a GET changes nothing). ``estimated_recall`` is
        ``None`` until the rule can estimate it (the statistical rule: once its random
        sample began). Returns ``None`` when the protocol has no title/abstract stage.
        """
        return self._estimate_now(actor, record)[0]

    def stopping_now(self) -> StoppingSummary | None:
        """The stopping estimate of the decisions as they stand, in the terms the audit
        trail records it, without recording it (a page that only shows it). ``None``
        when the protocol has no title/abstract stage."""
        report, total = self._estimate_now("scopewise", record=False)
        if report is None:
            return None
        target = self.protocol.screening.target_recall
        summary = StoppingSummary.from_detail(_estimate_detail(report, total, target))
        return replace(summary, advice=stopping_sentence(report, target))

    def _estimate_now(self, actor: str, record: bool) -> tuple[StopReport | None, int]:
        """The estimate on the decisions as they stand, and the records in the review."""
        self._load_protocol()
        with self.store.reading() as conn:
            state = self._screening_state(conn)
            sample = db.stopping_sample(conn)
            checks = db.stopping_checks(conn)
        return self._estimate(state, sample, actor, record, checks)[0], len(state.ids)

    def _history(self, state: ScreeningState, sample: Sequence[int]) -> tuple[
        list[int], list[bool]
    ]:
        reached = state.index.reached  # record -> (first decision id, passed)
        order = self._history_order(state, sample)
        drawn_set = set(sample)
        return [reached[r][1] for r in order], [r in drawn_set for r in order]

    @staticmethod
    def _history_order(state: ScreeningState, sample: Sequence[int]) -> list[int]:
        """The records of the stopping rule's history: those with a final outcome in
        the order they were first decided, the random sample's draws last."""
        reached = state.index.reached
        drawn = [r for r in dict.fromkeys(sample) if r in reached]
        return sorted(reached.keys() - set(drawn), key=reached.__getitem__) + drawn

    def _estimate(
        self, state: ScreeningState, sample: Sequence[int], actor: str, record: bool = True,
        checks: Sequence[Sequence[int]] = (),
    ) -> tuple[StopReport | None, StoppingRule | None, list[int]]:
        plan = self.protocol.screening
        if "title_abstract" not in plan.stages:
            return None, None, []
        import numpy as np

        total = len(state.ids)
        # worked out once per history: the index keeps it, and carries it forward while
        # no record reaches (or leaves) a final outcome, e.g. after a first reviewer's
        # decision under dual screening (see screening_index.REACHED_MEMO)
        key = (f"{REACHED_MEMO}estimate:{plan.stop_rule}:{plan.target_recall!r}:{total}:"
               f"{tuple(sample)!r}:{[tuple(c) for c in checks]!r}")
        memo = state.index.memo
        found = memo.get(key)
        if found is None:
            fresh = stopping_rule_for(plan.stop_rule, plan.target_recall)
            history, sampled = self._history(state, sample)
            if fresh.reads_ranker:
                fresh.see(self._ranker_view(state, sample, history, checks))
            fresh.fit(np.asarray(history, dtype=np.int64), total, np.asarray(sampled, dtype=bool))
            raw = fresh.report()
            # no estimate is None, not NaN, for callers and the audit trail alike
            found = memo[key] = (replace(raw, estimated_recall=_finite(raw.estimated_recall)),
                                 fresh, history)
        report: StopReport
        rule: StoppingRule
        labels: list[int]
        report, rule, labels = found  # type: ignore[misc]
        if record:
            self._record_estimate(report, total, plan.target_recall, actor)
        return report, rule, labels

    def _record_estimate(
        self,
        report: StopReport,
        total: int,
        target_recall: float,
        actor: str,
        conn: Connection | None = None,
    ) -> None:
        """Audit the estimate unless it equals the last one audited; inside ``conn``'s
        transaction when one is given (the web app's hand-out), else in its own."""
        detail = _estimate_detail(report, total, target_recall)
        if conn is not None:
            if flow_db.latest_audit_detail(conn, STOPPING_EVENT) != detail:
                self.store.audit(conn, actor, STOPPING_EVENT, detail)
            return
        with self.store.reading() as read:
            if flow_db.latest_audit_detail(read, STOPPING_EVENT) == detail:
                return
        with self.store.transaction() as write:
            self.store.audit(write, actor, STOPPING_EVENT, detail)

    # -- the next record ----------------------------------------------------------

    def next_record(
        self,
        reviewer: str,
        stage: str | None = None,
        exclude: AbstractSet[int] = frozenset(),
        record_estimate: bool = True,
    ) -> NextRecord | None:
        """The record ``reviewer`` should screen next, or ``None`` when nothing is left.

        Without ``stage``, the first stage (protocol order) with work left for the
        reviewer. Open pilot records come first. At title/abstract the queue is
        ordered by the protocol's ranker, until the stopping rule asks for a random
        sample (see the module notes); at full text, in input order. Records in
        ``exclude`` are passed over (the web app's records handed to colleagues).
        ``record_estimate=False`` leaves the stopping estimate out of the audit trail
        (the caller records it, or only shows it).
        """
        self._load_protocol()
        with self.store.reading() as conn:
            self._screener(conn, reviewer)
        return self._next_record(reviewer, stage, exclude, record_estimate)

    def _next_record(
        self,
        reviewer: str,
        stage: str | None,
        exclude: AbstractSet[int],
        record_estimate: bool,
    ) -> NextRecord | None:
        """:meth:`next_record` for a reviewer the caller has checked."""
        import numpy as np

        stages = [validate_stage(self.protocol, stage)] if stage else self.protocol.screening.stages
        # Short reads, ranking outside any connection: on SQLite an open connection
        # holds the write lock, and the other reviewers are waiting to write.
        with self.store.reading() as conn:
            state = self._screening_state(conn)
            pilot, sample = db.pilot_and_sample(conn)
            checks = db.stopping_checks(conn)
            pilot = pilot if pilot and pilot.get("open") else None
        estimate: StopReport | None = None
        for s in stages:
            wants = False  # whether the stopping rule's random sample is being drawn
            check: list[int] | None = None  # the records of a check before stopping
            if s == "title_abstract":
                estimate, rule, labels = self._estimate(
                    state, sample, reviewer, record_estimate, checks)
                history = np.asarray(labels, dtype=np.int64)
                wants = bool(sample) or (
                    rule is not None and rule.wants_random_sample(history, len(state.ids))
                )
                if rule is not None and rule.reads_ranker:
                    check = self._open_check(state, checks, rule)
            # ``exclude``: records handed to colleagues (the web app's leases)
            queue, ordered_by, is_pilot = self._queue(
                state, pilot, reviewer, s, sample if wants else None, exclude, check
            )
            if queue:
                with self.store.reading() as conn:
                    record = db.screening_records(conn, queue[:1])[queue[0]]
                return NextRecord(
                    queue[0], s, record, len(queue), ordered_by, is_pilot,
                    estimate if s == "title_abstract" else None, len(state.ids),
                    tuple(queue[:HEAD]),
                )
        return None

    def _queue(
        self,
        state: ScreeningState,
        pilot: dict[str, Any] | None,
        reviewer: str,
        stage: str,
        sample: list[int] | None = None,
        exclude: AbstractSet[int] = frozenset(),
        check: list[int] | None = None,
    ) -> tuple[list[int], str, bool]:
        candidates, is_pilot = self._candidates(state, pilot, reviewer, stage, exclude)
        if is_pilot:
            return candidates, "pilot sample (random)", True
        screeners = state.index.stage(stage).screeners
        if sample is not None and candidates:
            return self._sampled(candidates, screeners, sample), RANDOM_SAMPLE, False
        if stage != "title_abstract" or len(candidates) < 2:
            return candidates, "input order", False
        if check:
            allowed = set(candidates)
            first = [r for r in check if r in allowed]
            if first:
                ranked, _how, _pilot = self._ranked(state, reviewer, candidates)
                taken = set(first)
                return first + [r for r in ranked if r not in taken], CHECK_BEFORE_STOPPING, False
        return self._ranked(state, reviewer, candidates)

    def _open_check(
        self, state: ScreeningState, checks: Sequence[Sequence[int]], rule: StoppingRule
    ) -> list[int] | None:
        """The records of the rule's check still to screen: the latest check's records
        without a final outcome, or a new check when the rule asks for one (stored in
        the project settings, so the whole team screens the same records)."""
        waiting = self._check_waiting(state, checks)
        if waiting:
            return waiting
        if not rule.check_.size:
            return None
        ids, _position = record_index(state.ids)
        new = [int(r) for r in ids[rule.check_]]
        with self.store.transaction() as conn:
            stored = db.stopping_checks(conn, for_update=True)
            if stored == [list(c) for c in checks]:  # no colleague began one meanwhile
                db.set_stopping_checks(conn, [*stored, new])
                return new
        return self._check_waiting(state, stored) or None

    @staticmethod
    def _check_waiting(state: ScreeningState, checks: Sequence[Sequence[int]]) -> list[int]:
        """The latest check's records still without a final outcome, in its order; a
        record no longer among the unique records (removed, or merged as a duplicate
        since) is not waited for."""
        if not checks:
            return []
        _ids, position = record_index(state.ids)
        reached = state.index.reached
        return [r for r in checks[-1] if r in position and r not in reached]

    def _ranker_view(
        self, state: ScreeningState, sample: Sequence[int], history: Sequence[int],
        checks: Sequence[Sequence[int]],
    ) -> RankerView:
        """What a stopping rule that reads the ranker is given (see
        :class:`~scopewise.screening.stopping_rule.RankerView`): the team's ranker,
        fitted on the team's labels when the rule asks for its scores."""
        import numpy as np

        from scopewise.screening.stopping_checked import WordRows
        from scopewise.screening.stopping_rule import RankerView

        _ids, position = record_index(state.ids)
        order = self._history_order(state, sample)
        screened = np.asarray([position[r] for r in order], dtype=np.int64)
        unscreened = np.ones(len(state.ids), dtype=bool)
        unscreened[screened] = False
        number = {r: k for k, check in enumerate(checks, 1) for r in check}
        request = self._ranking_request(state)

        def scores() -> np.ndarray:
            # the background worker's ranking, waited for as a hand-out waits for it (the
            # queue's own ask that follows is then answered at once), when it knows every
            # label; else the process's ranker fitted here (the worker still behind, or a
            # ranking read from the database, which carries no scores)
            worker = self._ranking_worker
            if worker is not None:
                try:
                    latest, behind = worker.serve(request)
                except (ImportError, ScopewiseError, ValueError):
                    latest, behind = None, 1
                if latest is not None and latest.scores is not None and not behind:
                    return np.asarray(latest.scores, dtype=float)
            ranker = self._process_ranker(request)
            with self._guard_lock():
                fit_ranking(ranker, request)
                return np.asarray(ranker.scores(), dtype=float).copy()

        def records() -> list[Record]:
            with self.store.reading() as conn:
                found = db.screening_records(conn, state.ids)
            return [found[r] for r in state.ids]

        def words() -> Any:  # asked only when the rule hands out a check
            return WordRows(self._process_ranker(request), records)()

        return RankerView(screened, np.asarray(history, dtype=np.int64), unscreened, scores,
                          words, np.asarray([number.get(r, 0) for r in order], dtype=np.int64),
                          bool(self._check_waiting(state, checks)))

    def _guard_lock(self) -> Any:
        """One fit of the process's ranker at a time (web threads share it)."""
        lock = self.__dict__.get("_ranker_fit_lock")
        if lock is None:
            lock = self.__dict__.setdefault("_ranker_fit_lock", threading.Lock())
        return lock

    def _candidates(
        self,
        state: ScreeningState,
        pilot: dict[str, Any] | None,
        reviewer: str,
        stage: str,
        exclude: AbstractSet[int] = frozenset(),
    ) -> tuple[list[int], bool]:
        """The records left for ``reviewer`` at ``stage`` in input order (not ranked),
        and whether they are the open pilot round's."""
        rows = state.decisions
        pilot_sample: list[int] = list(pilot["records"]) if pilot else []
        if stage == "title_abstract" and pilot_sample:
            done = {d.record_id for d in rows if d.kind == "pilot" and d.reviewer == reviewer}
            left = [r for r in pilot_sample if r not in done and r not in exclude]
            if left:
                return left, True
        index = state.index.stage(stage)
        # An untouched record is undecided at the first stage and absent from the other,
        # so only the touched ones are looked at (a few among 100,000, say).
        first = first_stage(self.protocol.screening.stages)
        open_ids = index.waiting
        mine = set(pilot_sample) | set(exclude) | index.decided_by.get(reviewer, frozenset())
        if stage == first:
            return self._open_in_input_order(state, stage, mine), False
        blocked = (state.touched - open_ids) | mine | index.full
        return self._in_input_order(state, blocked, open_ids), False

    def _left_inputs(self, conn: Connection) -> tuple[ScreeningState, dict[str, Any] | None]:
        """What :meth:`_left_counts` reads: the screening state and the open pilot."""
        pilot, _sample = db.pilot_and_sample(conn)
        return self._screening_state(conn), pilot if pilot and pilot.get("open") else None

    def _left_counts(
        self, reviewer: str, state: ScreeningState, pilot: dict[str, Any] | None,
        exclude: Mapping[str, AbstractSet[int]],
    ) -> dict[str, int]:
        """Records left per stage (as many as :meth:`_candidates` lists), worked out
        outside any connection."""
        return {s: self._count_left(state, pilot, reviewer, s, exclude.get(s, frozenset()))
                for s in self.protocol.screening.stages}

    def _count_left(
        self, state: ScreeningState, pilot: dict[str, Any] | None, reviewer: str, stage: str,
        exclude: AbstractSet[int],
    ) -> int:
        """How many records :meth:`_candidates` would list, without listing them: the
        stage tabs ask on every page, and a list in input order of a first stage costs
        a pass over every record."""
        if pilot and stage == "title_abstract":  # a pilot round: the short list itself
            return len(self._candidates(state, pilot, reviewer, stage, exclude)[0])
        index = state.index.stage(stage)
        first = first_stage(self.protocol.screening.stages)
        mine = set(exclude) | index.decided_by.get(reviewer, frozenset())
        if stage != first:
            return len(index.waiting - mine - index.full)
        closed = self._closed(state, stage)
        _ids, position = record_index(state.ids)
        key = f"open:{stage}"
        kept = state.index.memo.get(key)
        open_count = kept if isinstance(kept, int) else int(len(closed) - closed.sum())
        state.index.memo[key] = open_count
        mine_open = sum(1 for r in mine if (p := position.get(r)) is not None and not closed[p])
        return open_count - mine_open

    @staticmethod
    def _closed(state: ScreeningState, stage: str) -> Any:
        """Per record in input order, whether it is closed at the first ``stage`` for
        everyone: touched and no longer waiting, or with enough reviewers (worked out
        once per state)."""
        import numpy as np

        ids, position = record_index(state.ids)
        index = state.index
        key = f"closed:{stage}"
        closed = index.memo.get(key)
        if closed is None:
            shut = (state.touched - index.stage(stage).waiting) | index.stage(stage).full
            closed = np.zeros(len(ids), dtype=bool)
            closed[[position[r] for r in shut if r in position]] = True
            index.memo[key] = closed
        return closed

    @staticmethod
    def _open_in_input_order(state: ScreeningState, stage: str, blocked: AbstractSet[int]) -> list[int]:
        """The unique records at the first ``stage`` in input order, except the touched
        ones no longer waiting, those with enough reviewers, and ``blocked``. The first
        three are the same for every reviewer: their mask is worked out once per index
        (one per state), and only ``blocked`` (a reviewer's own records and the
        colleagues' leases, a few hundred) is marked per call."""

        ids, position = record_index(state.ids)
        keep = ~ScreeningQueueMixin._closed(state, stage)
        keep[[position[r] for r in blocked if r in position]] = False
        found: list[int] = ids[keep].tolist()
        return found

    @staticmethod
    def _in_input_order(
        state: ScreeningState, blocked: AbstractSet[int], among: AbstractSet[int] | None
    ) -> list[int]:
        """The unique records (or those ``among`` them) except ``blocked``, in input order."""
        import numpy as np

        ids, position = record_index(state.ids)
        if among is not None:
            return sorted(among - blocked, key=position.__getitem__)
        keep = np.ones(len(ids), dtype=bool)
        keep[[position[r] for r in blocked if r in position]] = False
        found: list[int] = ids[keep].tolist()
        return found

    def _sampled(
        self, candidates: list[int], screeners: Mapping[int, AbstractSet[str]], sample: list[int]
    ) -> list[int]:
        """The queue once the stopping rule samples: drawn records this reviewer has
        not screened, then records a colleague started, then a new random draw."""
        allowed, in_sample = set(candidates), set(sample)
        drawn = [r for r in sample if r in allowed]
        started = [r for r in candidates if screeners.get(r) and r not in in_sample]
        fresh = sorted(r for r in candidates if not screeners.get(r) and r not in in_sample)
        if drawn or started or not fresh:
            return drawn + started + fresh
        pick = random.Random(f"stopping-sample-{len(sample)}").choice(fresh)
        with self.store.transaction() as conn:
            stored = db.stopping_sample(conn, for_update=True)
            if pick not in stored:
                db.set_stopping_sample(conn, [*stored, pick])
        return [pick] + [r for r in fresh if r != pick]
