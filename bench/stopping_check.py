"""A check before stopping, and how much any check could add (a diagnostic, bench only).

Bolder settings of the point-process rule stop short on a few sets of the 20
development sets (bench/results/stopping.md): a floor of relevant records spread
over the tail (Bannach-Brown_2019) and a second wave after a long quiet stretch
(Cohen_2006_ProtonPumpInhibitors). This script asks two questions.

*How much could a check add at all?* For a bold setting it replays the cached orders
(bench/stopping_cache.py) and scores it three ways: as it is; with every run that
misses the target replaced by the default rule's stop in the same run (a perfect
detector of a coming miss that falls back on the default, at no cost elsewhere); and
with every miss replaced by a stop exactly where the target is reached (an oracle).
A check that costs nothing where the bold rule is right cannot do better than the
oracle row, and one that falls back on the default's caution cannot do better than
the second.

*Does a small check chosen by another score find what the ranking has not reached?*
When the rule would stop, the reviewer screens ``ceil(share * records left)`` records
(at least ``minimum``, at most ``cap``) chosen by a score other than the ranking's
order, counted as screened work; the rule stops only if none of them is relevant.
The scores (whole-word TF-IDF, unit rows): ``centroid``, the similarity to the mean of
the relevant records found minus that to the mean of the irrelevant ones;
``latestK``, the same with the mean of the latest K relevant records found only (the
sparse hits at the end of a ranking's head point at what comes next: on
ProtonPumpInhibitors, where the bold rule stops before a second wave, the wave's first
record is 34 to 68 deep in the ranking and 2 to 16 deep by the latest 4 or 8);
``ranker``, the default ranker refitted on the decisions so far (its next records,
for comparison); ``a+b``, the tops of two scores taken in turn. A hit is appended to
the decisions, so the rule's quiet stretch starts again; with ``fallback`` the
default's settings take over from then on (a check that hits says the ranking was not
dry where the bold rule thought so). From the first hit the ranker runs live
(refitted after every decision, as ``scopewise simulate`` does; the cached order no
longer applies; a fresh fit, not the simulation's warm-started model). Runs in which
no check finds anything replay the cached order exactly. Every label a check reads is
one the reviewer has given.

Measured 2026-12-06 (fifth session; about 14 min on the shared 2-core machine, one
process): no check here reaches the issue's 70 % of the ideal within the first two
conditions; the best, alpha 0.35 checked by latest8 then alpha 0.2, keeps 98/100 with
no set missing twice at 67 %.

*Do the ranker's scores and a check together do better?* The last table (seventh
session) holds the bold stop back while the ranker's Platt-scaled scores of the
records left (:func:`stopping_scores.scores_left`, the ranker refitted on the
decisions so far) add up to more than a guard, asked again every
:data:`GUARD_STEP` records, with no check or with the latest8 check once the guard
lets the stop through. Measured 2026-12-06 (15 min for the whole script): the guard
alone keeps 95/100 at 72 % with one set missing in three seeds (the second wave of
ProtonPumpInhibitors); no combination meets all three conditions.

Usage::

    python bench/stopping_check.py                       # print the tables
    python bench/stopping_check.py --write               # and to bench/results/stopping_check.md
"""

from __future__ import annotations

import argparse
import copy
import math
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from stopping import TARGETS, Run, _ideal, replay_ranked, row, summarise
from stopping_cache import DATA, SEEDS, datasets, ranked_order
from stopping_scores import scores_left

from scopewise.screening.stopping_pointprocess import PointProcessStopping

RESULTS = Path(__file__).resolve().parent / "results" / "stopping_check.md"
TARGET = 0.95
#: Records screened between two asks of the scores' guard while it holds a stop back.
GUARD_STEP = 10

