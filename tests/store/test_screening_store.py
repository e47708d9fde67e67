"""Screening through the Review facade, on SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
import sqlalchemy as sa

from scopewise.errors import NotFound, ScreeningError, UsageError
from scopewise.review import Review
from scopewise.store import now
from scopewise.store import schema as t
from scopewise.store.screening import decision_rows, unique_record_ids
from scopewise.store.snapshot import screening_snapshot

PROTOCOL = """
questions = ["What is known about peer support work in mental health services?"]
[review]
title = "Screening test review"
[[team]]
name = "Lead"
role = "lead"
[[team]]
name = "Ann"
role = "reviewer"
[[team]]
name = "Ben"
role = "reviewer"
[[team]]
name = "Cat"
role = "reviewer"
[[team]]
name = "Ivy"
role = "information_specialist"
[pcc]
population = "Peer support workers"
concept = "Peer support work"
context = "Mental health services"
[[criteria.inclusion]]
code = "POP"
text = "Concerns peer support workers in mental health services."
[[criteria.exclusion]]
code = "NOTPEER"
text = "Peer support is not the focus."
[[criteria.exclusion]]
code = "NOFT"
text = "No full text in English."
stages = ["full_text"]
[screening]
reviewers_per_record = {rpr}
blinding = {blinding}
"""
TITLES = [
    "Peer support workers in community mental health teams",
    "Statins after myocardial infarction",
    "Training peer specialists for forensic services",
    "Hip fracture surgery outcomes",
    "Family peer support in child mental health services",
    "Family peer support in child mental health services",  # duplicate of the one before
]
PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"


def make_review(tmp_path: Path, db_url: str, rpr: int = 2, blinding: bool = True) -> Review:
    """A project with six records; the last is an active duplicate of the fifth."""
    protocol = tmp_path / "protocol.toml"
    protocol.write_text(PROTOCOL.format(rpr=rpr, blinding=str(blinding).lower()))
    review = Review.create(tmp_path / "project", protocol_path=protocol, db_url=db_url)
    with review.store.transaction() as conn:
        search = conn.execute(
            t.searches.insert().values(source="PubMed", imported_at=now())
        ).inserted_primary_key[0]
        ids = [
            conn.execute(
                t.records.insert().values(
                    search_id=search, position=i, title=title, abstract=f"Abstract of {title}."
                )
            ).inserted_primary_key[0]
            for i, title in enumerate(TITLES, 1)
        ]
        group = conn.execute(
            t.duplicate_groups.insert().values(primary_record_id=ids[4], created_at=now())
        ).inserted_primary_key[0]
        for rid in ids[4:]:
            conn.execute(t.duplicate_members.insert().values(group_id=group, record_id=rid))
    review.record_ids = ids  # type: ignore[attr-defined]
    return review


@pytest.fixture
def review(tmp_path: Path, db_url: str) -> Review:
    r = make_review(tmp_path, db_url)
    yield r
    r.close()


def ids(review: Review) -> list[int]:
    return review.record_ids  # type: ignore[attr-defined,no-any-return]


def test_decisions_are_appended_and_the_latest_counts(review: Review) -> None:
    r1 = ids(review)[0]
    review.decide(r1, "exclude", "Ann", note="first look")
    review.decide(r1, "include", "Ann")
    review.decide(r1, "include", "Ben")
    with review.store.reading() as conn:
        history = decision_rows(conn, [r1])
    assert [(d.reviewer, d.decision) for d in history] == [
        ("Ann", "exclude"),
        ("Ann", "include"),
        ("Ben", "include"),
    ]
    assert history[0].note == "first look" and history[0].created_at is not None
    outcome = review.record_outcome(r1).title_abstract
    assert outcome is not None and (outcome.status, outcome.decision) == ("included", "include")
    actions = [e.action for e in review.audit() if e.action.startswith("screening.")]
    assert actions == ["screening.decided"] * 3


def test_unknown_reviewer_is_refused_and_names_the_team(review: Review) -> None:
    with pytest.raises(
        NotFound, match="unknown reviewer 'Anne'; known reviewers: Ann, Ben, Cat, Lead"
    ):
        review.decide(ids(review)[0], "include", "Anne")
    with pytest.raises(ScreeningError, match="Ivy is a information specialist"):
        review.decide(ids(review)[0], "include", "Ivy")
    with review.store.reading() as conn:
        assert decision_rows(conn) == []


def test_unknown_record_and_bad_reason(review: Review) -> None:
    with pytest.raises(NotFound, match="record 999 does not exist"):
        review.decide(999, "include", "Ann")
    with pytest.raises(ScreeningError, match="valid codes: POP, NOTPEER"):
        review.decide(ids(review)[0], "exclude", "Ann", reasons=["E7"])


def test_duplicates_are_screened_through_their_primary(review: Review) -> None:
    primary, duplicate = ids(review)[4], ids(review)[5]
    with review.store.reading() as conn:
        assert unique_record_ids(conn) == ids(review)[:5]
    with pytest.raises(
        ScreeningError, match=f"duplicate of record {primary}; screen record {primary}"
    ):
        review.decide(duplicate, "include", "Ann")
    review.decide(primary, "include", "Ann")
    # Undoing the merge makes the record screenable again.
    with review.store.transaction() as conn:
        conn.execute(t.duplicate_groups.update().values(undone_at=now(), undone_by="Lead"))
    review.decide(duplicate, "include", "Ann")
    assert len(review.screening_snapshot().records) == 6


def test_conflicts_are_detected_and_resolved_by_a_lead_or_third_reviewer(review: Review) -> None:
    a, b, c = ids(review)[:3]
    review.decide(a, "include", "Ann")
    review.decide(a, "maybe", "Ben")
    review.decide(b, "include", "Ann")
    review.decide(b, "exclude", "Ben")
    review.decide(c, "exclude", "Ann")
    review.decide(c, "exclude", "Ben")
    assert [(x.record_id, x.stage) for x in review.conflicts()] == [
        (a, "title_abstract"),
        (b, "title_abstract"),
    ]
    with pytest.raises(ScreeningError, match="Ann screened this record"):
        review.resolve(a, "include", "Ann")
    with pytest.raises(ScreeningError, match=f"record {c} has no conflict"):
        review.resolve(c, "include", "Lead")
    review.resolve(a, "include", "Cat", note="third reviewer")
    resolution = review.resolve(b, "exclude", "Lead")
    assert resolution.kind == "resolution"
    assert review.conflicts() == []
    snapshot = review.screening_snapshot()
    ta_a, ta_b = snapshot.records[a].title_abstract, snapshot.records[b].title_abstract
    assert ta_a is not None and ta_a.status == "included" and ta_a.resolution is not None
    assert ta_b is not None and ta_b.status == "excluded"
    assert any(e.action == "screening.resolved" and e.actor == "Cat" for e in review.audit())


def test_blinding_hides_other_decisions_until_the_viewer_decided(review: Review) -> None:
    r1 = ids(review)[0]
    review.decide(r1, "include", "Ann")
    assert review.decisions_for(r1, "Ben") == []
    assert [d.reviewer for d in review.decisions_for(r1, "Lead")] == ["Ann"]
    review.decide(r1, "exclude", "Ben")
    assert {d.reviewer for d in review.decisions_for(r1, "Ben")} == {"Ann", "Ben"}
    # Having decided at title/abstract does not reveal a later stage's decisions.
    assert review.decisions_for(r1, "Cat") == []


def test_blinding_off_shows_everything(tmp_path: Path, db_url: str) -> None:
    with make_review(tmp_path, db_url, blinding=False) as review:
        r1 = ids(review)[0]
        review.decide(r1, "include", "Ann")
        assert [d.reviewer for d in review.decisions_for(r1, "Ben")] == ["Ann"]


def test_full_text_follows_a_passed_title_abstract(review: Review) -> None:
    r1 = ids(review)[0]
    with pytest.raises(ScreeningError, match="has not passed title/abstract"):
        review.decide(r1, "include", "Ann", stage="full_text")
    review.decide(r1, "include", "Ann")
    review.decide(r1, "include", "Ben")
    # Without a stage, a record that passed goes to full text.
    with pytest.raises(ScreeningError, match="needs one or more reasons"):
        review.decide(r1, "exclude", "Ann")
    d = review.decide(r1, "exclude", "Ann", reasons=["NOFT"])
    assert (d.stage, d.reasons) == ("full_text", ("NOFT",))
    review.decide(r1, "exclude", "Ben", reasons=["POP"])
    ft = review.record_outcome(r1).full_text  # different reasons: a conflict (issue 16)
    assert ft is not None and ft.status == "conflict"
    review.decide(r1, "exclude", "Ben", reasons=["NOFT", "POP"])
    review.decide(r1, "exclude", "Ann", reasons=["POP", "NOFT"])
    ft = review.record_outcome(r1).full_text
    assert ft is not None and (ft.status, ft.reasons) == ("excluded", ("POP", "NOFT"))


def test_attaching_a_pdf_files_it_under_its_hash(review: Review, tmp_path: Path) -> None:
    r1 = ids(review)[0]
    pdf = tmp_path / "paper.PDF"
    pdf.write_bytes(PDF)
    entry = review.attach_full_text(r1, pdf, "Ivy")
    sha = hashlib.sha256(PDF).hexdigest()
    assert entry.sha256 == sha and entry.path == f"files/{sha}.pdf"
    assert (review.path / "files" / f"{sha}.pdf").read_bytes() == PDF
    stored = review.full_text(r1)
    assert stored is not None and (stored.status, stored.sha256, stored.file_name) == (
        "attached",
        sha,
        "paper.PDF",
    )


def test_a_non_pdf_is_refused_and_nothing_is_written(review: Review, tmp_path: Path) -> None:
    fake = tmp_path / "paper.pdf"
    fake.write_text("<html>Access denied</html>")
    with pytest.raises(
        ScreeningError, match=r"paper.pdf: not a PDF \(it does not start with %PDF-\)"
    ):
        review.attach_full_text(ids(review)[0], fake, "Ivy")
    assert review.store.count(t.full_texts) == 0
    assert not (review.path / "files").exists() or not any((review.path / "files").iterdir())


def test_not_retrieved_counts_in_the_snapshot(review: Review) -> None:
    a, b, c, d = ids(review)[:4]
    for rid, decision in ((a, "include"), (b, "include"), (c, "exclude"), (d, "include")):
        review.decide(rid, decision, "Ann")
        review.decide(rid, decision, "Ben")
    with pytest.raises(ScreeningError, match="excluded at title/abstract"):
        review.mark_not_retrieved(c, "no library access", "Ivy")
    with pytest.raises(UsageError, match="say why"):
        review.mark_not_retrieved(b, "  ", "Ivy")
    review.mark_not_retrieved(b, "no library access", "Ivy")
    with pytest.raises(ScreeningError, match="not retrieved; attach its PDF first"):
        review.decide(b, "include", "Ann", stage="full_text")
    review.decide(a, "include", "Ann", stage="full_text")
    review.decide(a, "include", "Ben", stage="full_text")
    review.decide(d, "exclude", "Ann", stage="full_text", reasons=["NOTPEER"])
    review.decide(d, "exclude", "Ben", stage="full_text", reasons=["NOTPEER"])
    with review.store.reading() as conn:
        snapshot = screening_snapshot(conn)
    assert snapshot.records[b].not_retrieved
    entry = snapshot.records[b].full_text_entry
    assert entry is not None and entry.reason == "no library access"
    counts = snapshot.counts()
    assert counts == {
        "screened": 4,
        "pending_title_abstract": 1,
        "excluded_title_abstract": 1,
        "sought_for_retrieval": 3,
        "not_retrieved": 1,
        "assessed_full_text": 2,
        "pending_full_text": 0,
        "excluded_full_text": 1,
        "included": 1,
        "full_text_exclusion_reasons": {"NOTPEER": 1},
    }


def test_pilot_round_has_its_own_kappa_and_counts_only_when_adopted(review: Review) -> None:
    with pytest.raises(ScreeningError, match="only a lead can do this"):
        review.start_pilot(2, seed=1, actor="Ann")
    with pytest.raises(UsageError, match="1 to 5 records"):
        review.start_pilot(9, seed=1, actor="Lead")
    sample = review.start_pilot(2, seed=1, actor="Lead")
    assert len(set(sample)) == 2 and set(sample) <= set(ids(review)[:5])
    assert review.pilot_records() == sample
    first = review.next_record("Ann")
    assert first is not None and first.pilot and first.record_id in sample
    for rid in sample:
        assert review.decide(rid, "include", "Ann").kind == "pilot"
        review.decide(rid, "include" if rid == sample[0] else "exclude", "Ben")
    after = review.next_record("Ann")
    assert after is not None and not after.pilot and after.record_id not in sample
    assert review.screening_snapshot().counts()["screened"] == 0
    pilot = next(a for a in review.agreement(pilot=True) if a.stage == "title_abstract")
    assert (pilot.overall.records, pilot.overall.agreed) == (2, 1)
    assert review.agreement()[0].overall.records == 0
    assert review.close_pilot("Lead", adopt=True) == 4
    assert review.pilot_records() == []
    assert review.screening_snapshot().counts()["screened"] == 1  # the agreed record
    assert [c.record_id for c in review.conflicts()] == [sample[1]]


def test_closing_a_pilot_without_adopting_leaves_main_screening_alone(review: Review) -> None:
    sample = review.start_pilot(1, seed=3, actor="Lead")
    review.decide(sample[0], "include", "Ann")
    assert review.close_pilot("Lead") == 0
    assert review.decide(sample[0], "include", "Ann").kind == "screen"
    with pytest.raises(ScreeningError, match="no pilot round is open"):
        review.close_pilot("Lead")


def test_importing_decisions_is_all_or_nothing(review: Review, tmp_path: Path) -> None:
    a, b = ids(review)[:2]
    bad = tmp_path / "bad.csv"
    bad.write_text(
        f"record_id,reviewer,decision,stage,reasons,note\n{a},Ann,include,,,\n{b},Ann,exclude,full_text,POP,\n"
    )
    with pytest.raises(ScreeningError, match=r"bad.csv:3: .*not passed title/abstract"):
        review.import_decisions(bad, "Lead")
    with review.store.reading() as conn:
        assert decision_rows(conn) == []
    good = tmp_path / "good.csv"
    good.write_text(
        "record_id,reviewer,decision,stage,reasons,note\n"
        f"{a},Ann,include,,,\n{a},Ben,include,,,\n{a},Ann,exclude,full_text,NOFT;POP,late\n"
    )
    assert review.import_decisions(good, "Lead") == 3
    ft = review.record_outcome(a).full_text
    assert ft is not None and ft.status == "awaiting_second_reviewer"
    assert any(e.action == "screening.imported" for e in review.audit())


def test_next_record_serves_each_record_to_two_reviewers_then_stops(review: Review) -> None:
    unique = ids(review)[:5]
    served: dict[str, list[int]] = {"Ann": [], "Ben": [], "Cat": []}
    for reviewer in ("Ann", "Ben", "Cat"):
        while (item := review.next_record(reviewer, "title_abstract")) is not None:
            assert item.stage == "title_abstract" and item.record.title
            served[reviewer].append(item.record_id)
            review.decide(item.record_id, "exclude", reviewer)
    assert sorted(served["Ann"]) == unique and sorted(served["Ben"]) == unique
    assert served["Cat"] == []  # every record already has its two reviewers
    assert review.next_record("Ann") is None


def test_next_record_moves_on_to_full_text(tmp_path: Path, db_url: str) -> None:
    with make_review(tmp_path, db_url, rpr=1) as review:
        for rid in ids(review)[:5]:
            review.decide(rid, "include" if rid == ids(review)[2] else "exclude", "Ann")
        item = review.next_record("Ben")
        assert item is not None and (item.record_id, item.stage) == (ids(review)[2], "full_text")


def test_snapshot_reads_the_stored_protocol(review: Review) -> None:
    with review.store.reading() as conn:
        snapshot = screening_snapshot(conn)
        rows = conn.execute(sa.select(sa.func.count()).select_from(t.decisions)).scalar_one()
    assert snapshot.stages == ("title_abstract", "full_text")
    assert snapshot.reviewers_per_record == 2
    assert rows == 0
    assert all(o.title_abstract is not None for o in snapshot.records.values())


# -- the stopping estimate and its random sample ------------------------------------


def big_review(tmp_path: Path, db_url: str, n: int = 80) -> Review:
    """One reviewer per record, ``n`` records; records 0, 1 and 2 are the relevant ones."""
    protocol = tmp_path / "protocol.toml"
    # these tests follow the statistical rule's random sample (the default rule needs none)
    protocol.write_text(PROTOCOL.format(rpr=1, blinding="true") + 'stop_rule = "statistical"\n')
    review = Review.create(tmp_path / "big", protocol_path=protocol, db_url=db_url)
    with review.store.transaction() as conn:
        search = conn.execute(
            t.searches.insert().values(source="S", imported_at=now())
        ).inserted_primary_key[0]
        conn.execute(
            t.records.insert(),
            [
                {"search_id": search, "position": i, "title": f"Peer support study {i}"}
                for i in range(n)
            ],
        )
    return review


def test_stopping_estimate_is_recorded_for_the_report(tmp_path: Path, db_url: str) -> None:
    from scopewise.review.report import STOPPING_EVENT
    from scopewise.screening.decisions import DecisionInput

    with big_review(tmp_path, db_url) as review:
        all_ids = unique_record_ids_of(review)
        review.record_decisions(
            [DecisionInput(r, "Ann", "include" if i < 3 else "exclude", "title_abstract")
             for i, r in enumerate(all_ids[:20])]
        )
        estimate = review.stopping_estimate("Lead")
        assert estimate is not None
        assert (estimate.rule, estimate.screened, estimate.unscreened) == ("statistical", 20, 60)
        assert estimate.relevant_found == 3 and not estimate.stop
        assert estimate.estimated_recall is None  # no random sample yet: no claim
        summary = review.stopping_summary()
        assert summary is not None
        assert (summary.screened, summary.total, summary.left_unscreened) == (20, 80, 60)
        assert summary.target_recall == 0.95 and not summary.can_stop
        review.stopping_estimate("Lead")  # unchanged: not recorded twice
        assert [e.action for e in review.audit()].count(STOPPING_EVENT) == 1


def unique_record_ids_of(review: Review) -> list[int]:
    with review.store.reading() as conn:
        return unique_record_ids(conn)


def test_next_record_draws_a_random_sample_when_the_rule_asks(
    tmp_path: Path, db_url: str
) -> None:
    from scopewise.review.screening_queue import RANDOM_SAMPLE
    from scopewise.screening.decisions import DecisionInput
    from scopewise.store.screening import stopping_sample

    with big_review(tmp_path, db_url) as review:
        all_ids = unique_record_ids_of(review)
        # 3 relevant, then 55 irrelevant in a row: more than the rule's patience (50)
        # and its minimum share screened (10%), so it asks for a random sample.
        review.record_decisions(
            [DecisionInput(r, "Ann", "include" if i < 3 else "exclude", "title_abstract")
             for i, r in enumerate(all_ids[:58])]
        )
        item = review.next_record("Ann")
        assert item is not None and item.ordered_by == RANDOM_SAMPLE
        assert item.record_id in all_ids[58:]
        # Undecided, the drawn record is served again (to anyone) before a new draw.
        again = review.next_record("Ben")
        assert again is not None and again.record_id == item.record_id
        with review.store.reading() as conn:
            assert stopping_sample(conn) == [item.record_id]
        drawn = [item.record_id]
        while (item := review.next_record("Ann")) is not None:
            assert item.ordered_by == RANDOM_SAMPLE
            review.decide(item.record_id, "exclude", "Ann")
            drawn.append(item.record_id)
            if item.stopping is not None and item.stopping.stop:
                break
        with review.store.reading() as conn:
            assert stopping_sample(conn) == list(dict.fromkeys(drawn))
        estimate = review.stopping_estimate()
        assert estimate is not None
        assert f"Random sample of {len(set(drawn))} records, 0 relevant" in estimate.detail
        # The loop ended because the rule allows stopping or nothing was left: either
        # way the sample (no relevant record in it) now supports the recall claim.
        assert estimate.stop and estimate.estimated_recall == 1.0
        assert estimate.recall_lower_bound is not None and estimate.p_value is not None
        assert estimate.p_value < 0.05
