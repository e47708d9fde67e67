"""The point-process rule with two safeguards that read the ranker: a guard on its
scores and a small check before stopping.

Why this rule. The point-process rule (:mod:`scopewise.screening.stopping_pointprocess`)
reads only the decisions. Its bolder settings save much more, but on the development
sets they stop short on two kinds of ranking whose decisions look, at the moment of
stopping, like those of a ranking that has run dry (bench/results/stopping.md):

- a *floor*: relevant records the ranker cannot tell apart, spread thinly over the
  tail. The ranker's own scores see it: mapped to probabilities by a one-variable
  logistic fit on the screened records (Platt scaling), the scores of the unscreened
  records add up to several relevant records where a floor is left, and to nearly
  none where the ranking has run dry. The **guard** holds the stop while that sum is
  above ``guard`` (2);
- a *second wave*: relevant records of a kind unlike the ones found, after a long
  quiet stretch. Neither the curve nor the scores see it. What does is a **check**:
  before stopping, the reviewer screens a few records (2 % of those left, at least 5,
  at most 20) chosen by another score, closeness to the latest 8 relevant records
  found minus closeness to the irrelevant ones, on whole-word features. If none is
  relevant, the rule stops; if one is, screening goes on in ranked order under a
  cautious allowance (``alpha_after_hit``, 0.25), because the ranking was not dry where
  the model thought so. Checks are made only while the target leaves little room
  (``check_room``: at most 2 relevant records may stay unfound); with more room a
  straggler or two cannot miss the target.

The model under both is the point-process rule without the allowance for the
decay's uncertainty (``z = 0``), with a Poisson allowance that grows with the room the
target leaves: ``alpha_no_room`` (0.025) while a single record left misses the target,
``alpha`` (0.35) once it leaves room, ``alpha_wide`` (0.6) once it leaves room for
``wide_room`` (5) or more.

What it costs a team. The check records are screened like any other (counted as
work in every figure), and the ranker's scores are read only when the model would
stop. Writing this by hand: no library implements a stopping rule over a live
ranking; the Platt fit is two numbers, fitted here (:func:`platt_fit`) rather than by
scikit-learn's linear models, whose import costs a process about 100 MB.

What it promises. Not a guarantee; measured on the 20 development sets in real
simulations (``bench/stopping.py``; :data:`PROMISE`): at target 0.95, recall reached in
97 of 100 runs (the three misses on three different sets, one seed each), 32 % of the
records saved on average, 71 % of what stopping exactly at 0.95 would save, about 6
records per run screened as checks. It is the default at 0.95 because it is the only
rule measured here that meets the three conditions the project set (95 % of runs, no
set missing in two seeds, 70 % of the ideal). The settings were chosen on those same
sets over many sessions (the search is in bench/results/stopping.md), and a
leave-one-set-out test of how the wide allowance was chosen let one set miss in two
seeds: expect less on reviews unlike them. At 0.9 and 0.99 its settings miss more (79
and 92 of 100 runs), so the default there is the point-process rule.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any, Self

import numpy as np

from scopewise.errors import UsageError
from scopewise.records import Record
from scopewise.screening.stopping_pointprocess import PointProcessStopping, _poisson_quantile
from scopewise.screening.stopping_rule import RankerView, StoppingRule, StopReport

__all__ = ["CheckedPointProcessStopping", "WordRows", "check_records", "scores_say_left"]

#: What the development sets showed in real simulations (bench/stopping.py, run of
#: 2026-12-07), quoted in reports. At 0.9 and 0.99 the default is the point-process
#: rule instead.
PROMISE: dict[float, str] = {
    0.9: "79 of 100",
    0.95: "97 of 100",
    0.99: "92 of 100",
}


class _Shown(PointProcessStopping):
    """The model as this rule shows it. Its allowance (up to 0.6) is a threshold for
    stopping, not a bound: above 0.5 the Poisson quantile it takes lies below the
    fitted count. What reports show is the count's 5 % to 95 % range at the fitted rate,
    and the recall that its upper end leaves."""

    def shown(self) -> tuple[float, float, float | None]:
        """The range of the relevant records left, and the recall at its upper end."""
        if not self._modelled:
            self._model()
        mu = self.left_
        if not math.isfinite(mu):
            return math.nan, math.nan, None
        low = float(min(self.unscreened_, _poisson_quantile(0.05, mu)))
        high = float(min(self.unscreened_, _poisson_quantile(0.95, mu)))
        found = self.relevant_found_
        return low, high, (found / (found + high) if found else None)

    def figures(self) -> str:
        low, high, bound = self.shown()
        return (f"estimated {self.left_:.1f} relevant records left among "
                f"{self.unscreened_:,} unscreened (90% range {low:.0f} to {high:.0f} under "
                f"the model); recall estimated {self.estimated_recall_:.1%}, at least "
                f"{bound or 0:.1%} under the model")


class _RoomLevels(_Shown):
    """The point-process model with its allowance set by the room the target leaves."""

    def __init__(self, levels: tuple[tuple[int, float], ...], **params: Any) -> None:
        super().__init__(**params)
        self.levels = levels

    def _level(self, found: int) -> float:
        room = self._room(found)
        return [a for r, a in self.levels if room >= r][-1]


class WordRows:
    """The records' word rows for a check, built once when first asked: the ranker's
    own (:meth:`~scopewise.screening.rankers.Ranker.word_rows`), or, for a ranker that
    reads no words, the project's whole-word TF-IDF of the titles and abstracts
    (:class:`~scopewise.screening.rankers.features.TextFeatures`; ``records``: the
    prepared records, or a function giving them)."""

    def __init__(self, ranker: Any,
                 records: Sequence[Record] | Callable[[], Sequence[Record]]) -> None:
        self._ranker, self._records = ranker, records
        self._rows: Any = None

    def __call__(self) -> Any:
        if self._rows is None:
            rows = self._ranker.word_rows()
            if rows is None:
                from scopewise.screening.rankers.features import TextFeatures

                records = self._records() if callable(self._records) else self._records
                rows = TextFeatures(ngram_range=(1, 1), title_weight=0.0).fit_transform(records)
            self._rows = rows
        return self._rows


def platt_fit(scores: np.ndarray, labels: np.ndarray, c: float = 1.0) -> tuple[float, float]:
    """Slope and intercept of a one-variable logistic regression of ``labels`` on
    ``scores``, with an L2 penalty ``slope**2 / (2 c)`` on the slope (the model
    scikit-learn's ``LogisticRegression(C=c)`` fits). Written here, by Newton's method
    with step halving, because importing scikit-learn's linear models costs a process
    about 100 MB for a fit of two numbers."""
    x = np.asarray(scores, dtype=float)
    y = np.asarray(labels, dtype=float)

    def loss(w: float, b: float) -> float:
        z = w * x + b
        return float(np.logaddexp(0.0, z).sum() - (y * z).sum() + 0.5 * w * w / c)

    w = b = 0.0
    current = loss(w, b)
    for _ in range(100):
        p = 0.5 * (1.0 + np.tanh(0.5 * (w * x + b)))  # the logistic function, stably
        r, h = p - y, p * (1.0 - p)
        grad = np.array([float(r @ x) + w / c, float(r.sum())])
        hess = np.array([[float(h @ (x * x)) + 1.0 / c, float(h @ x)],
                         [float(h @ x), float(h.sum()) + 1e-12]])
        step = np.linalg.solve(hess, grad)
        t = 1.0
        while t > 1e-8:
            trial = loss(w - t * float(step[0]), b - t * float(step[1]))
            if trial <= current:
                break
            t /= 2
        w, b = w - t * float(step[0]), b - t * float(step[1])
        done = abs(current - trial) < 1e-12 * max(1.0, abs(current))
        current = trial
        if done or float(np.abs(grad).max()) < 1e-10:
            break
    return w, b


def scores_say_left(view: RankerView) -> float:
    """The ranker's estimate of the relevant records left: its scores mapped to
    probabilities by a logistic fit on the screened records (:func:`platt_fit`),
    summed over the rest."""
    decisions = np.asarray(view.decisions, dtype=np.int64)
    if decisions.min(initial=0) == decisions.max(initial=0):
        return math.inf  # one class only: the scores cannot be calibrated
    scores = np.asarray(view.scores(), dtype=float)
    w, b = platt_fit(scores[view.screened], decisions)
    left = scores[np.flatnonzero(view.unscreened)]
    return float((0.5 * (1.0 + np.tanh(0.5 * (w * left + b)))).sum()) if left.size else 0.0


def check_records(view: RankerView, size: int, latest: int = 8) -> np.ndarray:
    """The ``size`` unscreened records closest to the latest ``latest`` relevant records
    found, less close to the irrelevant ones (whole-word rows of unit length)."""
    import scipy.sparse as sp

    from scopewise.screening.rankers.tfidf import unit_rows

    # a copy scaled to unit length (the ranker's rows are, but a view may give others)
    words = unit_rows(sp.csr_matrix(view.words(), dtype=float, copy=True))
    screened = np.asarray(view.screened, dtype=np.int64)
    decisions = np.asarray(view.decisions, dtype=np.int64)
    found = screened[decisions == 1][-latest:]
    irrelevant = screened[decisions == 0]
    direction = np.asarray(words[found].mean(axis=0)).ravel()
    if irrelevant.size:
        direction = direction - np.asarray(words[irrelevant].mean(axis=0)).ravel()
    left = np.flatnonzero(view.unscreened)
    closeness = np.asarray(words[left] @ direction).ravel()
    return left[np.argsort(-closeness, kind="stable")[:size]].astype(np.int64)


class CheckedPointProcessStopping(StoppingRule):
    """The point-process model, held by the ranker's scores and checked before it stops.

    See the module notes. The caller gives the rule a :class:`RankerView` before each
    fit (:meth:`see`); when :attr:`check_` names records, the caller screens them next,
    marking them with the check's number in the view's ``checks``.

    Parameters
    ----------
    target_recall:
        The recall to reach.
    alpha, alpha_wide, wide_room, alpha_no_room:
        The model's Poisson allowance: ``alpha_no_room`` while the target leaves no
        room for a record unfound, ``alpha`` once it does, ``alpha_wide`` once it
        leaves room for ``wide_room`` or more.
    alpha_after_hit:
        The allowance (wherever the target leaves room) once a check has found a
        relevant record.
    guard:
        The stop waits while the ranker's calibrated scores of the unscreened records
        add up to more than this many relevant records.
    check_room:
        Check before stopping only while the target leaves room for at most this many
        relevant records unfound.
    check_share, check_min, check_max:
        A check screens this share of the records left, at least ``check_min`` and at
        most ``check_max``.
    latest:
        The check's records are those closest to the latest this many relevant found.
    """

    name = "point-process-checked"
    reads_ranker = True

    def __init__(self, target_recall: float = 0.95, alpha: float = 0.35,
                 alpha_wide: float = 0.6, wide_room: int = 5, alpha_no_room: float = 0.025,
                 alpha_after_hit: float = 0.25, guard: float = 2.0, check_room: int = 2,
                 check_share: float = 0.02, check_min: int = 5, check_max: int = 20,
                 latest: int = 8) -> None:
        if not 0 < target_recall < 1:
            raise UsageError(f"target recall must be between 0 and 1, not {target_recall}")
        self.target_recall = target_recall
        self.alpha = alpha
        self.alpha_wide = alpha_wide
        self.wide_room = wide_room
        self.alpha_no_room = alpha_no_room
        self.alpha_after_hit = alpha_after_hit
        self.guard = guard
        self.check_room = check_room
        self.check_share = check_share
        self.check_min = check_min
        self.check_max = check_max
        self.latest = latest
        self._view: RankerView | None = None

    def see(self, view: RankerView) -> None:
        self._view = view

    def _model_for(self, after_hit: bool) -> _Shown:
        if after_hit:
            return _Shown(target_recall=self.target_recall, z=0.0,
                          alpha=self.alpha_after_hit, alpha_no_room=self.alpha_no_room)
        levels = ((0, self.alpha_no_room), (1, self.alpha), (self.wide_room, self.alpha_wide))
        return _RoomLevels(levels, target_recall=self.target_recall, z=0.0)

    def fit(self, labels: Sequence[int] | np.ndarray, n_records: int,
            sampled: Sequence[bool] | np.ndarray | None = None,
            reached: Sequence[bool] | np.ndarray | None = None) -> Self:
        every = np.asarray(labels, dtype=np.int64)
        view, self._view = self._view, None  # a view serves one fit only
        checks = (np.zeros(every.size, dtype=np.int64) if view is None
                  else np.asarray(view.checks, dtype=np.int64))
        if checks.size != every.size:
            raise ValueError("the view's checks must be aligned with the decisions")
        self.checks_made_ = int(checks.max(initial=0))
        self.after_hit_ = bool(every[checks > 0].any())
        self.model_ = self._model_for(self.after_hit_).fit(every, n_records, sampled)
        self.check_ = np.empty(0, dtype=np.int64)
        self.scores_left_: float | None = None
        self.stage_ = "model"
        self.stop_ = bool(self.model_.stop_)
        if self.model_.unscreened_ == 0:  # every record screened
            return self
        if view is not None and view.check_open:
            self.stage_, self.stop_ = "checking", False
            return self
        if self.checks_made_:
            began = int(np.flatnonzero(checks == self.checks_made_)[0])
            if not every[began:].any():
                # the latest check is done and found nothing (nor has anything since)
                self.stage_, self.stop_ = "checked", True
                return self
        if not self.stop_:
            return self
        if view is None:
            raise UsageError(f"the {self.name} rule reads the ranker: it needs the screening "
                             "loop's view of it before each fit")
        self.scores_left_ = scores_say_left(view)
        if self.scores_left_ > self.guard:
            self.stage_, self.stop_ = "held", False
        elif self.model_._room(self.model_.relevant_found_) > self.check_room:
            self.stage_ = "room"
        else:
            left = self.model_.unscreened_
            size = min(left, max(self.check_min, math.ceil(self.check_share * left)),
                       self.check_max)
            self.check_ = check_records(view, size, self.latest)
            self.stage_, self.stop_ = "check", False
        return self

    def message(self) -> str:
        """The verdict in one plain sentence, then the figures behind it."""
        model = self.model_.message()
        if self.stage_ == "model" or self.model_.unscreened_ == 0:
            return model
        figures = self.model_.figures()
        figures = f"{figures[0].upper()}{figures[1:]}."
        found = self.model_.relevant_found_
        if self.stage_ == "checked":
            return (f"You can stop: the ranking has run dry and a check of the records most "
                    f"like the latest relevant ones found none among them "
                    f"({found} relevant found). {figures}")
        if self.stage_ == "held":
            return (f"Keep screening: the ranking looks dry, but the ranker's scores of the "
                    f"unscreened records add up to {self.scores_left_:.1f} relevant records "
                    f"(the rule waits above {self.guard:g}). {figures}")
        if self.stage_ == "room":
            room = self.model_._room(found)
            return (f"You can stop: the ranking has run dry by this rule's model, the "
                    f"ranker's scores of the unscreened records add up to "
                    f"{self.scores_left_ or 0:.1f} relevant records, and the target leaves "
                    f"room for {room} unfound ({found} relevant found). {figures}")
        if self.stage_ == "checking":
            return (f"Keep screening: the check records handed out before stopping are not "
                    f"all screened yet. {figures}")
        if self.stage_ == "check":
            return (f"Keep screening: before stopping, screen {self.check_.size} check "
                    f"records, the unscreened records most like the latest relevant ones; "
                    f"if none of them is relevant you can stop. {figures}")
        return model

    def promise(self) -> str:
        """What the rule's answer is worth, in words (measured, not guaranteed)."""
        measured = PROMISE.get(self.target_recall)
        where = (f"on the 20 development sets it reached recall {self.target_recall:g} in "
                 f"{measured} runs" if measured and self._is_default() else
                 "these settings were not measured on the development sets")
        return (f"no guarantee, an estimate from the ranking and the ranker's scores, checked "
                f"before stopping: {where}")

    def _is_default(self) -> bool:
        fresh = CheckedPointProcessStopping(target_recall=self.target_recall)
        return all(getattr(self, k) == getattr(fresh, k) for k in vars(fresh)
                   if not k.startswith("_"))

    def report(self) -> StopReport:
        inner = self.model_.report()
        low, high, bound = self.model_.shown()
        detail = self.message() + f" Promise: {self.promise()}."
        return StopReport(
            rule=self.name, stop=self.stop_, screened=inner.screened,
            unscreened=inner.unscreened, relevant_found=inner.relevant_found,
            estimated_recall=inner.estimated_recall, recall_lower_bound=bound, detail=detail,
            relevant_left=inner.relevant_left,
            relevant_left_low=low if math.isfinite(low) else None,
            relevant_left_high=high if math.isfinite(high) else None, promise=self.promise(),
        )
