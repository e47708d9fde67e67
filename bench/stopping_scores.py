"""What the ranker's own scores say about the relevant records left (a diagnostic).

The stopping rules read the decisions only. Bolder settings of the point-process rule
stop short on two kinds of ranking (bench/results/stopping.md): a *floor* of relevant
records the ranker cannot tell apart, spread thinly over the tail
(Bannach-Brown_2019), and a *second wave* found after a long quiet stretch
(Cohen_2006_ProtonPumpInhibitors). At the moment they stop, the decisions of both
look like those of rankings that have truly run dry (Kwok_2020). This script asks
whether the ranker's scores of the unscreened records tell them apart.

For each development set and seed it replays the cached order (bench/stopping_cache.py)
with a bold rule, the point-process rule fitted on the latest 10 relevant records
found with a Poisson allowance of 0.15 (``latest`` in bench/stopping_variants.py).
Where that rule would stop, the default ranker is fitted afresh on the decisions so
far, its scores are mapped to a probability of relevance by a one-variable logistic
fit on the screened records (Platt scaling), and the probabilities of the unscreened
records are summed: the scores' estimate of the relevant records left. A *guard*
holds the stop back while that estimate is above 1 (checked again every 10 records).

The logistic fit is on the records the model was trained on, so its probabilities are
overconfident; the sum is read as a signal, not as a count. The table also gives an
*out-of-fold* estimate at the bold stop (:func:`scores_left_out_of_fold`): the screened
records are split into five folds (relevant and irrelevant apart), each fold is scored
by the ranker fitted on the other four, the logistic fit is made on those held-out
scores, and it maps the unscreened records' scores (the mean over the five fits). It
asks whether the overconfidence, rather than the ranking, hides what is left.

Measured 2026-12-06 (eighth session): it does not. The out-of-fold estimate is no longer
near zero where records are left (ProtonPumpInhibitors seed 1: 5.6 with 11 left;
Bannach-Brown_2019: 23 to 39 with 13 to 16 left), but it is as large or larger where one
or none is left (Kitchenham_2010 6.0, Kwok_2020 10.4, Nagtegaal_2019 11.1,
van_de_Schoot_2017 12.7), because thousands of small probabilities add up. In a
scratch run at the stop of another bold setting (alpha 0.35 with z = 0), every relevant
record found on ProtonPumpInhibitors, held out of the fit, still ranked above 95 % of
the unscreened records: the records of its second wave look like none of those found,
so no calibration of these scores can see them.

Usage::

    python bench/stopping_scores.py              # seeds 0-4; table to bench/results/stopping_scores.md
    python bench/stopping_scores.py --seeds 0 --no-write
"""

from __future__ import annotations

import argparse
import math
import sys
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from stopping_cache import DATA, SEEDS, datasets, ranked_order
from stopping_variants import LatestHits

RESULTS = Path(__file__).resolve().parent / "results" / "stopping_scores.md"
TARGET = 0.95
GUARD = 1.0
STEP = 10


@dataclass(frozen=True)
class Replay:
    """One (dataset, seed): where the bold rule stops, alone and with the guard."""

    dataset: str
    seed: int
    n: int
    relevant: int
    need: int
    ideal_stop: int
    bold_stop: int
    bold_found: int
    bold_estimate: float
    bold_estimate_oof: float
    guarded_stop: int
    guarded_found: int


def scores_left(ranker: object, screened: np.ndarray, labels: np.ndarray,
                unscreened: np.ndarray) -> float:
    """The ranker's estimate of the relevant records left (Platt-scaled scores, summed)."""
    from sklearn.linear_model import LogisticRegression

    scores = ranker.scores()  # type: ignore[attr-defined]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = LogisticRegression(C=1.0).fit(scores[screened].reshape(-1, 1), labels[screened])
    return float(fit.predict_proba(scores[unscreened].reshape(-1, 1))[:, 1].sum())


def scores_left_out_of_fold(ranker: object, screened: np.ndarray, labels: np.ndarray,
                            unscreened: np.ndarray, folds: int = 5) -> float:
    """The relevant records left as out-of-fold calibrated scores say (see the notes)."""
    import copy

    from sklearn.linear_model import LogisticRegression

    known = labels[screened]
    fold = np.empty(screened.size, dtype=np.int64)
    for label in (0, 1):  # each fold holds its share of relevant and irrelevant records
        members = np.flatnonzero(known == label)
        fold[members] = np.arange(members.size) % folds
    held_out = np.empty(screened.size)
    left = np.zeros(unscreened.size)
    for k in range(folds):
        model = copy.deepcopy(ranker)
        train = screened[fold != k]
        model.fit(train, labels[train])  # type: ignore[attr-defined]
        scores = np.asarray(model.scores())  # type: ignore[attr-defined]
        held_out[fold == k] = scores[screened[fold == k]]
        left += scores[unscreened] / folds
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = LogisticRegression(C=1.0).fit(held_out.reshape(-1, 1), known)
    return float(fit.predict_proba(left.reshape(-1, 1))[:, 1].sum())


