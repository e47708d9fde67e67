"""The screening index carried forward decision by decision equals the one built from
the whole state, and what the queue, the ranking and the stopping rule read from it
equals what they worked out from every decision before (both backends)."""

from __future__ import annotations

from pathlib import Path

from scopewise.review import Review
from scopewise.screening.decisions import latest_decisions
from scopewise.store.screening_index import ScreeningIndex, build_index
from scopewise.store.screening_state import ScreeningState
from small_protocol import TITLES, project_with_titles, small_protocol

WAITING = ("undecided", "awaiting_second_reviewer")


def _state(review: Review) -> ScreeningState:
    with review.store.reading() as conn:
        return review._screening_state(conn)


def _from_scratch(state: ScreeningState) -> ScreeningIndex:
    stages, per_record = state.rules[0], state.rules[1]
    return build_index(state.decisions, state.snapshot.records, state.touched, stages, per_record)


def _as_before(state: ScreeningState) -> dict[str, object]:
    """What the queue, the ranking and the stopping history computed from every
    decision before the index (the loops it replaces, written out again)."""
    out: dict[str, object] = {}
    for stage in state.rules[0]:
        latest = latest_decisions(d for d in state.decisions if d.stage == stage)
        screeners: dict[int, set[str]] = {}
        for rid, _s, who in latest:
            screeners.setdefault(rid, set()).add(who)
        waiting = set()
        for rid in state.touched:
            o = state.snapshot.records[rid]
            at = o.title_abstract if stage == "title_abstract" else o.full_text
            if at is not None and at.status in WAITING:
                waiting.add(rid)
        out[stage] = (latest, {r: frozenset(w) for r, w in screeners.items()}, waiting)
    labels: dict[int, int] = {}
    final: set[int] = set()
    reached: dict[int, tuple[int, int]] = {}
    for rid in state.touched:
        ta = state.snapshot.records[rid].title_abstract
        if ta is not None and ta.status in ("included", "excluded"):
            labels[rid] = int(ta.passes)
            final.add(rid)
            ids = [d.id for d in ta.decisions] + ([ta.resolution.id] if ta.resolution else [])
            reached[rid] = (min(ids), int(ta.passes))
    pending: set[int] = set()
    ta_latest = out["title_abstract"][0]  # type: ignore[index]
    for (rid, _s, _who), d in ta_latest.items():
        if rid in final:
            continue
        pending.add(rid)
        labels[rid] = max(labels.get(rid, 0), int(d.decision != "exclude"))
    out["labels"], out["pending"], out["reached"] = labels, pending, reached
    return out


def _check(state: ScreeningState) -> None:
    index, fresh, before = state.index, _from_scratch(state), _as_before(state)
    assert index.labels == fresh.labels == before["labels"]
    assert index.pending == fresh.pending == before["pending"]
    assert index.reached == fresh.reached == before["reached"]
    assert index.sorted_labels() == tuple(sorted(index.labels.items()))
    for stage in state.rules[0]:
        mine, again = index.stage(stage), fresh.stage(stage)
        latest, screeners, waiting = before[stage]  # type: ignore[misc]
        assert mine.latest == again.latest == latest
        assert mine.screeners == again.screeners == screeners
        assert mine.waiting == again.waiting == waiting
        assert mine.full == again.full == {r for r, w in screeners.items() if len(w) >= 2}
        for who in ("Ann", "Bob", "Lead"):
            assert mine.decided_by.get(who, frozenset()) == {
                r for r, w in screeners.items() if who in w}


def test_the_index_carried_forward_equals_the_index_built_afresh(
    tmp_path: Path, db_url: str
) -> None:
    protocol = small_protocol("Index", 'stages = ["title_abstract", "full_text"]\n'
                              "reviewers_per_record = 2", reviewers=("Ann", "Bob"))
    folder = project_with_titles(tmp_path / "index", protocol, TITLES, db_url)
    steps = [
        (1, "include", "Ann", None), (1, "include", "Bob", None),      # included
        (2, "exclude", "Ann", None), (2, "exclude", "Bob", None),      # excluded
        (3, "include", "Ann", None),                                    # pending include
        (4, "exclude", "Bob", None),                                    # pending exclude
        (5, "include", "Ann", None), (5, "exclude", "Bob", None),      # a conflict
        (4, "include", "Bob", None),                                    # Bob changes his mind
        (1, "exclude", "Ann", "full_text"),                             # full text begins
        (6, "maybe", "Lead", None),
    ]
    with Review.open(folder, db_url=db_url) as review:
        _check(_state(review))
        for rid, decision, who, stage in steps:
            reasons = ("POP",) if stage == "full_text" and decision == "exclude" else ()
            review.decide(rid, decision, who, stage, reasons)
            _check(_state(review))
        review.resolve(5, "include", "Lead")  # the lead settles the conflict
        state = _state(review)
        _check(state)
        assert state.index.labels[5] == 1 and 5 in state.index.reached
        assert state.index.labels[4] == 1 and 4 in state.index.pending
        assert review._screening_states.rebuilds == 1, "every step after the first was carried"


def test_the_stopping_estimate_is_kept_while_no_record_reaches_an_outcome(
    tmp_path: Path, db_url: str
) -> None:
    import math

    import numpy as np

    from scopewise.review.screening_queue import stopping_rule_for
    from scopewise.store.screening_index import REACHED_MEMO

    protocol = small_protocol("Estimate", "reviewers_per_record = 2", reviewers=("Ann", "Bob"))
    folder = project_with_titles(tmp_path / "estimate", protocol, TITLES, db_url)
    steps = [(1, "include", "Ann"), (1, "include", "Bob"), (2, "exclude", "Ann"),
             (3, "exclude", "Bob"), (2, "exclude", "Bob"), (3, "include", "Ann")]
    with Review.open(folder, db_url=db_url) as review:
        review._load_protocol()
        before: tuple[object, ...] | None = None
        for rid, decision, who in steps:
            reached = dict(_state(review).index.reached)
            review.decide(rid, decision, who)
            state = _state(review)
            report, _rule, labels = review._estimate(state, [], who, record=False)
            kept = [v for k, v in state.index.memo.items() if k.startswith(REACHED_MEMO)]
            assert len(kept) == 1
            if before is not None and state.index.reached == reached:  # carried forward
                assert kept[0] is before
            before = kept[0]
            # and it is the estimate worked out afresh
            plan = review.protocol.screening
            rule = stopping_rule_for(plan.stop_rule, plan.target_recall)
            history, sampled = review._history(state, [])
            rule.fit(np.asarray(history), len(state.ids), np.asarray(sampled, dtype=bool))
            fresh = rule.report()
            assert labels == history
            assert report.screened == fresh.screened and report.stop == fresh.stop
            assert (report.estimated_recall is None) == (
                fresh.estimated_recall is None or not math.isfinite(fresh.estimated_recall))
