"""Checks, and caution after a check's hit, only where the target leaves little room
(a diagnostic, bench only; measured 2026-12-07, bench/results/stopping.md).

bench/stopping_check.py found the best combination so far: the bold point-process
setting (``z = 0``, alpha 0.35, 0.025 while the target leaves no room), held back while
the ranker's scores say more than 2 relevant records are left, and a small check (the
``latest8`` score) when it would stop. It keeps 96/100 at 69 % of the ideal, but
Cohen_2006_ProtonPumpInhibitors misses in three seeds, and turning cautious after
every hit costs the sets whose checks find ordinary stragglers. This script asks two
narrower questions over the same cached orders (bench/stopping_cache.py):

*Room.* The check, and the cautious rule after a hit, only while the relevant records
found leave room for at most ``--check-room`` unfound at the target (room = the
records that may stay unfound with recall still at the target, read from the count
found, as the rule reads it). Where the room is larger the guarded bold stop is final.
Every label the rule reads is one the reviewer has given; from the first hit the
ranker runs live, as in bench/stopping_check.py.

*Novelty* (``--novelty``): for every hit a check makes, the hit's greatest cosine
similarity (whole-word TF-IDF, unit rows) to the relevant records found before it,
printed per run: does a second wave's record look unlike the stragglers of other sets?

Usage::

    python bench/stopping_room.py                         # the settings in the notes
    python bench/stopping_room.py --alpha 0.4 --check-room 4 --after default
    python bench/stopping_room.py --check-room 99 --after none --novelty

About 1 minute per setting on the shared 2-core machine (the cached orders must exist).
"""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import stopping_check as check
from stopping import TARGETS, Run, _ideal, row, summarise

from scopewise.screening.stopping_pointprocess import PointProcessStopping

#: (alpha, check room, rule after a hit) measured on 2026-12-07.
SETTINGS: tuple[tuple[float, int, str], ...] = (
    (0.35, 2, "default"),
    (0.35, 2, "0.25"),
    (0.35, 1, "default"),
    (0.4, 2, "default"),
    (0.4, 4, "0.2"),
    (0.45, 4, "default"),
)


def replay(orders: dict[tuple[str, int], tuple[np.ndarray, dict[str, Any]]], *,
           bold: Callable[[], PointProcessStopping], guard: float, check_room: int,
           after: str, target: float, novelty: bool = False) -> list[Run]:
    """Every run of one setting (and, with ``novelty``, each run's hit similarities)."""
    runs = []
    for (dataset, seed), (y, cached) in orders.items():
        data = check._PREPARED.setdefault(dataset, check._Dataset(dataset))
        similarities: list[float] | None = [] if novelty else None
        screened, found, checked = check.replay_with_check(
            data, cached, bold, "latest8", 0.02, 5, 20,
            fallback=check._fallback(None if after == "none" else after, target), guard=guard,
            check_room=check_room,
            novelty=similarities)
        if similarities:
            need = math.ceil(target * int(y.sum()) - 1e-9)
            print(f"  {dataset} seed {seed}: {found} of {need} needed; hits' similarity "
                  f"{', '.join(f'{s:.3f}' for s in similarities)}", flush=True)
        runs.append(Run(dataset, seed, int(y.size), int(y.sum()), screened, found, checked,
                        {t: _ideal(y, t) for t in TARGETS}))
    return runs


def measure(orders: dict[tuple[str, int], tuple[np.ndarray, dict[str, Any]]], *, alpha: float,
            guard: float, check_room: int, after: str, target: float,
            novelty: bool = False) -> str:
    """One table row for one setting."""
    runs = replay(orders, bold=lambda: check._bold(alpha, target), guard=guard,
                  check_room=check_room, after=after, target=target, novelty=novelty)
    name = (f"alpha={alpha:g}, held while the scores say more than {guard:g} left, checked by "
            f"latest8 while the room is at most {check_room}; after a hit: {after}")
    return row(name, target, summarise(runs, target))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--alpha", type=float, help="the bold setting's allowance")
    parser.add_argument("--check-room", type=int, help="check only while the room is at most this")
    parser.add_argument("--after", help="the rule after a hit: default, none or an alpha")
    parser.add_argument("--guard", type=float, default=2.0)
    parser.add_argument("--target", type=float, default=0.95)
    parser.add_argument("--novelty", action="store_true", help="print each hit's similarity")
    args = parser.parse_args(argv)
    if (args.alpha, args.check_room, args.after) == (None, None, None):
        settings = SETTINGS
    else:
        settings = ((0.35 if args.alpha is None else args.alpha,
                     2 if args.check_room is None else args.check_room,
                     args.after or "default"),)
    orders = check._orders()
    print(check.HEADER)
    for alpha, check_room, after in settings:
        print(measure(orders, alpha=alpha, guard=args.guard, check_room=check_room, after=after,
                      target=args.target, novelty=args.novelty), flush=True)


if __name__ == "__main__":
    main()
