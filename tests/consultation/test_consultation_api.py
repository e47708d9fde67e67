"""The consultation on the Review facade, on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest

from consultation_project import make_project
from scopewise.errors import DuplicateImport, ImportFormatError, NotFound, UsageError
from scopewise.review import Review
from scopewise.store import schema as t


def note(tmp: Path, name: str, text: str) -> Path:
    path = tmp / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def project(tmp_path: Path, db_url: str) -> Review:
    folder = make_project(tmp_path, db_url)
    review = Review.open(folder, db_url=db_url)
    yield review
    review.close()


def test_import_stores_code_group_and_date_only(project: Review, tmp_path: Path) -> None:
    path = note(tmp_path, "interview-with-someone.txt", "We talked about training for an hour.")
    result = project.import_note(path, "P01", "Peer worker", "2023-09-01")
    assert (result.participant, result.group, result.held_on, result.words) == (
        "P01", "peer worker", "2023-09-01", 7)
    assert result.new_participant
    again = project.import_note(note(tmp_path, "b.txt", "Second session."), "P01")
    assert not again.new_participant and again.group == "peer worker"
    assert [(p.code, p.group) for p in project.consultation_participants()] == [
        ("P01", "peer worker")]
    notes = project.consultation_notes()
    assert [(n.id, n.participant, n.held_on, n.purged) for n in notes] == [
        (result.note_id, "P01", "2023-09-01", False), (again.note_id, "P01", None, False)]
    assert project.note_text(result.note_id) == "We talked about training for an hour."
    assert project.status()["participants"] == 1
    # the file name (which may name the person) is stored nowhere
    with project.store.reading() as conn:
        dump = repr(conn.execute(t.interviews.select()).all())
        dump += repr(conn.execute(t.audit_events.select()).all())
    assert "interview-with-someone" not in dump


def test_unknown_group_is_refused_with_the_allowed_ones(project: Review, tmp_path: Path) -> None:
    with pytest.raises(UsageError) as caught:
        project.import_note(note(tmp_path, "a.txt", "text"), "P01", "astronaut")
    assert "peer worker; family peer worker; manager" in str(caught.value)
    assert project.consultation_participants() == []


def test_unknown_participant_needs_a_group(project: Review, tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="P09 is new: choose their stakeholder group"):
        project.import_note(note(tmp_path, "a.txt", "text"), "P09")
    with pytest.raises(NotFound, match="P09"):
        project.consultation_notes("P09")
    assert project.consultation_notes() == []


def test_a_participant_keeps_their_group(project: Review, tmp_path: Path) -> None:
    project.import_note(note(tmp_path, "a.txt", "one"), "P01", "manager")
    with pytest.raises(UsageError, match="is in group 'manager'"):
        project.import_note(note(tmp_path, "b.txt", "two"), "P01", "peer worker")
    assert len(project.consultation_notes()) == 1


def test_a_participant_code_in_other_case_is_the_same_participant(
    project: Review, tmp_path: Path
) -> None:
    """ "p01" later is the P01 first stored (before: a second participant, counted
    twice in the report's groups)."""
    project.import_note(note(tmp_path, "a.txt", "one"), "P01", "manager")
    project.import_note(note(tmp_path, "b.txt", "two"), "p01")
    assert [(p.code, p.group) for p in project.consultation_participants()] == [("P01", "manager")]
    assert [n.participant for n in project.consultation_notes("p01")] == ["P01", "P01"]


def test_same_notes_twice_are_refused(project: Review, tmp_path: Path) -> None:
    project.import_note(note(tmp_path, "a.txt", "same words"), "P01", "manager")
    with pytest.raises(DuplicateImport, match="note 1"):
        project.import_note(note(tmp_path, "b.txt", "same words"), "P02", "manager")
    assert [p.code for p in project.consultation_participants()] == ["P01"]  # nothing half-written


def test_bad_file_writes_nothing(project: Review, tmp_path: Path) -> None:
    with pytest.raises(ImportFormatError, match="empty"):
        project.import_note(note(tmp_path, "a.txt", "  \n"), "P01", "manager")
    assert project.consultation_participants() == [] and project.audit()[-1].action == "project.created"


def test_consultation_off_refuses_notes(tmp_path: Path, db_url: str) -> None:
    folder = make_project(tmp_path, db_url, enabled=False)
    with Review.open(folder, db_url=db_url) as review, pytest.raises(UsageError, match="enabled"):
        review.import_note(note(tmp_path, "a.txt", "x"), "P01", "manager")


def test_coding_and_counts_per_group(project: Review, tmp_path: Path) -> None:
    a = project.import_note(note(tmp_path, "a.txt", "Training was short. Supervision helped."),
                            "P01", "peer worker", "2023-09-01").note_id
    b = project.import_note(note(tmp_path, "b.txt", "Training needs money."),
                            "M01", "manager", "2023-09-03").note_id
    project.import_note(note(tmp_path, "c.txt", "Nothing on themes."), "F01", "family peer worker")
    first = project.code_excerpt(a, "training", text="Training was short")
    assert (first.start, first.end, first.theme) == (0, 18, "Training")
    project.code_excerpt(a, "Supervision and support", start=20, end=39)
    project.code_excerpt(b, "Training", start=0, end=8)
    project.code_excerpt(b, "Training", text="money")
    project.record_theme("Training", "supported", "Both groups backed it.", "Lead")
    project.record_theme("Training", "questioned", "On reflection they doubted the length.", "Lead")
    report = project.consultation_report()
    training = report.theme("Training")
    assert training is not None
    assert (training.stance, training.excerpts, training.participants) == ("questioned", 3, 2)
    assert training.excerpts_per_group == {"peer worker": 1, "manager": 2}
    assert training.participants_per_group == {"peer worker": 1, "manager": 1}
    assert training.summary == "On reflection they doubted the length."
    support = report.theme("Supervision and support")
    assert support is not None and support.stance is None and support.excerpts == 1
    assert report.theme("Recruitment of peer support workers") is None
    assert [(g.group, g.participants, g.sessions) for g in report.groups] == [
        ("peer worker", 1, 1), ("family peer worker", 1, 1), ("manager", 1, 1)]
    assert (report.sessions, report.first_session, report.last_session) == (
        3, "2023-09-01", "2023-09-03")
    assert report.quotations == ()
    assert report.active[0].value == (
        "3 participants: 1 peer worker, 1 family peer worker, 1 manager")
    assert report.missing == ("impact", "reflections")
    assert "questioned 1" in report.gripp2[2].text


def test_unknown_theme_and_bad_span_write_nothing(project: Review, tmp_path: Path) -> None:
    nid = project.import_note(note(tmp_path, "a.txt", "Training was short."), "P01",
                              "manager").note_id
    with pytest.raises(UsageError, match="Training; Supervision and support"):
        project.code_excerpt(nid, "Funding", 0, 4)
    with pytest.raises(UsageError, match="not inside"):
        project.code_excerpt(nid, "Training", 0, 400)
    with pytest.raises(NotFound, match="no consultation note 99"):
        project.code_excerpt(99, "Training", 0, 4)
    assert project.consultation_report().themes == ()


def test_only_a_lead_records_a_stance(project: Review) -> None:
    with pytest.raises(UsageError, match="not a lead"):
        project.record_theme("Training", "supported", "Fine.", "Ann")
    with pytest.raises(UsageError, match="not one of"):
        project.record_theme("Training", "agreed", "Fine.", "Lead")
    with pytest.raises(UsageError, match="theme 'Funding'"):
        project.record_theme("Funding", "supported", "Fine.", "Lead")
    with pytest.raises(UsageError, match="summary"):
        project.record_theme("Training", "supported", "   ", "Lead")
    assert project.consultation_report().themes == ()


def test_purge_keeps_counts_and_is_audited(project: Review, tmp_path: Path) -> None:
    nid = project.import_note(note(tmp_path, "a.txt", "Training was short."), "P01",
                              "manager").note_id
    other = project.import_note(note(tmp_path, "b.txt", "Uncoded words."), "P02",
                                "manager").note_id
    project.code_excerpt(nid, "Training", 0, 8)
    with pytest.raises(UsageError, match=f"note {other} \\(P02\\) has no coded excerpt"):
        project.purge_notes()
    assert project.note_text(other) == "Uncoded words."
    result = project.purge_notes(actor="Lead", force=True)
    assert (result.notes, result.excerpts) == (2, 1)
    assert all(n.purged for n in project.consultation_notes())
    with pytest.raises(UsageError, match="purged"):
        project.note_text(nid)
    with pytest.raises(UsageError, match="purged"):
        project.code_excerpt(nid, "Training", 0, 4)
    event = project.audit()[-1]
    assert (event.actor, event.action, event.detail) == (
        "Lead", "consultation.notes_purged", {"notes": 2, "excerpts": 1})
    training = project.consultation_report().theme("Training")
    assert training is not None and training.excerpts == 1
    with project.store.reading() as conn:
        assert [r.notes for r in conn.execute(t.interviews.select())] == ["", ""]
    assert project.purge_notes().notes == 0


def test_quotes_allowed_gives_quotations(tmp_path: Path, db_url: str) -> None:
    folder = make_project(tmp_path, db_url, quotes="allowed")
    with Review.open(folder, db_url=db_url) as review:
        nid = review.import_note(note(tmp_path, "a.txt", "Training was <b>short</b>."),
                                 "P01", "manager").note_id
        review.code_excerpt(nid, "Training", text="was <b>short</b>")
        # with quotes allowed the summary may repeat the note
        review.record_theme("Training", "supported", "Training was short, said P01.", "Lead")
        quotes = review.consultation_report().quotations
        assert [(q.theme, q.participant, q.group, q.text) for q in quotes] == [
            ("Training", "P01", "manager", "was <b>short</b>")]
        review.purge_notes()
        assert review.consultation_report().quotations == ()


def test_hostile_summary_is_plain_text_and_inert_in_the_csv(project: Review,
                                                            tmp_path: Path) -> None:
    hostile = '<script>alert("x")</script> & <b>bold</b>'
    project.record_theme("Training", "supported", hostile, "Lead")
    project.record_theme("Supervision and support", "questioned", '=HYPERLINK("http://x")', "Lead")
    report = project.consultation_report()
    training = report.theme("Training")
    assert training is not None and training.summary == hostile
    out = tmp_path / "c.csv"
    assert project.export_consultation(out) == 2
    import csv

    with out.open(encoding="utf-8-sig", newline="") as handle:
        rows = {r["theme"]: r for r in csv.DictReader(handle)}
    assert rows["Training"]["summary"] == hostile
    assert rows["Training"]["participant_code"] == "" and rows["Training"]["excerpts"] == "0"
    # a cell that a spreadsheet would run as a formula is kept as text
    assert rows["Supervision and support"]["summary"] == '\'=HYPERLINK("http://x")'
