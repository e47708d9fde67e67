"""Agreement: Cohen's kappa, percent agreement and confusion tables per reviewer pair."""

from __future__ import annotations

import random

import pytest
from sklearn.metrics import cohen_kappa_score

from scopewise.screening import Decision, agreement, cohen_kappa, confusion_table

TA, FT = "title_abstract", "full_text"


def test_kappa_of_a_textbook_table() -> None:
    # Wikipedia's worked example (Cohen's kappa): 20 yes/yes, 5 yes/no, 10 no/yes,
    # 15 no/no -> p_o = 0.7, p_e = 0.5, kappa = 0.4.
    assert cohen_kappa([[20, 5], [10, 15]]) == pytest.approx(0.4)


@pytest.mark.parametrize("seed", range(5))
def test_kappa_matches_scikit_learn(seed: int) -> None:
    rng = random.Random(seed)
    labels = ("include", "exclude", "maybe")
    a = [rng.choice(labels) for _ in range(60)]
    b = [x if rng.random() < 0.6 else rng.choice(labels) for x in a]
    table = confusion_table(a, b, labels)
    assert cohen_kappa(table) == pytest.approx(cohen_kappa_score(a, b, labels=list(labels)))


def test_kappa_is_undefined_when_both_always_use_one_label() -> None:
    assert cohen_kappa([[4, 0], [0, 0]]) is None
    assert cohen_kappa([[0, 0], [0, 0]]) is None


def test_confusion_table_rows_follow_the_first_reviewer() -> None:
    table = confusion_table(["include", "include"], ["exclude", "include"], ("include", "exclude"))
    assert table == ((1, 1), (0, 0))


def d(
    i: int, record: int, reviewer: str, decision: str, stage: str = TA, kind: str = "screen"
) -> Decision:
    return Decision(i, record, stage, reviewer, decision, kind=kind)


def test_agreement_per_pair_and_pooled() -> None:
    rows = [
        d(1, 1, "Ann", "include"),
        d(2, 1, "Ben", "include"),
        d(3, 2, "Ann", "exclude"),
        d(4, 2, "Ben", "maybe"),
        d(5, 3, "Ann", "exclude"),
        d(6, 3, "Cat", "exclude"),
        d(7, 4, "Ann", "exclude"),  # nobody else decided record 4: not compared
        d(8, 2, "Ben", "exclude"),  # Ben changed his mind: the latest counts
        d(9, 1, "Ben", "exclude", kind="pilot"),  # other kinds are ignored
    ]
    report = agreement(rows, TA)
    assert [p.reviewers for p in report.pairs] == [("Ann", "Ben"), ("Ann", "Cat")]
    ann_ben = report.pairs[0]
    assert (ann_ben.records, ann_ben.agreed, ann_ben.percent_agreement) == (2, 2, 100.0)
    assert ann_ben.labels == ("include", "exclude", "maybe")
    assert ann_ben.table == ((1, 0, 0), (0, 1, 0), (0, 0, 0))
    assert ann_ben.kappa == pytest.approx(1.0)
    assert report.overall.records == 3
    assert report.overall.agreed == 3


def test_full_text_table_is_two_by_two_and_pilot_is_separate() -> None:
    rows = [
        d(1, 1, "Ann", "include", FT, "pilot"),
        d(2, 1, "Ben", "exclude", FT, "pilot"),
        d(3, 2, "Ann", "include", FT, "pilot"),
        d(4, 2, "Ben", "include", FT, "pilot"),
    ]
    pilot = agreement(rows, FT, kind="pilot")
    assert pilot.overall.table == ((1, 1), (0, 0))
    assert pilot.overall.percent_agreement == pytest.approx(50.0)
    assert agreement(rows, FT).overall.records == 0
    assert agreement(rows, FT).overall.kappa is None
