"""Repeated looks at the hypergeometric stopping test: an exact per-look level.

The statistical stopping rule (Callaghan & Müller-Hansen, 2020) tests "recall is
below the target" again after each random draw and stops at the first rejection.
Each single test has level ``alpha``, but the chance that *some* look rejects
wrongly is larger (computed exactly at ``alpha = 0.05``: 0.063 with 90 relevant
found and an urn of 1,500 records, 0.076 with 200 and 3,000, 0.091 with 400 and
5,000; with one relevant found it stays at 0.05). This module
computes, for the urn the rule is sampling from, one nominal level ``alpha'`` to use
at every planned look such that the probability of ever stopping with recall below
the target is at most ``alpha`` -- whatever the unknown number of relevant records
left in the urn. This is a group-sequential design with a constant nominal level at
each look (Pocock, 1977), with the overall error computed exactly for sampling
without replacement rather than from a normal approximation (the exact computation
of discrete group-sequential boundaries is described in Jennison & Turnbull, 2000,
ch. 12).

How the error is computed. Sampling starts with ``found_before`` relevant records
found and an urn of ``urn`` unscreened records, ``K`` of them relevant (unknown).
Draws are uniform without replacement, so the number ``k`` of relevant records in
the first ``n`` draws is a Markov chain: from ``(n, k)`` the next draw is relevant
with probability ``(K - k) / (urn - n)``. A run errs when it stops at a look with
``k`` such that recall ``(found_before + k) / (found_before + K)`` is below the
target, i.e. ``K >= K_tar(k)`` with the same ``K_tar`` as the test. The chain is
propagated draw by draw for every ``K`` at once; at each look the mass in rejecting
states is removed (it stopped) and counted as error when ``K >= K_tar(k)``. States
from which no error is possible any more (``k`` already high enough) are dropped.
The overall error is monotone in ``alpha'`` (larger rejection regions only make
runs stop earlier, at a ``k`` no higher), so ``alpha'`` is found by bisection.

Which ``K`` are followed. The excess error of repeated looks is largest just above
the smallest ``K`` that allows a miss (``K_tar(0)``); for larger ``K`` the error
stays close to the per-look level itself. The search follows ``K_tar(0)`` to
``2 K_tar(0) + 20``; the tests check the level found against every ``K`` up to the
whole urn on a small urn, and up to ``6 K_tar(0) + 100`` on a larger one. The cost is
a few passes over the urn (each tries 40 candidate levels at once): about a second for an
urn of a few thousand records on an idle core; the result is cached per urn.

References: Pocock, S. J. (1977). Group sequential methods in the design and
analysis of clinical trials. *Biometrika* 64(2), 191-199.
https://doi.org/10.1093/biomet/64.2.191 -- Jennison, C. & Turnbull, B. W. (2000).
*Group Sequential Methods with Applications to Clinical Trials*. Chapman & Hall/CRC.
"""

from __future__ import annotations

import math
from functools import lru_cache
from typing import Any

import numpy as np

__all__ = [
    "look_schedule",
    "max_sequential_error",
    "null_relevant",
    "per_look_level",
    "recall_p_value",
]


def null_relevant(found_before: int, sample_relevant: Any, target_recall: float) -> Any:
    """``K_tar``: the fewest relevant records the urn must hold for recall to be below
    the target, given ``sample_relevant`` relevant records found in the sample."""
    found = found_before + np.asarray(sample_relevant, dtype=np.int64)
    return np.floor(found / target_recall - found_before + 1e-12).astype(np.int64) + 1


def _hypergeom_cdf(k: Any, urn: Any, relevant: Any, drawn: Any) -> Any:
    """``scipy.stats.hypergeom.cdf``, imported on first use (scipy.stats takes ~0.7 s
    to import, which every ``scopewise simulate`` run would pay otherwise)."""
    from scipy.stats import hypergeom

    return hypergeom.cdf(k, urn, relevant, drawn)


