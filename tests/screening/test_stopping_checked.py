"""The checked point-process rule: the ranker's guard, the check before stopping, and
the rule in ``simulate``'s loop."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.sparse as sp

from scopewise.errors import UsageError
from scopewise.records import Record
from scopewise.screening.rankers import get_ranker
from scopewise.screening.simulate import simulate
from scopewise.screening.stopping import get_stopping_rule
from scopewise.screening.stopping_checked import (
    CheckedPointProcessStopping,
    WordRows,
    check_records,
    platt_fit,
    scores_say_left,
)
from scopewise.screening.stopping_rule import RankerView

N = 1000


def _history(found: int = 40, head: int = 200, run: int = 400) -> np.ndarray:
    """``found`` relevant records spread over the first ``head`` decisions, then a long
    quiet run: the model would stop."""
    labels = np.zeros(head + run, dtype=np.int64)
    labels[np.linspace(0, head - 1, found).astype(int)] = 1
    return labels


def _view(labels: np.ndarray, scores: np.ndarray, checks: np.ndarray | None = None,
          check_open: bool = False) -> RankerView:
    """Records 0 .. len-1 screened in order; the words: record i has word i % 7, and the
    relevant records found have word 0 and word 1 (so the unscreened records with word
    0 or 1 are the ones most like them)."""
    screened = np.arange(labels.size, dtype=np.int64)
    unscreened = np.ones(N, dtype=bool)
    unscreened[screened] = False
    words = sp.lil_matrix((N, 8))
    for i in range(N):
        words[i, i % 7] = 1.0
    for i in screened[labels == 1]:
        words[i, 0], words[i, 1] = 1.0, 1.0
    return RankerView(screened, labels, unscreened, lambda: scores, lambda: words.tocsr(),
                      np.zeros(labels.size, dtype=np.int64) if checks is None else checks,
                      check_open)


def _dry_scores(labels: np.ndarray) -> np.ndarray:
    """Scores that separate the screened classes and put every unscreened record low."""
    scores = np.full(N, -5.0)
    scores[: labels.size] = np.where(labels == 1, 3.0, -1.0)
    return scores


def test_the_guard_holds_the_stop_while_the_scores_say_records_are_left() -> None:
    labels = _history()
    floor = np.full(N, -1.0)  # the unscreened look like the screened irrelevant ones...
    floor[: labels.size] = np.where(labels == 1, 3.0, -1.0)
    floor[labels.size: labels.size + 40] = 3.0  # ...but 40 look like the relevant ones
    rule = CheckedPointProcessStopping()
    rule.see(_view(labels, floor))
    rule.fit(labels, N)
    assert rule.model_.stop_, "the model alone would stop here"
    assert rule.stage_ == "held" and not rule.stop_
    assert rule.scores_left_ is not None and rule.scores_left_ > rule.guard
    assert rule.report().detail.startswith("Keep screening: the ranking looks dry, but the "
                                           "ranker's scores")


def test_a_check_is_asked_for_where_the_target_leaves_little_room() -> None:
    labels = _history(found=40)  # room at 0.95: 2 relevant records
    rule = CheckedPointProcessStopping()
    rule.see(_view(labels, _dry_scores(labels)))
    rule.fit(labels, N)
    assert rule.stage_ == "check" and not rule.stop_
    left = N - labels.size
    assert rule.check_.size == min(left, max(5, math.ceil(0.02 * left)), 20) == 8
    # the check's records are unscreened ones with the words of the relevant found
    assert all(p >= labels.size and p % 7 in (0, 1) for p in rule.check_)
    assert "screen 8 check records" in rule.report().detail


def test_a_clean_check_stops_and_a_hit_turns_the_rule_cautious() -> None:
    labels = _history(found=40)
    rule = CheckedPointProcessStopping()
    rule.see(_view(labels, _dry_scores(labels)))
    picked = rule.fit(labels, N).check_
    # the check screened, nothing relevant: stop
    after = np.concatenate([labels, np.zeros(picked.size, dtype=np.int64)])
    checks = np.concatenate([np.zeros(labels.size, dtype=np.int64),
                             np.ones(picked.size, dtype=np.int64)])
    rule.see(_view(after, _dry_scores(after), checks))
    rule.fit(after, N)
    assert rule.stop_ and rule.stage_ == "checked"
    assert rule.report().detail.startswith("You can stop: the ranking has run dry and a check")
    # the same check with a hit: not a stop, and the cautious allowance from now on
    hit = after.copy()
    hit[-3] = 1
    rule.see(_view(hit, _dry_scores(hit), checks))
    rule.fit(hit, N)
    assert not rule.stop_ and rule.after_hit_
    assert rule.model_.alpha == rule.alpha_after_hit
    # while a check is handed out and not all screened, the rule waits for it
    rule.see(_view(after[:-2], _dry_scores(after), checks[:-2], check_open=True))
    rule.fit(after[:-2], N)
    assert rule.stage_ == "checking" and not rule.stop_ and not rule.check_.size
    # ...unless every record is screened
    every = np.zeros(N, dtype=np.int64)
    every[:40] = 1
    rule.see(_view(every, _dry_scores(every), np.zeros(N, dtype=np.int64), check_open=True))
    assert rule.fit(every, N).stop_


def test_with_room_for_more_the_rule_stops_without_a_check() -> None:
    labels = _history(found=100, head=300)  # room at 0.95: 5 relevant records
    rule = CheckedPointProcessStopping()
    rule.see(_view(labels, _dry_scores(labels)))
    rule.fit(labels, N)
    assert rule.stop_ and rule.stage_ == "room" and not rule.check_.size
    report = rule.report()
    assert report.detail.startswith("You can stop: the ranking has run dry by this rule's "
                                    "model, the ranker's scores")
    assert "the target leaves room for 5 unfound (100 relevant found)" in report.detail
    # the allowance here (0.6) is a threshold, not a bound: what the report shows is the
    # count's 90% range, which holds the estimate, and the recall at its upper end
    assert rule.model_.level_ == rule.alpha_wide > 0.5
    assert report.relevant_left is not None and report.relevant_left_low is not None
    assert report.relevant_left_high is not None
    assert report.relevant_left_low <= report.relevant_left <= report.relevant_left_high
    assert report.recall_lower_bound is not None and report.estimated_recall is not None
    assert report.recall_lower_bound <= report.estimated_recall
    assert "90% range" in report.detail


def test_the_rule_needs_the_view_to_stop() -> None:
    labels = _history()
    with pytest.raises(UsageError, match="reads the ranker"):
        CheckedPointProcessStopping().fit(labels, N)
    # before the model would stop it needs nothing: the decisions alone say keep going
    early = CheckedPointProcessStopping().fit(labels[:150], N)
    assert not early.stop_ and early.stage_ == "model"


def test_the_guard_and_the_check_read_what_they_should() -> None:
    labels = _history()
    view = _view(labels, _dry_scores(labels))
    assert scores_say_left(view) < 0.5
    one_class = _view(np.zeros(50, dtype=np.int64), np.zeros(N))
    assert scores_say_left(one_class) == math.inf
    picked = check_records(view, 5)
    assert picked.size == 5 and len(set(picked.tolist())) == 5
    assert not view.unscreened[:labels.size].any() and view.unscreened[picked].all()


def _records(n: int, seed: int = 0) -> tuple[list[Record], np.ndarray]:
    rng = np.random.default_rng(seed)
    labels = (np.arange(n) % 12 == 0).astype(np.int64)
    topic = ["peer", "support", "workers", "mental", "health", "recovery", "lived"]
    other = ["hip", "fracture", "surgery", "knee", "bone", "ortho", "trial", "cohort",
             "outcome", "pain", "rehab", "elderly"]
    records = []
    for label in labels:
        words = list(rng.choice(topic if label else other, size=6)) + list(
            rng.choice(other, size=4))
        records.append(Record(title=" ".join(words[:4]), abstract=" ".join(words)))
    return records, labels


def test_simulate_hands_out_the_check_and_marks_its_records() -> None:
    records, labels = _records(480)
    rule = get_stopping_rule("point-process-checked", target_recall=0.95)
    result = simulate(records, labels, get_ranker("scopewise"), seed=0, stop_rule=rule)
    assert result.stop is not None and result.stopped_at is not None
    checked = result.checked
    assert checked.size == result.order.size
    assert checked.max() >= 1, "the rule never checked before stopping"
    # each check's records were screened one after another, before the stop
    for k in range(1, int(checked.max()) + 1):
        where = np.flatnonzero(checked == k)
        assert np.array_equal(where, np.arange(where[0], where[-1] + 1))
        assert where[-1] < result.stopped_at
    assert result.recall_at_stop is not None and result.recall_at_stop >= 0.95


def test_word_rows_fall_back_on_tfidf_for_a_ranker_without_words() -> None:
    records, _labels = _records(30)
    ranker = get_ranker("random").prepare(records)
    rows = WordRows(ranker, lambda: records)()
    assert rows.shape[0] == 30 and rows.nnz > 0
    words = get_ranker("scopewise").prepare(records)
    assert WordRows(words, records)().shape[0] == 30


@pytest.mark.parametrize("separable", [False, True])
def test_the_platt_fit_is_the_penalised_optimum(separable: bool) -> None:
    rng = np.random.default_rng(3)
    x = rng.normal(size=400) * 2
    y = (x > 1.0).astype(np.int64) if separable else (
        rng.random(400) < 1 / (1 + np.exp(-(1.5 * x - 2)))).astype(np.int64)
    w, b = platt_fit(x, y, c=1.0)
    p = 1 / (1 + np.exp(-(w * x + b)))
    # the gradient of sum(log loss) + w**2 / 2 vanishes at the fit
    assert abs(float((p - y) @ x) + w) < 1e-6
    assert abs(float((p - y).sum())) < 1e-6
    assert w > 0 and math.isfinite(w)  # higher scores, more likely relevant; finite when separable