#: Bold settings of the point-process rule (``z = 0``, 0.025 while the target leaves
#: no room) whose misses the headroom table replaces.
BOLD: tuple[dict[str, Any], ...] = (
    {"z": 0.0, "alpha_no_room": 0.025, "alpha": 0.3},
    {"z": 0.0, "alpha_no_room": 0.025, "alpha": 0.5},
    {"z": 0.0, "alpha_no_room": 0.025, "alpha": 0.5, "max_decay": 2.5},
    {"z": 1.645, "max_decay": None, "shape": "exponential", "window": "all"},
)
#: The checks replayed on bold settings (``z = 0``, 0.025 while the target leaves no
#: room, ``alpha`` as given): the score, the share of the records left a check
#: screens, at least ``minimum``, at most ``cap``; ``fallback``: the rule that takes
#: over once a check finds a relevant record ("default": the default rule's settings;
#: a number: the bold settings with that ``alpha``; ``None``: the same rule, its quiet
#: stretch started again).
CHECKS: tuple[dict[str, Any], ...] = (
    {"alpha": 0.3, "kind": "centroid", "share": 0.05, "minimum": 10},
    {"alpha": 0.3, "kind": "ranker", "share": 0.05, "minimum": 10},
    {"alpha": 0.3, "kind": "latest8", "share": 0.02, "minimum": 5, "cap": 20},
    {"alpha": 0.3, "kind": "latest8", "share": 0.02, "minimum": 5, "cap": 20,
     "fallback": "default"},
    {"alpha": 0.3, "kind": "latest4", "share": 0.02, "minimum": 5, "cap": 20,
     "fallback": "default"},
    {"alpha": 0.35, "kind": "latest8", "share": 0.02, "minimum": 5, "cap": 20,
     "fallback": "default"},
    {"alpha": 0.35, "kind": "latest8", "share": 0.02, "minimum": 5, "cap": 20,
     "fallback": 0.15},
    {"alpha": 0.35, "kind": "latest8", "share": 0.02, "minimum": 5, "cap": 20,
     "fallback": 0.2},
    {"alpha": 0.35, "kind": "latest8", "share": 0.01, "minimum": 5, "cap": 10,
     "fallback": 0.2},
    {"alpha": 0.4, "kind": "latest8", "share": 0.02, "minimum": 5, "cap": 20,
     "fallback": "default"},
    {"alpha": 0.4, "kind": "latest8+ranker", "share": 0.02, "minimum": 5, "cap": 20,
     "fallback": "default"},
    {"alpha": 0.5, "kind": "latest8", "share": 0.02, "minimum": 5, "cap": 20,
     "fallback": "default"},
)

#: Bold settings held back by the ranker's scores (``guard``: the estimate of the
#: relevant records left above which the stop waits), alone (``kind`` None) or with the
#: check of :data:`CHECKS` (same keys) once the guard lets the stop through.
_LATEST8 = {"kind": "latest8", "share": 0.02, "minimum": 5, "cap": 20}
GUARDED: tuple[dict[str, Any], ...] = (
    {"alpha": 0.35, "guard": 1.0, "kind": None},
    {"alpha": 0.35, "guard": 2.0, "kind": None},
    {"alpha": 0.5, "guard": 2.0, "kind": None},
    {"alpha": 0.35, "guard": 2.0, **_LATEST8},
    {"alpha": 0.35, "guard": 2.0, **_LATEST8, "fallback": 0.2},
    {"alpha": 0.35, "guard": 2.0, **_LATEST8, "fallback": "default"},
    {"alpha": 0.4, "guard": 2.0, **_LATEST8, "fallback": 0.2},
    {"alpha": 0.5, "guard": 2.0, **_LATEST8, "fallback": 0.2},
)


def _label(params: dict[str, Any]) -> str:
    return ", ".join(f"{k}={v}" for k, v in params.items()) or "(default)"


def _orders() -> dict[tuple[str, int], tuple[np.ndarray, dict[str, Any]]]:
    out = {}
    for dataset in datasets():
        for seed in SEEDS:
            cached = ranked_order(dataset, seed)
            y = np.asarray(cached["labels"])[np.asarray(cached["order"])][int(cached["n_priors"]):]
            out[(dataset, seed)] = (y, cached)
    return out