def replay(dataset: str, seeds: tuple[int, ...]) -> list[Replay]:
    from scopewise.cli.labelled import read_labelled
    from scopewise.screening.rankers import get_ranker

    _ids, records, raw = read_labelled(DATA / f"{dataset}.csv")
    labels = np.asarray(raw, dtype=np.int64)
    ranker = get_ranker("scopewise")
    ranker.prepare(records)
    out = []
    for seed in seeds:
        cached = ranked_order(dataset, seed)
        order, n_priors = np.asarray(cached["order"]), int(cached["n_priors"])
        y = labels[order][n_priors:]
        n, relevant = int(y.size), int(y.sum())
        need = math.ceil(TARGET * relevant - 1e-9)
        ideal_stop = int(np.searchsorted(np.cumsum(y), need) + 1)
        rule = LatestHits(hits=10, alpha=0.15, target_recall=TARGET)
        bold = estimate = None
        oof = math.nan
        s = 1
        while s < n:
            if rule.fit(y[:s], n).stop_:
                screened = order[:n_priors + s]
                ranker.fit(screened, labels[screened])
                left = scores_left(ranker, screened, labels, order[n_priors + s:])
                if bold is None:
                    bold, estimate = s, left
                    oof = scores_left_out_of_fold(ranker, screened, labels,
                                                  order[n_priors + s:])
                if left <= GUARD:
                    break
                s += STEP
                continue
            s += 1
        s = min(s, n)
        bold = s if bold is None else bold
        out.append(Replay(dataset, seed, n, relevant, need, ideal_stop, bold, int(y[:bold].sum()),
                          math.nan if estimate is None else estimate, oof, s,
                          int(y[:s].sum())))
    return out


def summary(rows: list[Replay], stop: str) -> str:
    found = [getattr(r, f"{stop}_found") for r in rows]
    stops = [getattr(r, f"{stop}_stop") for r in rows]
    ok = [f >= r.need for f, r in zip(found, rows, strict=True)]
    by: dict[str, int] = {}
    for r, good in zip(rows, ok, strict=True):
        by[r.dataset] = by.get(r.dataset, 0) + (not good)
    twice = sorted(d.replace("Cohen_2006_", "") for d, m in by.items() if m >= 2)
    saved = [(r.n - s) / r.n for r, s in zip(rows, stops, strict=True)]
    ideal = [(r.n - r.ideal_stop) / r.n for r in rows]
    return (f"{sum(ok)}/{len(rows)} | {len(twice)}{' (' + ', '.join(twice) + ')' if twice else ''}"
            f" | {np.mean(saved):.3f} | {np.mean(saved) / np.mean(ideal):.0%}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", nargs="*", type=int, default=list(SEEDS))
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    rows: list[Replay] = []
    for dataset in datasets():
        rows += replay(dataset, tuple(args.seeds))
        r = rows[-1]
        print(f"{dataset} seed {r.seed}: bold {r.bold_stop} ({r.bold_found}/{r.need} needed, "
              f"scores say {r.bold_estimate:.2f} left), guarded {r.guarded_stop}", flush=True)
    per = ["| dataset | seed | records | needed of relevant | bold rule stops at | found there | "
           "left there | scores' estimate of left | out-of-fold estimate | guarded stop | "
           "found there |",
           "|---|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        if r.seed != min(args.seeds) and r.bold_found >= r.need and r.guarded_stop == r.bold_stop:
            continue  # the first seed of each set, and every run the guard or a miss changes
        per.append(f"| {r.dataset} | {r.seed} | {r.n} | {r.need} of {r.relevant} | {r.bold_stop} | "
                   f"{r.bold_found} | {r.relevant - r.bold_found} | {r.bold_estimate:.2f} | "
                   f"{r.bold_estimate_oof:.2f} | "
                   f"{r.guarded_stop} | {r.guarded_found} |")
    table = "\n".join([
        "| rule | runs at/above 0.95 | datasets missing in 2+ seeds | mean saved | share of ideal |",
        "|---|---:|---|---:|---:|",
        f"| point-process [latest 10], alpha=0.15 | {summary(rows, 'bold')} |",
        f"| the same, held while the scores' estimate > {GUARD:g} | {summary(rows, 'guarded')} |",
    ])
    elapsed = time.perf_counter() - started
    print(table)
    if args.no_write:
        return
    RESULTS.write_text(_page(table, "\n".join(per), args.seeds, elapsed), encoding="utf-8")
    print(f"written to {RESULTS}")


def _page(table: str, per: str, seeds: list[int], elapsed: float) -> str:
    return f"""# Stopping: what the ranker's scores say about the records left

`python bench/stopping_scores.py` (seeds {', '.join(map(str, seeds))}; {elapsed:.0f} s on the
shared 2-core machine). A diagnostic, not a rule users can choose: the script's notes
say what it measures. The bold rule is the point-process rule fitted on the latest 10
relevant records found, allowance 0.15; the guard holds its stop while the ranker's
Platt-scaled scores of the unscreened records sum to more than {GUARD:g}. The
out-of-fold estimate calibrates the scores on held-out folds of the screened records
instead (five folds; a diagnostic only, no guard reads it).

{table}

Where the bold rule would stop (*left there*: the relevant records truly left), for the
first seed of every set and for every other run that stops short or that the guard
holds back:

{per}
"""


if __name__ == "__main__":
    main()
