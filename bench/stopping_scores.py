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
overconfident; the sum is read as a signal, not as a count.

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


def replay(dataset: str, seeds: tuple[int, ...]) -> list[Replay]:
    from scopewise.cli.simulate import _read_labelled_csv
    from scopewise.screening.rankers import get_ranker

    _ids, records, raw = _read_labelled_csv(DATA / f"{dataset}.csv")
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
        s = 1
        while s < n:
            if rule.fit(y[:s], n).stop_:
                screened = order[:n_priors + s]
                ranker.fit(screened, labels[screened])
                left = scores_left(ranker, screened, labels, order[n_priors + s:])
                if bold is None:
                    bold, estimate = s, left
                if left <= GUARD:
                    break
                s += STEP
                continue
            s += 1
        s = min(s, n)
        bold = s if bold is None else bold
        out.append(Replay(dataset, seed, n, relevant, need, ideal_stop, bold, int(y[:bold].sum()),
                          math.nan if estimate is None else estimate, s, int(y[:s].sum())))
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
           "left there | scores' estimate of left | guarded stop | found there |",
           "|---|---:|---:|---|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        if r.seed != min(args.seeds) and r.bold_found >= r.need and r.guarded_stop == r.bold_stop:
            continue  # the first seed of each set, and every run the guard or a miss changes
        per.append(f"| {r.dataset} | {r.seed} | {r.n} | {r.need} of {r.relevant} | {r.bold_stop} | "
                   f"{r.bold_found} | {r.relevant - r.bold_found} | {r.bold_estimate:.2f} | "
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
Platt-scaled scores of the unscreened records sum to more than {GUARD:g}.

{table}

Where the bold rule would stop (*left there*: the relevant records truly left), for the
first seed of every set and for every other run that stops short or that the guard
holds back:

{per}
"""


if __name__ == "__main__":
    main()
