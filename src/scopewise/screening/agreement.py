"""Agreement between reviewers: percent agreement, Cohen's kappa and the confusion table.

For each stage, the latest decision of each reviewer on each record (of one kind:
``screen`` for the main screening, ``pilot`` for the calibration round) is paired
with every other reviewer's decision on the same record. Each reviewer pair gets its
own numbers; the stage as a whole pools every pair's ratings, with the
alphabetically first reviewer of each pair as "reviewer 1".

Kappa is ``(p_o - p_e) / (1 - p_e)`` (Cohen 1960). It is ``None`` when there is
nothing to compare or when it is undefined (``p_e == 1``: both reviewers used one and
the same label for every record).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import combinations

from scopewise.screening.decisions import DECISIONS, Decision, latest_decisions

__all__ = ["PairAgreement", "StageAgreement", "agreement", "cohen_kappa", "confusion_table"]


@dataclass(frozen=True, slots=True)
class PairAgreement:
    """Agreement of two reviewers (or of all pairs pooled) at one stage.

    ``table[i][j]`` counts records reviewer 1 labelled ``labels[i]`` and reviewer 2
    labelled ``labels[j]``.
    """

    reviewers: tuple[str, str]
    records: int
    agreed: int
    percent_agreement: float | None
    kappa: float | None
    labels: tuple[str, ...]
    table: tuple[tuple[int, ...], ...]


@dataclass(frozen=True, slots=True)
class StageAgreement:
    """Agreement at one stage: every reviewer pair, and all pairs pooled."""

    stage: str
    kind: str
    pairs: tuple[PairAgreement, ...]
    overall: PairAgreement


def confusion_table(
    first: Sequence[str], second: Sequence[str], labels: Sequence[str]
) -> tuple[tuple[int, ...], ...]:
    """Counts of (first label, second label) pairs; rows follow ``first``."""
    if len(first) != len(second):
        raise ValueError("both reviewers need one label per record")
    index = {label: i for i, label in enumerate(labels)}
    cells = [[0] * len(labels) for _ in labels]
    for a, b in zip(first, second, strict=True):
        cells[index[a]][index[b]] += 1
    return tuple(tuple(row) for row in cells)


def cohen_kappa(table: Sequence[Sequence[int]]) -> float | None:
    """Cohen's kappa from a square confusion table; ``None`` if empty or undefined."""
    n = sum(sum(row) for row in table)
    if n == 0:
        return None
    size = len(table)
    observed = sum(table[i][i] for i in range(size)) / n
    rows = [sum(table[i]) / n for i in range(size)]
    cols = [sum(table[i][j] for i in range(size)) / n for j in range(size)]
    expected = sum(r * c for r, c in zip(rows, cols, strict=True))
    if expected >= 1.0:
        return None
    return (observed - expected) / (1.0 - expected)


def _pair(
    reviewers: tuple[str, str], a: list[str], b: list[str], labels: Sequence[str]
) -> PairAgreement:
    table = confusion_table(a, b, labels)
    agreed = sum(1 for x, y in zip(a, b, strict=True) if x == y)
    return PairAgreement(
        reviewers=reviewers,
        records=len(a),
        agreed=agreed,
        percent_agreement=(100.0 * agreed / len(a)) if a else None,
        kappa=cohen_kappa(table),
        labels=tuple(labels),
        table=table,
    )


def agreement(decisions: Iterable[Decision], stage: str, kind: str = "screen") -> StageAgreement:
    """Agreement at ``stage`` among reviewers' latest decisions of ``kind``.

    Parameters
    ----------
    decisions:
        Stored decisions (other stages and kinds are ignored).
    stage:
        ``title_abstract`` (3x3 table: include, exclude, maybe) or ``full_text``
        (2x2 table: include, exclude).
    kind:
        ``screen`` for the main screening, ``pilot`` for the calibration round.
    """
    labels = DECISIONS[stage]
    latest = latest_decisions((d for d in decisions if d.stage == stage), kinds=(kind,))
    per_record: dict[int, dict[str, str]] = defaultdict(dict)
    for (record_id, _stage, reviewer), d in latest.items():
        per_record[record_id][reviewer] = d.decision
    ratings: dict[tuple[str, str], tuple[list[str], list[str]]] = {}
    for record_id in sorted(per_record):
        by_reviewer = per_record[record_id]
        for r1, r2 in combinations(sorted(by_reviewer), 2):
            a, b = ratings.setdefault((r1, r2), ([], []))
            a.append(by_reviewer[r1])
            b.append(by_reviewer[r2])
    pairs = tuple(_pair(key, a, b, labels) for key, (a, b) in sorted(ratings.items()))
    pooled_a = [x for _, (a, _b) in sorted(ratings.items()) for x in a]
    pooled_b = [y for _, (_a, b) in sorted(ratings.items()) for y in b]
    overall = _pair(("all pairs", ""), pooled_a, pooled_b, labels)
    return StageAgreement(stage=stage, kind=kind, pairs=pairs, overall=overall)
