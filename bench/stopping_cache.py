"""Ranking orders for bench/stopping.py, computed once per (dataset, seed) and kept on disk.

A stopping rule that only reads the decisions (no random sample) never changes what
the ranker sees, so every such rule can be replayed over one screening order: the
order ``scopewise simulate`` produces without a stop rule. Rules that draw a random
sample are replayed from the same order too (see bench/stopping.py). Each order is a
``.npz`` file under ``SCOPEWISE_STOPPING_CACHE`` (default /tmp/scopewise-stopping-cache)
holding ``order`` (record positions: priors, then screening order, then the records
never screened in the ranker's last order), ``labels`` (true labels by position) and
``n_priors``.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
DATA = Path(os.environ.get("SCOPEWISE_SHARED_DATA", REPO.parent / "shared" / "data")) / "screening"
CACHE = Path(os.environ.get("SCOPEWISE_STOPPING_CACHE", "/tmp/scopewise-stopping-cache"))
SEEDS = (0, 1, 2, 3, 4)
RANKER = "scopewise"


def datasets() -> list[str]:
    """The 20 development sets (every CSV in the shared screening folder)."""
    return sorted(p.stem for p in DATA.glob("*.csv"))


def cache_path(dataset: str, seed: int) -> Path:
    return CACHE / f"{dataset}-s{seed}-{RANKER}.npz"


def ranked_order(dataset: str, seed: int) -> dict[str, np.ndarray | int]:
    """The cached order of one run, computing it (as ``scopewise simulate`` does) if needed."""
    path = cache_path(dataset, seed)
    if not path.exists():
        from scopewise.cli.labelled import read_labelled
        from scopewise.screening.rankers import get_ranker
        from scopewise.screening.simulate import simulate

        _ids, records, labels = read_labelled(DATA / f"{dataset}.csv")
        result = simulate(records, labels, get_ranker(RANKER), prior_included=1,
                          prior_excluded=1, seed=seed)
        CACHE.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp.npz")
        np.savez(tmp, order=result.order, labels=np.asarray(labels, dtype=np.int64),
                 n_priors=result.n_priors)
        os.replace(tmp, path)
    with np.load(path) as data:
        return {"order": data["order"], "labels": data["labels"],
                "n_priors": int(data["n_priors"])}


def main() -> None:
    """Fill the cache for every dataset and seed (or those named on the command line)."""
    names = sys.argv[1:] or datasets()
    for name in names:
        for seed in SEEDS:
            started = time.perf_counter()
            existed = cache_path(name, seed).exists()
            ranked_order(name, seed)
            if not existed:
                print(f"{name} seed {seed}: {time.perf_counter() - started:.1f} s", flush=True)


if __name__ == "__main__":
    main()
