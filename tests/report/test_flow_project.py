"""The flow and the report of a fixture project, read from the store (both backends)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa

from scopewise.errors import ReportError
from scopewise.review import Review
from scopewise.store import now
from scopewise.store import schema as t

Project = tuple[Review, dict[str, int]]
SCRIPT_TITLE = "<script>alert('x')</script> Latent trajectories of PTSD"  # as in conftest


def test_flow_of_a_review_in_progress(project: Project) -> None:
    review, _ = project
    flow = review.flow()
    assert flow.sources == {"PubMed": 5, "PsycINFO": 4}
    assert (flow.identified, flow.duplicates_removed, flow.screened) == (9, 1, 8)
    assert flow.excluded_title_abstract == 3  # c, e and f (conflict resolved as exclude)
    assert flow.open_title_abstract == 1  # h: one reviewer of two
    assert (flow.sought, flow.not_retrieved, flow.assessed) == (4, 1, 3)
    assert flow.excluded_full_text == {"METHOD": 1}
    assert flow.included == 1
    assert flow.open_full_text == 1  # b: one reviewer of two
    assert not flow.complete


def test_finishing_the_review_closes_the_open_counts(
    project: Project, decide_fn: Callable[..., None],
    user_ids_fn: Callable[[sa.Connection], dict[str, int]],
) -> None:
    review, ids = project
    with review.store.transaction() as conn:
        users = user_ids_fn(conn)
        decide_fn(conn, users, ids["h"], "title_abstract", "Ben", "exclude", ("DESIGN",))
        decide_fn(conn, users, ids["b"], "full_text", "Ben", "include")
    flow = review.flow()
    assert flow.complete
    assert flow.included == 2
    assert flow.excluded_title_abstract == 4


def test_report_writes_every_format(project: Project, tmp_path: Path) -> None:
    review, _ = project
    out = tmp_path / "out"
    written = review.report(out, "json,svg,png,html")
    assert [p.name for p in written][:4] == ["prisma.json", "prisma.svg", "prisma.png", "report.html"]
    prisma = json.loads((out / "prisma.json").read_text(encoding="utf-8"))
    assert prisma["identified"] == 9
    assert prisma["duplicates_removed"] + prisma["screened"] == prisma["identified"]
    assert prisma["sources"] == {"PubMed": 5, "PsycINFO": 4}
    assert prisma["excluded_full_text"] == {"METHOD": 1}
    assert (out / "prisma.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_html_escapes_titles_and_shows_every_number(
    project: Project, tmp_path: Path, decide_fn: Callable[..., None],
    user_ids_fn: Callable[[sa.Connection], dict[str, int]],
) -> None:
    review, ids = project
    with review.store.transaction() as conn:
        users = user_ids_fn(conn)
        decide_fn(conn, users, ids["b"], "full_text", "Ben", "include")
    review.report(tmp_path / "out", ["html"])
    html = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert "<script>" not in html
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; Latent trajectories" in html
    assert SCRIPT_TITLE not in html
    assert "Trajectories &amp; &lt;stress&gt;" in html  # the review title, escaped too
    rows = dict(re.findall(r"<tr><td>([^<]+)</td><td class=\"n\">(\d+)</td></tr>", html))
    assert rows["Records identified"] == "9"
    assert rows["Duplicate records removed"] == "1"
    assert rows["Records screened"] == "8"
    assert rows["Records excluded at title and abstract"] == "3"
    assert rows["Reports sought for retrieval"] == "4"
    assert rows["Reports not retrieved"] == "1"
    assert rows["Reports assessed for eligibility"] == "3"
    assert rows["Reports excluded at full text"] == "1"
    assert rows["Sources of evidence included"] == "2"
    assert "ptsd AND trajector*" in html  # the full query of the search


def test_broken_invariant_stops_the_report_and_writes_nothing(
    project: Project, tmp_path: Path
) -> None:
    review, ids = project
    with review.store.transaction() as conn:
        # Record b also merged into a second group as a duplicate of c: removed twice.
        for primary in ("c", "e"):
            group = conn.execute(
                t.duplicate_groups.insert().values(
                    primary_record_id=ids[primary], created_at=now(), reason={}
                )
            ).inserted_primary_key
            assert group is not None
            for key in (primary, "a_dup"):
                conn.execute(
                    t.duplicate_members.insert().values(group_id=group[0], record_id=ids[key])
                )
    with pytest.raises(ReportError, match=r"identified = duplicates removed \+ screened"):
        review.report(tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_stopping_estimate_and_agreement_show_in_the_report(
    project: Project, tmp_path: Path
) -> None:
    from scopewise.review.report import STOPPING_EVENT

    review, _ = project
    with review.store.transaction() as conn:
        review.store.audit(
            conn,
            "Lead",
            STOPPING_EVENT,
            {
                "rule": "statistical",
                "screened": 6,
                "total": 8,
                "target_recall": 0.95,
                "can_stop": True,
                "stopped_after": 6,
                "estimated_recall": 0.97,
                "confidence": "95% lower bound 91.0%",
            },
        )
    summary = review.stopping_summary()
    assert summary is not None and summary.left_unscreened == 2
    review.report(tmp_path / "out", "html")
    html = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert "allowed stopping after 6 of 8 records" in html
    assert "estimated recall 97.0%" in html
    assert "Ana and Ben" in html  # the reviewer pair of the agreement table
    assert "<td>Lead</td>" in html  # who resolved the title/abstract conflict
    assert "blinded to each other; conflicts were resolved by Lead." in html  # and in words
    assert "title and abstract, full text" in html  # stages of a criterion, in words
    assert "Records still waiting for a title and abstract decision: 1." in html


def test_an_inclusion_criterion_as_a_reason_reads_not_met(
    project: Project, tmp_path: Path, decide_fn: Callable[..., None],
    user_ids_fn: Callable[[sa.Connection], dict[str, int]],
) -> None:
    review, ids = project
    with review.store.transaction() as conn:
        users = user_ids_fn(conn)
        decide_fn(conn, users, ids["b"], "full_text", "Ana", "exclude", ("WAVES",))
        decide_fn(conn, users, ids["b"], "full_text", "Ben", "exclude", ("WAVES",))
    review.report(tmp_path / "out", "html")
    html = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert "WAVES: (inclusion criterion not met) " in html
    assert re.search(r"METHOD: (?!\(inclusion)", html)  # an exclusion criterion reads as it is