def recall_p_value(found_before: int, sample_relevant: Any, sample_size: Any,
                   urn_size: int, target_recall: float) -> Any:
    """p-value of "recall is below ``target_recall``" after a random sample.

    Callaghan & Müller-Hansen (2020) treat the records not yet screened when random
    sampling began as an urn of ``urn_size`` records. ``found_before`` relevant
    records were found before sampling and ``sample_relevant`` in the
    ``sample_size`` records drawn since. If recall were below the target, the urn
    would hold at least ``K = floor((found_before + sample_relevant) / target -
    found_before) + 1`` relevant records; the p-value is the hypergeometric
    probability of seeing ``sample_relevant`` or fewer relevant records in the sample
    from such an urn. Fewer relevant records in the urn only make the observation
    likelier, so the smallest such ``K`` gives the largest (most cautious) p-value.

    ``sample_relevant`` and ``sample_size`` may be arrays of equal shape (e.g. the
    running counts after each draw); the result then has that shape.
    """
    k = np.asarray(sample_relevant, dtype=np.int64)
    n = np.asarray(sample_size, dtype=np.int64)
    k_null = null_relevant(found_before, k, target_recall)
    k, n, k_null = np.broadcast_arrays(k, n, k_null)
    p = np.ones(k.shape)
    if urn_size > 0:
        # the urn cannot hold enough relevant records for recall to be this low
        p[(k_null > urn_size) & (n > 0)] = 0.0
        # only real tests need the distribution (and scipy.stats, ~0.7 s to import):
        # before any draw, p is 1 without it
        test = (k_null <= urn_size) & (n > 0)
        if test.any():
            p[test] = _hypergeom_cdf(k[test], urn_size, k_null[test], n[test])
    return float(p) if p.ndim == 0 else p


def look_schedule(urn: int, look_every: int) -> np.ndarray:
    """Planned looks: sample sizes ``look_every, 2 * look_every, ...``, and the whole urn."""
    if urn <= 0:
        return np.empty(0, dtype=np.int64)
    step = max(1, int(look_every))
    looks = np.arange(step, urn + 1, step, dtype=np.int64)
    if looks.size == 0 or looks[-1] != urn:
        looks = np.append(looks, urn)
    return looks


def _p_table(found_before: int, urn: int, target_recall: float, looks: np.ndarray,
             k_max: int) -> np.ndarray:
    """Nominal p-values ``p[k, j]`` of the test with ``k`` relevant in ``looks[j]`` draws."""
    k = np.arange(k_max)[:, None]
    n = looks[None, :]
    kk, nn = np.broadcast_arrays(k, n)
    p = np.asarray(recall_p_value(found_before, kk, nn, urn, target_recall), dtype=float)
    return np.where(kk > nn, 1.0, p)


