"""Deduplication through the Review facade and the store, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from scopewise.errors import NotFound, UsageError
from scopewise.review import Review

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "peer-support" / "protocol.toml"

FIRST = """\
TY  - JOUR
ID  - e1
TI  - Peer support workers in community mental health teams: a qualitative study
AU  - Smith, Jane
AU  - Brown, Tom
PY  - 2019
JO  - Journal of Mental Health
VL  - 28
IS  - 4
SP  - 101
EP  - 110
DO  - 10.1000/jmh.2019.1
ER  -

TY  - JOUR
ID  - e2
TI  - PEER SUPPORT WORKERS IN COMMUNITY MENTAL HEALTH TEAMS: A QUALITATIVE STUDY.
AU  - Smith J
AU  - Brown T
PY  - 2019
JO  - J Ment Health
VL  - 28
IS  - 4
SP  - 101-10
ER  -

TY  - JOUR
ID  - e3
TI  - Lived experience roles in inpatient wards
AU  - Green, Ann
PY  - 2020
JO  - Psychiatric Services
ER  -

TY  - JOUR
ID  - e4
TI  - Lived experience roles in inpatient wards
ER  -
"""

UPDATE = """\
TY  - JOUR
ID  - u1
TI  - Peer support workers in community mental health teams - a qualitative study
AU  - Smith, J.
AU  - Brown, T.
PY  - 2019
JO  - Journal of Mental Health
VL  - 28
SP  - 101
ER  -

TY  - JOUR
ID  - u2
TI  - Recovery colleges in England: a survey
AU  - White, Sue
PY  - 2021
ER  -
"""


@pytest.fixture
def review(db_url: str, tmp_path: Path) -> Iterator[Review]:
    with Review.create(tmp_path / "r", protocol_path=EXAMPLE, db_url=db_url) as r:
        yield r


def add(review: Review, tmp_path: Path, text: str, name: str, source: str) -> None:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    review.import_file(path, source=source)


def test_sure_duplicates_merged_with_reason_possible_ones_queued(
    review: Review, tmp_path: Path
) -> None:
    add(review, tmp_path, FIRST, "embase.ris", "Embase")
    summary = review.dedup()
    assert (summary.groups_created, summary.duplicates_merged, summary.queued) == (1, 1, 1)
    (group,) = review.duplicate_groups()
    assert group.record_ids == (1, 2) and group.created_by == "auto"
    assert group.reason["links"][0]["rule"] and group.score is not None
    ((pair, a, b),) = review.duplicate_queue()
    assert (pair.record_a, pair.record_b) == (3, 4) and a.title == b.title
    assert review.status()["duplicates_removed"] == 1
    actions = [e.action for e in review.store.audit_events()]
    assert "dedup.merge" in actions and "dedup.run" in actions


def test_auto_only_leaves_the_queue_untouched(review: Review, tmp_path: Path) -> None:
    add(review, tmp_path, FIRST, "embase.ris", "Embase")
    summary = review.dedup(auto_only=True)
    assert summary.groups_created == 1 and summary.queued == 0
    assert review.duplicate_queue() == []


def test_undo_keeps_the_group_and_is_never_redone(review: Review, tmp_path: Path) -> None:
    add(review, tmp_path, FIRST, "embase.ris", "Embase")
    review.dedup()
    (group,) = review.duplicate_groups()
    review.undo_merge(group.id, actor="Review lead")
    assert review.duplicate_groups() == []
    (undone,) = review.duplicate_groups(include_undone=True)
    assert undone.undone_by == "Review lead" and undone.undone_at is not None
    assert review.dedup(full=True).groups_created == 0  # the undone pair stays apart
    with pytest.raises(UsageError, match="already undone"):
        review.undo_merge(group.id)
    with pytest.raises(NotFound):
        review.undo_merge(999)
    assert "dedup.undo" in [e.action for e in review.store.audit_events()]


def test_search_update_compares_new_records_and_keeps_the_screened_primary(
    review: Review, tmp_path: Path
) -> None:
    add(review, tmp_path, FIRST, "embase.ris", "Embase")
    review.dedup()
    review.decide(1, "include", "Reviewer A")
    add(review, tmp_path, UPDATE, "pubmed.ris", "PubMed")
    summary = review.dedup()
    assert summary.incremental and summary.new_records == 2
    assert (summary.groups_extended, summary.duplicates_merged) == (1, 1)
    (group,) = review.duplicate_groups()
    assert group.record_ids == (1, 2, 5) and group.primary_record_id == 1
    assert review.record_outcome(1).title_abstract is not None  # decision still counts
    assert {link["b"] for link in group.reason["links"]} >= {2, 5}


def test_screened_record_becomes_primary_of_a_new_group(review: Review, tmp_path: Path) -> None:
    add(review, tmp_path, FIRST, "embase.ris", "Embase")
    review.decide(2, "exclude", "Reviewer B", reasons=["NOTPEER"])
    review.dedup()
    (group,) = review.duplicate_groups()
    assert group.primary_record_id == 2


def test_person_resolves_the_queue(review: Review, tmp_path: Path) -> None:
    add(review, tmp_path, FIRST, "embase.ris", "Embase")
    review.dedup()
    ((pair, _, _),) = review.duplicate_queue()
    review.resolve_candidate(pair.id, "skip", actor="Reviewer A")
    assert [c.id for c, _, _ in review.duplicate_queue()] == [pair.id]  # still open
    review.resolve_candidate(pair.id, "same", actor="Reviewer A")
    groups = review.duplicate_groups()
    assert sorted(g.record_ids for g in groups) == [(1, 2), (3, 4)]
    assert next(g for g in groups if 3 in g.record_ids).created_by == "Reviewer A"
    assert review.duplicate_queue() == []
    with pytest.raises(UsageError, match="same, different, skip"):
        review.resolve_candidate(pair.id, "maybe")
    with pytest.raises(NotFound):
        review.resolve_candidate(999, "same")


def test_different_is_remembered(review: Review, tmp_path: Path) -> None:
    add(review, tmp_path, FIRST, "embase.ris", "Embase")
    review.dedup()
    ((pair, _, _),) = review.duplicate_queue()
    review.resolve_candidate(pair.id, "different", actor="Reviewer B")
    assert review.dedup(full=True).queued == 0 and review.duplicate_queue() == []


def test_merged_record_and_source_overlap(review: Review, tmp_path: Path) -> None:
    add(review, tmp_path, FIRST, "embase.ris", "Embase")
    add(review, tmp_path, UPDATE, "pubmed.ris", "PubMed")
    review.dedup(auto_only=True)
    (group,) = review.duplicate_groups()
    merged = review.merged_record(group.id)
    assert merged.record.doi == "10.1000/jmh.2019.1" and merged.members == group.record_ids
    assert merged.record.issue == "4"
    overlap = review.source_overlap()
    rows = {r["source"]: r for r in overlap.rows()}
    assert rows["Embase"]["contributed"] == 4 and rows["PubMed"]["contributed"] == 2
    assert rows["PubMed"]["only_here"] == 1  # the recovery college survey
    assert overlap.pairs[("Embase", "PubMed")] == 1