def _run(dataset: str, seed: int, y: np.ndarray, screened: int, found: int) -> Run:
    return Run(dataset, seed, int(y.size), int(y.sum()), screened, found, 0,
               {t: _ideal(y, t) for t in TARGETS})


def headroom(orders: dict[tuple[str, int], tuple[np.ndarray, dict[str, Any]]]) -> list[str]:
    """Rows: each bold setting as it is, misses replaced by the default, by an oracle."""
    default = {k: replay_ranked(PointProcessStopping(target_recall=TARGET), y)
               for k, (y, _c) in orders.items()}
    lines = []
    for params in BOLD:
        raw, fallback, oracle = [], [], []
        for (dataset, seed), (y, _c) in orders.items():
            stop = replay_ranked(PointProcessStopping(target_recall=TARGET, **params), y)
            found = int(y[:stop].sum())
            need = math.ceil(TARGET * int(y.sum()) - 1e-9)
            raw.append(_run(dataset, seed, y, stop, found))
            if found >= need:
                fallback.append(raw[-1])
                oracle.append(raw[-1])
                continue
            back = default[(dataset, seed)]
            fallback.append(_run(dataset, seed, y, back, int(y[:back].sum())))
            at = int(np.searchsorted(np.cumsum(y), need) + 1)
            oracle.append(_run(dataset, seed, y, at, need))
        name = f"point-process {_label(params)}"
        lines += [row(name, TARGET, summarise(raw, TARGET)),
                  row(f"{name}; misses -> the default's stop", TARGET,
                      summarise(fallback, TARGET)),
                  row(f"{name}; misses -> stop at the target (oracle)", TARGET,
                      summarise(oracle, TARGET))]
        print(lines[-3], lines[-2], lines[-1], sep="\n", flush=True)
    return lines


class _Dataset:
    """The ranker prepared once per dataset, and unit-length whole-word TF-IDF rows."""

    def __init__(self, name: str) -> None:
        import scipy.sparse as sp
        from sklearn.preprocessing import normalize

        from scopewise.cli.labelled import read_labelled
        from scopewise.screening.rankers import get_ranker

        _ids, records, raw = read_labelled(DATA / f"{name}.csv")
        self.labels = np.asarray(raw, dtype=np.int64)
        self.ranker: Any = get_ranker("scopewise").prepare(records)
        words = self.ranker.members_[0]
        self.X = normalize(sp.hstack([words.X_, words.X_private_]).tocsr())

    def check_scores(self, kind: str, screened: np.ndarray, unscreened: np.ndarray,
                     live: Any) -> np.ndarray:
        labels = self.labels
        if kind == "centroid" or kind.startswith("latest"):
            found = screened[labels[screened] == 1]
            if kind.startswith("latest"):  # "latest8": the latest 8 relevant found
                found = found[-int(kind.removeprefix("latest")):]
            relevant = self.X[found]
            irrelevant = self.X[screened[labels[screened] == 0]]
            direction = (np.asarray(relevant.mean(axis=0)).ravel()
                         - np.asarray(irrelevant.mean(axis=0)).ravel())
            return np.asarray(self.X[unscreened] @ direction).ravel()
        ranker = live
        if ranker is None:
            ranker = copy.deepcopy(self.ranker).fit(screened, labels[screened])
        return np.asarray(ranker.scores())[unscreened]


def _pick(data: _Dataset, kind: str, screened: np.ndarray, left: np.ndarray, live: Any,
          size: int) -> np.ndarray:
    """The ``size`` records a check screens: the top of one score, or of several taken
    in turn ("latest8+ranker")."""
    rankings = [left[np.argsort(-data.check_scores(k, screened, left, live), kind="stable")]
                for k in kind.split("+")]
    picked: list[int] = []
    for candidates in zip(*rankings, strict=True):
        for position in candidates:
            if len(picked) < size and int(position) not in picked:
                picked.append(int(position))
        if len(picked) >= size:
            break
    return np.asarray(picked, dtype=np.int64)


