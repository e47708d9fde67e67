"""The summary guard: no copied run of words, no name found only in a note."""

from __future__ import annotations

import pytest

from scopewise.consultation import check_summary
from scopewise.consultation.guard import COPIED_WORDS, name_candidates
from scopewise.errors import UsageError

NOTE = (
    "Interviewer: how was it?\n"
    "Okay. Dorothea told me the induction week left every new peer worker unsure "
    "about boundaries with the team. Training came later."
)
PROTOCOL = 'title = "Peer support work"\nchoices = ["Training", "Supervision"]\nname = "Lead"'


def test_own_words_pass() -> None:
    summary = "Interviewees found early  boundaries unclear; Training should come sooner."
    assert check_summary(summary, [NOTE], PROTOCOL) == (
        "Interviewees found early boundaries unclear; Training should come sooner."
    )


def test_copied_run_of_words_is_refused_in_one_line() -> None:
    copied = "Staff said the induction week left every new peer worker unsure about it."
    with pytest.raises(UsageError) as caught:
        check_summary(copied, [NOTE], PROTOCOL)
    message = str(caught.value)
    assert "own words" in message and "\n" not in message
    assert "induction" not in message  # the refusal does not repeat the note


def test_one_word_short_of_the_limit_passes() -> None:
    words = ["the", "induction", "week", "left", "every", "new", "peer", "worker"][: COPIED_WORDS - 1]
    check_summary("In short, " + " ".join(words) + ".", [NOTE], PROTOCOL)


def test_copy_across_punctuation_and_case_is_refused() -> None:
    with pytest.raises(UsageError):
        check_summary("THE INDUCTION WEEK, left every new peer-worker unsure about", [NOTE], PROTOCOL)


def test_a_name_from_a_note_is_refused() -> None:
    with pytest.raises(UsageError) as caught:
        check_summary("As Dorothea explained, boundaries matter.", [NOTE], PROTOCOL)
    assert "may name a person" in str(caught.value)


def test_capitalised_words_in_the_protocol_or_common_are_not_names() -> None:
    candidates = name_candidates([NOTE], PROTOCOL)
    assert "dorothea" in candidates
    assert "training" not in candidates  # in the protocol
    assert "okay" not in candidates and "interviewer" not in candidates


def test_a_word_also_written_in_lower_case_is_not_a_name() -> None:
    assert "induction" not in name_candidates(["Induction matters. the induction"], "")


@pytest.mark.parametrize("notes", [[], ["short note"]])
def test_nothing_to_compare_with(notes: list[str]) -> None:
    text = "A summary long enough to hold eight words and more of them."
    assert check_summary(text, notes, "") == text
