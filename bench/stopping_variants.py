"""Variants of the point-process rule replayed on the trade-off curve (bench only).

None of these is a rule users can choose: they were measured on the 20 development
sets to see whether a change of the rule's structure, not only of its allowance, moves
the trade-off between reliability and saving (bench/results/stopping.md). Each is the
point-process rule (:class:`~scopewise.screening.stopping_pointprocess.PointProcessStopping`)
with one thing changed:

- ``windows``: the rate is fitted on several windows (the latest half, third, quarter
  of the relevant records found) and the bound is the most cautious of them, so a tail
  that flattens in the latest records (a floor of relevant records the ranker cannot
  tell apart) holds the rule back even when the half window looks dry;
- ``quiet-test``: on top of the model's bound, the current run of irrelevant records
  must itself be unlikely if more records than the target's room were left: with the
  rate falling no faster than the bound's decay from the start of the run, each record
  left falls in the rest rather than in the run with chance ``p`` = the rate's mass
  in the rest over its mass in run and rest, and the rule stops only when
  ``p ** (room + 1) <= quiet_alpha`` (a conditional test that does not need the rate's
  scale);
- ``room-levels``: the Poisson allowance as a step function of the room the target
  leaves (e.g. 0.05 with none, 0.1 with one or two, 0.3 with three or more);
- ``latest``: the rate fitted on the latest ``hits`` relevant records found (a fixed
  count, e.g. 10) instead of a share of them, so the bound follows a ranking that runs
  dry after a dense stretch (a cliff) as soon as the stretch is over;
- ``quiet-floor``: the model's answer, or a second way to stop read from the current
  quiet stretch alone: the rate of relevant records left is at most
  ``-ln(floor_alpha) / stretch`` (the stretch held none) and falls like ``1 / x``
  after the current position; the rule also stops when the Poisson bound of that
  (same levels as the model's) leaves the target's room;
- ``confirm``: a check before stopping. When the model would stop at position ``s``,
  the rule screens ``ceil(confirm * records left)`` more records in ranked order (the
  *confirmation stretch*, counted as screened work) and stops at its end only if none
  of them is relevant; a relevant record found there resumes screening (the model is
  asked again, on the decisions with that record). Everything the reviewer sees is
  the ranked order, so it replays exactly from the cached orders. The stretch is
  scaled to the records left, not to the records screened: a second wave sits in the
  next few hundred ranks of a long tail, where a share of what is left reaches it
  and a share of what was screened (``s``) does not once the head was short.
"""


from __future__ import annotations

import math
from collections.abc import Sequence
from fractions import Fraction
from typing import Any, Self

import numpy as np

from scopewise.screening.stopping_pointprocess import PointProcessStopping, _poisson_quantile


class WindowEnsemble(PointProcessStopping):
    """The most cautious bound over several windows (``fractions``: "1/2,1/3,1/4")."""

    def __init__(self, fractions: str = "1/2,1/3,1/4", **params: Any) -> None:
        super().__init__(**params)
        self.fractions = fractions
        self._shares = [float(Fraction(f)) for f in fractions.split(",")]
        self._share = 0.5

    def _window_start(self, labels: np.ndarray) -> int:
        hits = np.flatnonzero(labels)
        k = min(hits.size - 1, max(0, math.floor(hits.size * (1 - self._share))))
        return int(hits[k])

    def _model(self) -> None:
        kept: tuple[float, ...] | None = None
        names = ("left_high_", "left_", "left_low_", "decay_", "decay_se_",
                 "estimated_recall_", "recall_lower_bound_")
        for share in self._shares:
            self._share = share
            super()._model()
            high = self.left_high_
            if kept is None or math.isnan(high) or high > kept[0]:
                kept = tuple(getattr(self, n) for n in names)
        assert kept is not None
        for name, value in zip(names, kept, strict=True):
            setattr(self, name, value)


class QuietStretchTest(PointProcessStopping):
    """The model's bound and, on top, a test of the current quiet stretch."""

    def __init__(self, quiet_alpha: float = 0.1, **params: Any) -> None:
        super().__init__(**params)
        self.quiet_alpha = quiet_alpha

    def fit(self, labels: Sequence[int] | np.ndarray, n_records: int,
            sampled: Sequence[bool] | np.ndarray | None = None,
            reached: Sequence[bool] | np.ndarray | None = None) -> Self:
        super().fit(labels, n_records, sampled, reached)
        if self.stop_ and self.unscreened_ > 0:
            self.stop_ = self._quiet_p() <= self.quiet_alpha
        return self

    def _quiet_p(self) -> float:
        s, run = int(self._labels.size), self.run_
        b = self.decay_ - self.z * self.decay_se_ if math.isfinite(self.decay_se_) else self.decay_
        decay = max(0.0, min(b, self.max_decay if self.max_decay is not None else b))
        stretch = np.arange(s - run + 1, s + 1, dtype=float)
        rest = np.arange(s + 1, self._n_records + 1, dtype=float)
        in_stretch = float(np.exp(-decay * np.log(stretch / s)).sum())
        in_rest = float(np.exp(-decay * np.log(rest / s)).sum())
        p = in_rest / (in_stretch + in_rest)
        return float(p ** (self._room(self.relevant_found_) + 1))