def _scores_say(data: _Dataset, live: Any, screened: list[int], left: np.ndarray) -> float:
    """The ranker's estimate of the relevant records left, fitted on the decisions so far."""
    done = np.asarray(screened)
    ranker = live
    if ranker is None:  # the prepared ranker, warm-started along the cached order
        ranker = data.ranker
        ranker.fit(done, data.labels[done])
    return scores_left(ranker, done, data.labels, left)


def replay_with_check(data: _Dataset, cached: dict[str, Any],
                      make: Callable[[], PointProcessStopping], kind: str | None, share: float,
                      minimum: int, cap: int | None = None,
                      fallback: Callable[[], PointProcessStopping] | None = None,
                      guard: float | None = None, check_room: int | None = None,
                      novelty: list[float] | None = None) -> tuple[int, int, int]:
    """Records screened, relevant found and records screened by checks, for one run.

    ``kind=None``: no check; the rule stops where it would (past the guard).
    ``guard``: the rule's stop is held back while the ranker's Platt-scaled scores of
    the records left add up to more than ``guard`` relevant records
    (:func:`stopping_scores.scores_left`), asked again every :data:`GUARD_STEP`
    records. ``check_room``: check only while the relevant records found leave room
    for at most this many unfound at the rule's target; otherwise the stop is final
    (bench/stopping_room.py). ``novelty``: collects each hit's greatest cosine
    similarity to the relevant records found before the check.
    """
    labels = data.labels
    order = np.asarray(cached["order"])
    n_priors = int(cached["n_priors"])
    n = labels.size - n_priors
    rule = make()
    history: list[int] = []
    screened = [int(p) for p in order[:n_priors]]
    unscreened = np.ones(labels.size, dtype=bool)
    unscreened[order[:n_priors]] = False
    ranked = iter(int(p) for p in order[n_priors:])
    live: Any = None
    checked = 0
    held = -GUARD_STEP  # where the guard last held the stop back
    while len(history) < n:
        if (history and len(history) >= held + GUARD_STEP
                and rule.fit(np.asarray(history), n).stop_):
            left = np.flatnonzero(unscreened)
            if left.size == 0:
                break
            if guard is not None and _scores_say(data, live, screened, left) > guard:
                held = len(history)  # not yet: screen on in ranked order
            elif kind is None or (check_room is not None
                                  and rule._room(int(sum(history))) > check_room):
                break
            else:
                size = min(left.size, max(minimum, math.ceil(share * left.size)),
                           cap if cap is not None else left.size)
                before = np.asarray(screened)
                picked = _pick(data, kind, before, left, live, size)
                for position in picked:
                    unscreened[position] = False
                    screened.append(int(position))
                    history.append(int(labels[position]))
                checked += size
                if not labels[picked].any():
                    break
                if novelty is not None:
                    hits, found = picked[labels[picked] == 1], before[labels[before] == 1]
                    similarity = (data.X[hits] @ data.X[found].T).max(axis=1)
                    novelty.extend(np.asarray(similarity.todense()).ravel().tolist())
                if fallback is not None:  # a check that hits: back to a cautious rule
                    rule = fallback()
                if live is None:  # from here the cached order no longer applies
                    live = copy.deepcopy(data.ranker)
                    live.fit(np.asarray(screened), labels[np.asarray(screened)])
                continue
        if live is None:
            position = next(p for p in ranked if unscreened[p])
        else:
            position = int(live.next_record(unscreened))
        unscreened[position] = False
        screened.append(position)
        history.append(int(labels[position]))
        if live is not None and len(history) < n:
            live.fit(np.asarray(screened), labels[np.asarray(screened)])
    return len(history), int(sum(history)), checked


def _bold(alpha: float, target: float = TARGET) -> PointProcessStopping:
    return PointProcessStopping(target_recall=target, z=0.0, alpha_no_room=0.025, alpha=alpha)


