"""The one plain sentence that opens every message about the stopping rule.

Reviewers read the verdict first and the statistics after it, if at all: "Keep
screening: ..." or "You can stop: ...". The rules themselves live in
``screening/stopping*.py``; this only words what a rule's report says.
"""

from __future__ import annotations

import re

from scopewise.screening.stopping_rule import StopReport

__all__ = [
    "HEURISTIC_RULES",
    "STATISTICAL_RULES",
    "advice",
    "recall_words",
    "stopping_sentence",
    "with_advice",
]

STATISTICAL_RULES = ("statistical", "statistical-plain")
HEURISTIC_RULES = ("knee", "irrelevant-in-a-row")


def _own_sentence(detail: str) -> str:
    """The first sentence of a rule's own message, when it opens with the verdict
    (the point-process and sample rules word their own)."""
    if not detail.startswith(("You can stop", "Keep screening")):
        return ""
    match = re.match(r"(.+?[.!?])(\s+[A-Z(]|$)", detail, flags=re.S)
    return match.group(1) if match else detail


def advice(report: StopReport, target_recall: float) -> str:
    """The plain sentence: whether to keep screening or may stop, and why, in words."""
    target = f"{target_recall:.0%}"
    statistical = report.rule in STATISTICAL_RULES
    own = _own_sentence(report.detail or "")
    if not statistical and report.rule not in HEURISTIC_RULES and own:
        return own
    if report.stop:
        if statistical:
            return (f"You can stop: with 95% confidence at least {target} of the relevant "
                    "records have been found.")
        return (f"You can stop: the {report.rule} rule's condition is met (a heuristic, "
                "not a statistical guarantee).")
    if statistical and report.estimated_recall is None:
        return ("Keep screening: no estimate yet; once a long run of irrelevant records "
                "shows the ranking has run dry, this rule draws a random sample of the "
                "records left and estimates recall from it.")
    if statistical:
        return (f"Keep screening: the records screened so far do not yet show, with 95% "
                f"confidence, that {target} of the relevant records have been found.")
    return f"Keep screening: the {report.rule} rule's condition is not met yet."


def with_advice(report: StopReport, target_recall: float, lines: list[str]) -> list[str]:
    """``lines`` (the statistics) after the plain sentence."""
    return [advice(report, target_recall), *lines]


def recall_words(report: StopReport) -> str | None:
    """The rule's recall estimate with its bound, as every message words it:
    ``estimated recall 40.0% (lower bound under the model 2.0%)``; ``None`` while the
    rule has no estimate."""
    recall = report.estimated_recall
    if recall is None or recall != recall:  # none yet, or NaN
        return None
    words = f"estimated recall {recall:.1%}"
    if report.recall_lower_bound is not None:
        words += f" ({report.bound_words} {report.recall_lower_bound:.1%})"
    return words


def stopping_sentence(report: StopReport, target_recall: float) -> str:
    """The verdict with its reason, then the recall estimate, in one short paragraph
    (the screening page's line; ``scopewise screen --stopping`` prints the same
    sentences among its lines)."""
    words = recall_words(report)
    return advice(report, target_recall) + (f" {words[0].upper()}{words[1:]}." if words else "")