class RoomLevels(PointProcessStopping):
    """The Poisson allowance by the room the target leaves ("0:0.05,1:0.1,3:0.3")."""

    def __init__(self, levels: str = "0:0.05,1:0.1,3:0.3", **params: Any) -> None:
        super().__init__(**params)
        self.levels = levels
        self._steps = sorted((int(r), float(a)) for r, a in
                             (item.split(":") for item in levels.split(",")))

    def _level(self, found: int) -> float:
        room = self._room(found)
        return [a for r, a in self._steps if room >= r][-1]


class LatestHits(PointProcessStopping):
    """The rate fitted from where the latest ``hits`` relevant records found begin."""

    def __init__(self, hits: int = 10, **params: Any) -> None:
        super().__init__(**params)
        self.hits = hits

    def _window_start(self, labels: np.ndarray) -> int:
        found = np.flatnonzero(labels)
        return int(found[max(0, found.size - self.hits)])


class QuietFloor(PointProcessStopping):
    """The model's answer, or the bound read from the current quiet stretch alone."""

    def __init__(self, floor_alpha: float = 0.05, **params: Any) -> None:
        super().__init__(**params)
        self.floor_alpha = floor_alpha

    def fit(self, labels: Sequence[int] | np.ndarray, n_records: int,
            sampled: Sequence[bool] | np.ndarray | None = None,
            reached: Sequence[bool] | np.ndarray | None = None) -> Self:
        super().fit(labels, n_records, sampled, reached)
        if not self.stop_ and self._floor_allows():
            self.stop_ = True
        return self

    def _floor_allows(self) -> bool:
        found, run = self.relevant_found_, self.run_
        if found < self.min_relevant or run < self.quiet_needed_ or self.unscreened_ <= 0:
            return False
        s = int(self._labels.size)
        rate = -math.log(self.floor_alpha) / run
        rest = np.arange(s + 1, s + self.unscreened_ + 1, dtype=float)
        mean = rate * float((s / rest).sum())
        return _poisson_quantile(1 - self._level(found), mean) <= self._room(found)


class ConfirmStretch(PointProcessStopping):
    """The model's stop, confirmed by a stretch of ranked records holding none relevant.

    Stops at ``t`` when the model would have stopped at some ``s < t`` after the last
    relevant record found, and ``t - s >= ceil(confirm * (n - s))``. The earliest such
    ``s`` is kept between calls (the replay and the simulation loop ask after every
    decision); a call that does not extend the previous one starts again from the
    last relevant record.
    """

    def __init__(self, confirm: float = 0.05, **params: Any) -> None:
        super().__init__(**params)
        self.confirm = confirm
        self._seen = 0
        self._fired: int | None = None

    def fit(self, labels: Sequence[int] | np.ndarray, n_records: int,
            sampled: Sequence[bool] | np.ndarray | None = None,
            reached: Sequence[bool] | np.ndarray | None = None) -> Self:
        y = np.asarray(labels, dtype=np.int64)
        t = int(y.size)
        if t != self._seen + 1:  # not one decision on from the last call: start over
            hits = np.flatnonzero(y)
            start = int(hits[-1]) + 1 if hits.size else 1
            self._fired = None
            for s in range(max(1, start), t):
                if super().fit(y[:s], n_records).stop_:
                    self._fired = s
                    break
        elif t and y[-1]:
            self._fired = None
        self._seen = t
        if self._fired is None:
            super().fit(y, n_records, sampled, reached)
            if self.stop_ and self.unscreened_ > 0:
                self._fired = t
                self.stop_ = math.ceil(self.confirm * (n_records - t)) <= 0
            return self
        need = math.ceil(self.confirm * (n_records - self._fired))
        super().fit(y, n_records, sampled, reached)
        self.stop_ = self.unscreened_ == 0 or t - self._fired >= need
        return self


VARIANTS: dict[str, type[PointProcessStopping]] = {
    "windows": WindowEnsemble,
    "quiet-test": QuietStretchTest,
    "room-levels": RoomLevels,
    "latest": LatestHits,
    "quiet-floor": QuietFloor,
    "confirm": ConfirmStretch,
}
