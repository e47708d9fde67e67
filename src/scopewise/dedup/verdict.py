"""The outcome of comparing two records, and the verdict that explains it."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any

__all__ = ["Outcome", "Verdict"]


class Outcome(Enum):
    """What matching concludes about a pair."""

    SURE = "sure"  # merged automatically
    POSSIBLE = "possible"  # queued for a person
    DISTINCT = "distinct"


@dataclass(frozen=True, slots=True)
class Verdict:
    """Outcome for a pair, with the rule that decided it and the evidence."""

    outcome: Outcome
    rule: str
    score: float
    matched: tuple[str, ...] = ()
    differs: tuple[str, ...] = ()
    detail: dict[str, Any] = field(default_factory=dict)

    def reason(self) -> dict[str, Any]:
        """Plain-JSON explanation stored with a merge or a queued pair."""
        return {
            "rule": self.rule,
            "outcome": self.outcome.value,
            "score": round(self.score, 3),
            "matched": list(self.matched),
            "differs": list(self.differs),
            **self.detail,
        }