class _Design:
    """The Markov chain of one urn, for every plausible ``K``, ready to be evaluated
    against rejection regions."""

    def __init__(self, found_before: int, urn: int, target_recall: float,
                 looks: np.ndarray, k_high: int | None = None) -> None:
        self.urn = urn
        self.looks = looks
        k_low = int(null_relevant(found_before, 0, target_recall))
        # the largest K followed (see the module notes)
        k_high = min(urn, k_high if k_high is not None else 2 * k_low + 20)
        self.urn_relevant = np.arange(k_low, k_high + 1, dtype=np.int64)
        # for each K, the sample counts k that still leave recall below the target
        k_null = null_relevant(found_before, np.arange(k_high + 2), target_recall)
        # first k with K < K_tar(k): from there on no miss is possible
        self.k_safe = np.searchsorted(k_null, self.urn_relevant, side="right")
        self.k_dim = int(self.k_safe.max()) if self.urn_relevant.size else 0
        self.p = _p_table(found_before, urn, target_recall, looks, self.k_dim)
        kk = np.arange(self.k_dim)
        self.live = kk[None, :] < self.k_safe[:, None]
        left = self.urn_relevant[:, None] - kk[None, :]
        self.relevant_left = np.clip(left, 0, None).astype(float)

    def error(self, level: float, inclusive: bool = False) -> np.ndarray:
        """For each ``K``, the probability that a run stops with recall below the target
        when every look rejects at ``p < level`` (``p <= level`` if ``inclusive``)."""
        return np.asarray(self.errors(np.array([level]), inclusive)[0])

    def errors(self, levels: np.ndarray, inclusive: bool = False) -> np.ndarray:
        """:meth:`error` for several levels at once: shape ``(levels, K)``."""
        levels = np.asarray(levels, dtype=float)
        if self.urn_relevant.size == 0:
            return np.zeros((levels.size, 0))
        # reject[j, l, k]: state k stops at look j at level l (only live states count)
        p = self.p.T[:, None, :]
        bound = levels[None, :, None]
        reject = (p <= bound) if inclusive else (p < bound)
        reject = np.ascontiguousarray(reject & self.live.any(axis=0))
        live = self.live.astype(float)[None, :, :]
        prob = np.zeros((levels.size, self.urn_relevant.size, self.k_dim))
        prob[:, :, 0] = 1.0
        # mass moving past the live states is dropped: no miss is possible from there
        step = self.relevant_left * live[0]
        err = np.zeros((levels.size, self.urn_relevant.size))
        look_at = {int(n): j for j, n in enumerate(self.looks)}
        moved = np.empty_like(prob)
        chance = np.empty_like(step)
        for n in range(self.urn):
            # chance that the next draw is relevant; above 1 only in impossible states
            # (more relevant left than records), whose mass is 0 up to rounding
            np.multiply(step, 1.0 / (self.urn - n), out=chance)
            np.minimum(chance, 1.0, out=chance)
            np.multiply(prob, chance, out=moved)
            prob -= moved
            prob[:, :, 1:] += moved[:, :, :-1]
            j = look_at.get(n + 1)
            if j is not None:
                stops = prob * reject[j][:, None, :]
                stops *= live
                err += stops.sum(axis=2)
                prob -= stops
                if n % 64 == 0 and float((prob * live).sum()) < 1e-14:
                    break
        return err


def max_sequential_error(found_before: int, urn: int, target_recall: float, level: float,
                         look_every: int = 1) -> float:
    """Exact probability, maximised over the unknown number of relevant records left,
    that testing at every planned look at nominal ``level`` stops with recall below
    the target."""
    design = _Design(found_before, urn, target_recall, look_schedule(urn, look_every))
    err = design.error(level)
    return float(err.max()) if err.size else 0.0


@lru_cache(maxsize=64)
def per_look_level(found_before: int, urn: int, target_recall: float, alpha: float,
                   look_every: int = 1) -> float:
    """The largest nominal level ``alpha'`` (<= ``alpha``) for the planned looks at which
    the exact overall error of the sequential rule is at most ``alpha``.

    Cached: the rule asks once per urn, after every draw.
    """
    if urn <= 0:
        return alpha
    looks = look_schedule(urn, look_every)
    return _search_level(_Design(found_before, urn, target_recall, looks), alpha)


def _search_level(design: _Design, alpha: float) -> float:
    """The largest level whose worst error over the design's ``K`` is at most alpha."""
    if design.urn_relevant.size == 0:
        return alpha
    if float(design.error(alpha).max()) <= alpha:
        return alpha
    # the error only changes where the level passes one of the p-values in the table:
    # search those values, several candidates per pass over the chain
    reachable = np.asarray(design.live.any(axis=0))[:, None]
    values = np.unique(design.p[(design.p < alpha) & reachable])
    lo, hi = 0, values.size  # values[:lo] pass (error <= alpha), values[hi:] fail
    while lo < hi:
        picks = np.unique(np.linspace(lo, hi - 1, min(hi - lo, 40)).round().astype(np.int64))
        ok = np.asarray(design.errors(values[picks], inclusive=True).max(axis=1) <= alpha)
        failed = picks[~ok]
        passed = picks[ok]
        hi = int(failed.min()) if failed.size else hi
        lo = int(passed[passed < hi].max()) + 1 if (passed < hi).any() else lo
    # reject at p <= values[lo - 1], i.e. at p < the next representable number
    if lo == 0:
        return float(values[0]) if values.size else 0.0
    return float(np.nextafter(values[lo - 1], math.inf))
