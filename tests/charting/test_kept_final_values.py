"""The final values kept for fast reads always equal those worked out from the log."""

from __future__ import annotations

import random
from pathlib import Path

from charting_project import charting_project
from scopewise.charting import state_from_rows
from scopewise.review import Review
from scopewise.store import charting as db

DESIGNS = ["qualitative", "mixed methods", "service evaluation", "RCT", "review"]
CATEGORIES = ["Training", "Supervision and support", "Recruitment"]


def _from_log(review: Review) -> dict[int, dict[str, object]]:
    with review.store.reading() as conn:
        state = state_from_rows(db.chart_rows(conn), review.protocol.charting)
    return {rid: values for rid, values in state.final.items() if values}


def _kept(review: Review) -> tuple[bool, dict[int, dict[str, object]]]:
    with review.store.reading() as conn:
        valid = db.final_mark(conn) == (*db.log_mark(conn), review._form_key())
        return valid, db.read_final(conn)


def test_kept_values_follow_every_kind_of_write(tmp_path: Path, db_url: str) -> None:
    folder = charting_project(tmp_path / "p", db_url)
    rng = random.Random(7)
    with Review.open(folder, db_url=db_url) as a, Review.open(folder, db_url=db_url) as b:
        for step in range(24):
            writer = a if step % 3 else b  # two processes' worth of facades
            rid = rng.choice([1, 3, 5, 7])
            who = rng.choice(["Ann", "Ben"])
            kind = rng.random()
            if kind < 0.5:
                writer.chart(
                    rid,
                    {
                        "study_design": rng.choice(DESIGNS),
                        "category": rng.sample(CATEGORIES, rng.randint(1, 2)),
                    },
                    who,
                )
            elif kind < 0.7:
                writer.chart_many(
                    {r: {"study_design": rng.choice(DESIGNS)} for r in (1, 3, 5, 7)},
                    who,
                    replace=False,
                )
            elif kind < 0.85:
                writer.chart(rid, {"study_design": None}, who)
            else:
                writer.resolve_chart(rid, "study_design", rng.choice(DESIGNS), "Lead")
            valid, kept = _kept(a)
            assert valid
            assert kept == _from_log(a), f"step {step}"
            maps = (
                a.evidence_map("category", "study_design"),
                b.evidence_map("category", "study_design"),
            )
            assert maps[0] == maps[1]
        # a form change makes the kept values stale; reads then use the log
        a.rename_chart_choice("study_design", "RCT", "randomised trial", "Lead")
        valid, _ = _kept(a)
        assert not valid
        expected = {s.record_id: s.values for s in a.charted_sources()}
        assert not any(v.get("study_design") == "RCT" for v in expected.values())
        # the next write keeps them again, under the new form
        a.chart(1, {"controlled": "yes"}, "Ann")
        valid, kept = _kept(a)
        assert valid and kept == _from_log(a)
