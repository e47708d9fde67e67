"""Agreement between two charters, per field: what a pilot round reports.

- percent agreement for every field (values compared as :func:`same_value` does);
- Cohen's kappa for single-choice and yes/no fields (chance agreement from each
  charter's own marginal distribution, as in screening's kappa);
- mean Jaccard similarity for multiple-choice fields (|A ∩ B| / |A ∪ B| per source,
  averaged; two empty sets count as 1).

Only sources that both charters filled in for that field are compared.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from scopewise.charting.values import is_empty, same_value
from scopewise.protocol import ChartingForm

__all__ = ["FieldAgreement", "cohen_kappa", "field_agreement", "jaccard"]


@dataclass(frozen=True, slots=True)
class FieldAgreement:
    """Agreement on one field over the sources both charters filled in."""

    field: str
    label: str
    n: int
    agreed: int
    percent: float | None
    kappa: float | None
    jaccard: float | None


def cohen_kappa(pairs: list[tuple[Any, Any]]) -> float | None:
    """Cohen's kappa of paired categorical values; ``None`` when undefined."""
    n = len(pairs)
    if n == 0:
        return None
    observed = sum(a == b for a, b in pairs) / n
    left = Counter(a for a, _ in pairs)
    right = Counter(b for _, b in pairs)
    expected = sum(left[k] * right.get(k, 0) for k in left) / (n * n)
    if expected >= 1.0:
        # every rating is the same category on both sides: agreement is perfect but
        # kappa is 0/0; report 1.0 only when they do agree
        return 1.0 if observed == 1.0 else None
    return float((observed - expected) / (1.0 - expected))


def jaccard(a: list[str] | None, b: list[str] | None) -> float:
    """|A ∩ B| / |A ∪ B|; 1.0 for two empty sets."""
    left, right = set(a or ()), set(b or ())
    union = left | right
    return 1.0 if not union else len(left & right) / len(union)


def field_agreement(
    values: Mapping[int, Mapping[str, Mapping[str, Any]]],
    form: ChartingForm,
    reviewers: tuple[str, str] | None = None,
) -> list[FieldAgreement]:
    """Per-field agreement of two charters.

    Parameters
    ----------
    values:
        record -> reviewer -> field -> value (each reviewer's latest values).
    form:
        The charting form (active fields are reported).
    reviewers:
        The two charters to compare; by default, on each source, the first two
        reviewers in name order.
    """
    out: list[FieldAgreement] = []
    for spec in form.active_fields:
        pairs: list[tuple[Any, Any]] = []
        for by_reviewer in values.values():
            names = list(reviewers) if reviewers else sorted(by_reviewer)[:2]
            if len(names) < 2 or any(n not in by_reviewer for n in names):
                continue
            a = by_reviewer[names[0]].get(spec.name)
            b = by_reviewer[names[1]].get(spec.name)
            if is_empty(a) or is_empty(b):
                continue
            pairs.append((a, b))
        n = len(pairs)
        agreed = sum(same_value(spec, a, b) for a, b in pairs)
        kappa = None
        if spec.type in ("single_choice", "yes_no"):
            kappa = cohen_kappa(pairs)
        mean_jaccard = None
        if spec.type == "multiple_choice" and n:
            mean_jaccard = sum(jaccard(a, b) for a, b in pairs) / n
        out.append(
            FieldAgreement(
                field=spec.name,
                label=spec.title,
                n=n,
                agreed=agreed,
                percent=(100.0 * agreed / n) if n else None,
                kappa=kappa,
                jaccard=mean_jaccard,
            )
        )
    return out