def _fallback(what: str | float | None,
              target: float = TARGET) -> Callable[[], PointProcessStopping] | None:
    """The rule after a check's hit: ``None`` keeps the same rule (its quiet stretch
    started again by the hit), ``"default"`` the default's settings, a number the bold
    settings with that alpha."""
    if what is None:
        return None
    if what == "default":
        return lambda: PointProcessStopping(target_recall=target)
    return lambda: _bold(float(what), target)


def checks(orders: dict[tuple[str, int], tuple[np.ndarray, dict[str, Any]]]) -> list[str]:
    """Rows: each bold setting without a check, then with each check of :data:`CHECKS`."""
    lines = []
    for alpha in sorted({c["alpha"] for c in CHECKS}):
        base = []
        for (dataset, seed), (y, _c) in orders.items():
            stop = replay_ranked(_bold(alpha), y)
            base.append(_run(dataset, seed, y, stop, int(y[:stop].sum())))
        lines.append(row(f"point-process z=0.0, alpha_no_room=0.025, alpha={alpha:g}", TARGET,
                         summarise(base, TARGET)))
        print(lines[-1], flush=True)
    return lines + _replayed(orders, CHECKS)


def guarded(orders: dict[tuple[str, int], tuple[np.ndarray, dict[str, Any]]]) -> list[str]:
    """Rows: bold settings held back by the scores' guard, with and without a check."""
    return _replayed(orders, GUARDED)


_PREPARED: dict[str, _Dataset] = {}


def _replayed(orders: dict[tuple[str, int], tuple[np.ndarray, dict[str, Any]]],
              settings: tuple[dict[str, Any], ...]) -> list[str]:
    lines = []
    for check in settings:
        alpha, fallback, guard = check["alpha"], check.get("fallback"), check.get("guard")
        runs = []
        for (dataset, seed), (y, cached) in orders.items():
            data = _PREPARED.setdefault(dataset, _Dataset(dataset))
            screened, found, checked = replay_with_check(
                data, cached, lambda alpha=alpha: _bold(alpha), check["kind"],
                check.get("share", 0.0), check.get("minimum", 0), check.get("cap"),
                fallback=_fallback(fallback), guard=guard)
            runs.append(Run(dataset, seed, int(y.size), int(y.sum()), screened, found, checked,
                            {t: _ideal(y, t) for t in TARGETS}))
        held = "" if guard is None else f", held while the scores say more than {guard:g} left"
        cap = f", at most {check['cap']}" if check.get("cap") else ""
        how = ("" if check["kind"] is None else
               f", checked by {check['kind']} ({check['share']:g} of the records left, at "
               f"least {check['minimum']}{cap})")
        then = ("" if fallback is None else "; then the default's settings"
                if fallback == "default" else f"; then alpha={fallback:g}")
        lines.append(row(f"alpha={alpha:g}{held}{how}{then}", TARGET, summarise(runs, TARGET)))
        print(lines[-1], flush=True)
    return lines


HEADER = ("| rule | target | runs at/above target | worst dataset | datasets missing in 2+ "
          "seeds | mean saved | median saved | ideal | share of ideal | screened by checks |\n"
          "|---|---:|---:|---|---|---:|---:|---:|---:|---:|")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    orders = _orders()
    room = headroom(orders)
    checked = checks(orders)
    held = guarded(orders)
    elapsed = time.perf_counter() - started
    if not args.write:
        return
    RESULTS.write_text(f"""# Stopping: a check before stopping, and what any check could add

`python bench/stopping_check.py` ({elapsed:.0f} s); the script's notes say what each row
measures. Target 0.95, the 20 development sets x seeds {', '.join(map(str, SEEDS))}.

## Headroom: bold settings, their misses replaced

{HEADER}
{chr(10).join(room)}

## A check chosen by another score when the rule would stop

{HEADER}
{chr(10).join(checked)}

## The ranker's scores as a guard, with and without a check

{HEADER}
{chr(10).join(held)}
""", encoding="utf-8")
    print(f"written to {RESULTS}")


if __name__ == "__main__":
    main()
