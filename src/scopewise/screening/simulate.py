"""Simulated screening: replay a labelled dataset as a reviewer would screen it.

The simulation starts from prior records (chosen at random with the seed among the
relevant and among the irrelevant records), then asks the ranker for the next
record, lets the simulated reviewer decide it, retrains, and so on. Labels live in
:class:`SimulatedReviewer`; the loop learns a label only by asking the reviewer to
decide that record, and the ranker only ever receives the decisions made so far.

Stopping rules change what is screened in two ways. The statistical rules screen in
ranked order until they ask for a random sample of the records left, then draw from
those. Rules whose sample is hidden from the ranker (``sample_first``: the target
method, the quantile-binomial bound) draw their sample first, from every record but
the priors; the ranker learns a sampled record's label only when its own order
reaches that record, at no extra cost (see :func:`_screen_sample_first`).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from scopewise.errors import UsageError
from scopewise.records import Record
from scopewise.screening.metrics import ScreeningMetrics, screening_metrics
from scopewise.screening.rankers import Ranker
from scopewise.screening.stopping import StoppingRule, StopReport
from scopewise.screening.stopping_checked import WordRows
from scopewise.screening.stopping_rule import RankerView

__all__ = ["SimulatedReviewer", "SimulationResult", "choose_priors", "rerank_latency", "simulate"]


class SimulatedReviewer:
    """Holds the true labels and reveals one only when asked to decide that record."""

    def __init__(self, labels: Sequence[int] | np.ndarray) -> None:
        self._labels = np.asarray(labels, dtype=np.int64)
        self._decided = np.zeros(self._labels.size, dtype=bool)

    @property
    def n_records(self) -> int:
        """Records in the dataset."""
        return int(self._labels.size)

    def decide(self, position: int) -> int:
        """Screen the record at ``position``: its label (1 relevant, 0 irrelevant)."""
        if self._decided[position]:
            raise RuntimeError(f"record {position} was already screened")
        self._decided[position] = True
        return int(self._labels[position])

    def all_relevant_found(self) -> bool:
        """True when no relevant record is left unscreened.

        Only the simulation harness asks this (to end a run the way ASReview does);
        the ranker and the stopping rule never see it.
        """
        return not bool(self._labels[~self._decided].any())


def choose_priors(labels: Sequence[int] | np.ndarray, n_included: int, n_excluded: int,
                  seed: int) -> np.ndarray:
    """Prior records: ``n_included`` relevant and ``n_excluded`` irrelevant, at random.

    The relevant ones are drawn first, then the irrelevant ones, with one generator
    seeded by ``seed``.
    """
    labels = np.asarray(labels, dtype=np.int64)
    rng = np.random.default_rng(seed)
    relevant, irrelevant = np.flatnonzero(labels == 1), np.flatnonzero(labels == 0)
    if n_included > relevant.size or n_excluded > irrelevant.size:
        raise UsageError(
            f"cannot draw {n_included} included and {n_excluded} excluded prior records: the "
            f"dataset has {relevant.size} included and {irrelevant.size} excluded records"
        )
    chosen = [rng.choice(relevant, size=n_included, replace=False),
              rng.choice(irrelevant, size=n_excluded, replace=False)]
    return np.concatenate(chosen).astype(np.int64)


@dataclass(frozen=True)
class SimulationResult:
    """The outcome of one simulated screening.

    ``order`` holds every record position: the priors first, then the screened
    records in screening order, then the records never screened in the ranker's last
    order. ``labels`` are the labels in that order (read after the run, for scoring).
    """

    order: np.ndarray
    labels: np.ndarray
    n_priors: int
    n_screened: int
    sampled: np.ndarray
    stop: StopReport | None
    stopped_at: int | None
    recall_at_stop: float | None
    seconds: float
    metrics: ScreeningMetrics = field(repr=False)
    #: per record of ``order``: 0, or the number of the rule's check it was screened in
    checked: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64),
                                repr=False)

    @property
    def prior(self) -> np.ndarray:
        """1 for the prior records in ``order``, else 0."""
        flags = np.zeros(self.order.size, dtype=np.int64)
        flags[: self.n_priors] = 1
        return flags


def simulate(
    records: Sequence[Record],
    labels: Sequence[int] | np.ndarray,
    ranker: Ranker,
    *,
    prior_included: int = 1,
    prior_excluded: int = 1,
    seed: int = 0,
    criteria: str | None = None,
    stop_rule: StoppingRule | None = None,
    priors: Sequence[int] | None = None,
    until_all_found: bool = True,
    progress: Callable[[int], None] | None = None,
) -> SimulationResult:
    """Screen ``records`` in the order ``ranker`` chooses, retraining after every decision.

    Parameters
    ----------
    records, labels:
        The dataset and its true labels (1 relevant, 0 irrelevant).
    ranker:
        An unfitted ranker; it is prepared on ``records`` and ``criteria``.
    prior_included, prior_excluded, seed:
        How many prior records to draw at random, and the seed of that draw (and of
        any random sampling a stopping rule asks for).
    criteria:
        The review's questions and criteria, for a cold start.
    stop_rule:
        If given, screening ends when it says stop; the report is in ``stop``.
    priors:
        Explicit prior positions, instead of drawing them.
    until_all_found:
        Without a stop rule, end the run once every relevant record is screened
        (as ASReview does); the rest is appended in the ranker's last order, which
        changes no metric.
    progress:
        Called with the number of records screened so far, now and then.
    """
    started = time.perf_counter()
    reviewer = SimulatedReviewer(labels)
    n = reviewer.n_records
    if len(records) != n:
        raise ValueError("records and labels must have the same length")
    if priors is None:
        prior_positions = choose_priors(labels, prior_included, prior_excluded, seed)
    else:
        prior_positions = np.asarray(priors, dtype=np.int64)
    # the random sample of a stop rule: its own stream, which also depends on the size
    # of the review, so runs on different datasets with one seed draw independently
    # (one shared stream drew records at the same relative positions in every dataset)
    rng = np.random.default_rng([seed, 1, n])

    screened = np.empty(n, dtype=np.int64)
    decisions = np.empty(n, dtype=np.int64)
    sampled = np.zeros(n, dtype=bool)
    unscreened = np.ones(n, dtype=bool)
    count = 0
    for prior in prior_positions:
        screened[count], decisions[count] = prior, reviewer.decide(int(prior))
        unscreened[prior] = False
        count += 1

    ranker.prepare(records, criteria=criteria)
    ranker.fit(screened[:count], decisions[:count])
    stop: StopReport | None = None
    stopped_at: int | None = None
    # once every relevant record is found the remaining decisions are all 0 whatever
    # the order, so a stop rule run may skip retraining from there on (not a rule that
    # reads the ranker: its answer depends on the ranker's scores)
    coasting = False
    reads_ranker = stop_rule is not None and stop_rule.reads_ranker
    # records a rule asked to screen as a check, and the check each was screened in
    checks = np.zeros(n, dtype=np.int64)
    pending: list[int] = []
    words = WordRows(ranker, records)
    if stop_rule is not None and stop_rule.sample_first:
        count, stop = _screen_sample_first(
            ranker, reviewer, stop_rule, rng, (screened, decisions, sampled, unscreened),
            count, len(prior_positions), progress)
        stopped_at = count
    n_priors = len(prior_positions)
    while count < n and stop is None:
        want_sample = False
        position: int | None = None  # set here for a check's record
        if pending:
            position = pending.pop(0)
        elif stop_rule is not None:
            history = decisions[n_priors:count]
            if reads_ranker:
                stop_rule.see(RankerView(screened[:count], decisions[:count], unscreened,
                                         ranker.scores, words, checks[n_priors:count]))
            stop_rule.fit(history, n - n_priors, sampled[n_priors:count])
            if stop_rule.stop_:  # type: ignore[attr-defined]
                stop, stopped_at = stop_rule.report(), count
                break
            if stop_rule.check_.size:
                pending = [int(p) for p in stop_rule.check_]
                number = int(checks.max()) + 1
                checks[count:count + len(pending)] = number
                position = pending.pop(0)
            else:
                want_sample = stop_rule.wants_random_sample(history, n - n_priors)
        elif until_all_found and reviewer.all_relevant_found():
            break
        if position is None and (want_sample or sampled[count - 1]):
            # once random sampling starts it continues until the rule stops
            position = int(rng.choice(np.flatnonzero(unscreened)))
            sampled[count] = True
        elif position is None:
            position = ranker.next_record(unscreened)
        screened[count], decisions[count] = position, reviewer.decide(position)
        unscreened[position] = False
        count += 1
        if not coasting and stop_rule is not None and not reads_ranker \
                and reviewer.all_relevant_found():
            coasting = True
        # during random sampling the ranker's order is not used: no need to retrain
        coasting = coasting or bool(sampled[count - 1])
        if not coasting and count < n:
            ranker.fit(screened[:count], decisions[:count])
        if progress is not None and count % 25 == 0:
            progress(count)
    if stop_rule is not None and stop is None:
        if reads_ranker:
            stop_rule.see(RankerView(screened[:count], decisions[:count], unscreened,
                                     ranker.scores, words, checks[n_priors:count]))
        stop_rule.fit(decisions[n_priors:count], n - n_priors, sampled[n_priors:count])
        stop, stopped_at = stop_rule.report(), count

    rest = ranker.ranking(unscreened) if count < n else np.empty(0, dtype=np.int64)
    order = np.concatenate([screened[:count], rest])
    true_labels = np.asarray(labels, dtype=np.int64)
    order_labels = true_labels[order]
    recall_at_stop = None
    if stopped_at is not None:
        total = int(order_labels[n_priors:].sum())
        recall_at_stop = (int(order_labels[n_priors:stopped_at].sum()) / total
                          if total else float("nan"))
    return SimulationResult(
        order=order,
        labels=order_labels,
        n_priors=n_priors,
        n_screened=count,
        sampled=np.concatenate([sampled[:count], np.zeros(n - count, dtype=bool)]),
        checked=np.concatenate([checks[:count], np.zeros(n - count, dtype=np.int64)]),
        stop=stop,
        stopped_at=stopped_at,
        recall_at_stop=recall_at_stop,
        seconds=time.perf_counter() - started,
        metrics=screening_metrics(order_labels[n_priors:]),
    )


def _screen_sample_first(
    ranker: Ranker, reviewer: SimulatedReviewer, rule: StoppingRule,
    rng: np.random.Generator, arrays: tuple[np.ndarray, ...], count: int, n_priors: int,
    progress: Callable[[int], None] | None,
) -> tuple[int, StopReport]:
    """Screening for a rule whose random sample is hidden from the ranker.

    The sample is drawn first, from every record but the priors. Its records stay in
    the ranker's queue; the ranker learns a sampled record's label only when its
    order reaches that record, which costs no new decision. Returns the records
    decided and the rule's report when it stopped.
    """
    screened, decisions, sampled, unscreened = arrays
    n = reviewer.n_records
    reached = np.ones(n, dtype=bool)
    while count < n and rule.wants_random_sample(decisions[n_priors:count], n - n_priors):
        position = int(rng.choice(np.flatnonzero(unscreened)))
        screened[count], decisions[count] = position, reviewer.decide(position)
        unscreened[position] = False
        sampled[count], reached[count] = True, False
        count += 1
    where = {int(p): i for i, p in enumerate(screened[:count]) if sampled[i]}
    hidden = np.zeros(n, dtype=bool)
    hidden[list(where)] = True
    coasting = False
    while True:
        rule.fit(decisions[n_priors:count], n - n_priors, sampled[n_priors:count],
                 reached[n_priors:count])
        if rule.stop_:  # type: ignore[attr-defined]
            return count, rule.report()
        position = ranker.next_record(unscreened | hidden)
        if hidden[position]:  # reached by the ranking: already decided
            hidden[position] = False
            reached[where[position]] = True
        else:
            screened[count], decisions[count] = position, reviewer.decide(position)
            unscreened[position] = False
            count += 1
        # once every relevant record is decided and reached, the order no longer matters
        coasting = coasting or (reviewer.all_relevant_found()
                                and not decisions[:count][~reached[:count]].any())
        if not coasting:
            known = reached[:count]
            ranker.fit(screened[:count][known], decisions[:count][known])
        if progress is not None and count % 25 == 0:
            progress(count)


def _synthetic_records(n_records: int, seed: int) -> tuple[list[Record], np.ndarray]:
    """Records of Zipf-distributed made-up words; a topic vocabulary marks the relevant."""
    rng = np.random.default_rng(seed)
    vocabulary = np.array([f"w{i}" for i in range(30_000)])
    topic = np.array([f"t{i}" for i in range(200)])
    weights = 1.0 / np.arange(1, vocabulary.size + 1)
    weights /= weights.sum()
    labels = (rng.random(n_records) < 0.02).astype(np.int64)
    words = vocabulary[rng.choice(vocabulary.size, size=(n_records, 160), p=weights)]
    topical = topic[rng.integers(0, topic.size, size=(n_records, 12))]
    records = []
    for row, label in enumerate(labels):
        text = list(words[row]) + (list(topical[row]) if label else [])
        records.append(Record(title=" ".join(text[:12]), abstract=" ".join(text[12:])))
    return records, labels


def rerank_latency(n_records: int = 100_000, *, ranker_name: str = "scopewise",
                   labelled: int = 500, repeats: int = 20, seed: int = 0) -> dict[str, float]:
    """Time to retrain and pick the next record after one decision, on made-up records.

    ``labelled`` records are screened first and the model fitted on them once (the
    state after screening them; ``first_fit_ms`` is that fit, all labels at once);
    then each of ``repeats`` decisions is followed by ``fit`` on all decisions so far
    and ``next_record``, timed.
    """
    from scopewise.screening.rankers import get_ranker

    records, labels = _synthetic_records(n_records, seed)
    ranker = get_ranker(ranker_name)
    ranker.prepare(records)
    unscreened = np.ones(n_records, dtype=bool)
    screened = list(choose_priors(labels, 1, 1, seed))
    unscreened[screened] = False
    rng = np.random.default_rng(seed)
    for position in rng.choice(np.flatnonzero(unscreened), size=labelled - 2, replace=False):
        screened.append(int(position))
        unscreened[position] = False
    started = time.perf_counter()
    ranker.fit(np.asarray(screened), labels[np.asarray(screened)])
    first_fit = (time.perf_counter() - started) * 1000
    times, cpu_times = [], []
    for _ in range(repeats):
        started, cpu_started = time.perf_counter(), time.process_time()
        positions = np.asarray(screened)
        ranker.fit(positions, labels[positions])
        position = ranker.next_record(unscreened)
        times.append((time.perf_counter() - started) * 1000)
        cpu_times.append((time.process_time() - cpu_started) * 1000)
        screened.append(position)
        unscreened[position] = False
    members = getattr(ranker, "members_", [ranker])  # an ensemble: all its models' features
    n_features = sum(int(m.X_.shape[1]) for m in members if getattr(m, "X_", None) is not None)
    return {
        "median_ms": float(np.median(times)),
        "max_ms": float(np.max(times)),
        "median_cpu_ms": float(np.median(cpu_times)),
        "first_fit_ms": first_fit,
        "n_records": n_records,
        "labelled": labelled,
        "n_features": n_features,
    }
