"""Pure rules: pseudonym codes, dates, stances, themes and spans."""

from __future__ import annotations

import pytest

from scopewise.consultation import check_code, check_date, check_stance, check_theme, locate_span
from scopewise.errors import UsageError

THEMES = ("Training", "Supervision and support")


@pytest.mark.parametrize("code", ["P01", "fpw-3", "M_12", "7"])
def test_pseudonym_codes(code: str) -> None:
    assert check_code(f" {code} ") == code


@pytest.mark.parametrize("code", ["Mary", "Mary Smith", "mary@example.org", "", "P" * 25, "-P1"])
def test_a_name_or_email_is_not_a_code(code: str) -> None:
    with pytest.raises(UsageError, match="pseudonym code"):
        check_code(code)


def test_dates() -> None:
    assert check_date("2023-09-01") == "2023-09-01"
    assert check_date(None) is None
    with pytest.raises(UsageError, match="not a date"):
        check_date("2023-02-30")


@pytest.mark.parametrize(("raw", "stance"), [("supported", "supported"), ("Added-To", "added to"),
                                             ("added_to", "added to"), ("questioned", "questioned")])
def test_stances(raw: str, stance: str) -> None:
    assert check_stance(raw) == stance


def test_unknown_stance_names_the_allowed_ones() -> None:
    with pytest.raises(UsageError) as caught:
        check_stance("agreed")
    assert "supported, added to, questioned" in str(caught.value)


def test_theme_in_any_case_and_spacing() -> None:
    assert check_theme("supervision  AND support", THEMES) == "Supervision and support"


def test_unknown_theme_names_the_allowed_ones() -> None:
    with pytest.raises(UsageError) as caught:
        check_theme("Funding", THEMES)
    assert "Funding" in str(caught.value) and "Training; Supervision and support" in str(caught.value)


def test_no_themes_in_the_protocol() -> None:
    with pytest.raises(UsageError, match="no themes"):
        check_theme("Training", ())


TEXT = "We met on Monday.\nThe training was\n  far too short, they said.\n"


def test_span_by_offsets() -> None:
    assert locate_span(TEXT, 1, 0, 6) == (0, 6)


def test_span_by_words_across_a_line_break() -> None:
    start, end = locate_span(TEXT, 1, quote="training was far too short")
    assert TEXT[start:end] == "training was\n  far too short"


def test_span_by_words_after_an_offset() -> None:
    text = "short. short again."
    assert locate_span(text, 1, start=3, quote="short") == (7, 12)


@pytest.mark.parametrize(("note", "typed", "found"), [
    # Word's curly quotes and dashes in the note, a keyboard's straight ones typed
    ("Peer workers\u2019 training \u2013 \u201cfar too short\u201d.",
     "workers' training - \"far too short\"",
     "workers\u2019 training \u2013 \u201cfar too short\u201d"),
    # and the other way round
    ("It's a 'peer-led' model", "It\u2019s a \u2018peer\u2010led\u2019", "It's a 'peer-led'"),
    # an accent composed in the note (é) and typed as e + combining acute, and back
    ("The caf\u00e9 group met weekly.", "cafe\u0301 group", "caf\u00e9 group"),
    ("The cafe\u0301 group met weekly.", "caf\u00e9 group", "cafe\u0301 group"),
])
def test_span_by_words_typed_with_other_quotes_dashes_or_accents(
    note: str, typed: str, found: str
) -> None:
    """Notes come from Word (curly quotes, en dashes) and reviewers type on keyboards;
    before, such words were "not in the note" and the span could only be coded by
    offsets. The span found is the note's own text."""
    start, end = locate_span(note, 1, quote=typed)
    assert note[start:end] == found


def test_other_letters_and_case_still_do_not_match() -> None:
    from scopewise.consultation.coding import SpanError

    for typed in ("Training was", "training wes", "trainin\u0301g"):
        with pytest.raises(SpanError):
            locate_span(TEXT, 1, quote=typed)


@pytest.mark.parametrize(
    ("start", "end", "needle"),
    [(5, 5, "not inside"), (0, 999, "not inside"), (None, 4, "give words of the note"),
     (17, 18, "blank")],
)
def test_bad_spans(start: int | None, end: int | None, needle: str) -> None:
    with pytest.raises(UsageError, match=needle):
        locate_span(TEXT, 1, start, end)


def test_span_errors_say_it_plainly_and_in_the_cli_options() -> None:
    from scopewise.consultation.coding import SpanError

    with pytest.raises(SpanError) as caught:
        locate_span(TEXT, 4, quote="not there")
    assert "--text" not in str(caught.value) and "note 4" in str(caught.value)
    assert "--text" in caught.value.cli and "consult DIR show" in caught.value.cli


def test_a_span_is_told_by_line_and_words() -> None:
    from scopewise.consultation.coding import span_position

    text = "We met.\nThe training was\n  far too short."
    at = span_position(text, text.index("training"), text.index("short") + 5)
    assert (at.line, at.first_word, at.last_word, at.words) == (2, 4, 8, 5)
    inside = text.index("raining")  # a span starting inside a word counts that word
    assert span_position(text, inside, inside + 3).first_word == 4


def test_words_not_in_the_note_are_not_echoed() -> None:
    with pytest.raises(UsageError) as caught:
        locate_span(TEXT, 4, quote="secret words elsewhere")
    assert "secret" not in str(caught.value) and "note 4" in str(caught.value)


def test_text_and_end_together_are_refused() -> None:
    with pytest.raises(UsageError, match="not both"):
        locate_span(TEXT, 1, 0, 4, quote="We")


def test_public_names_are_pinned() -> None:
    import scopewise.consultation

    assert set(scopewise.consultation.__all__) == {
        "MAX_NOTE_BYTES", "NOTE_SUFFIXES", "STANCES", "ActiveItem", "ConsultationReport",
        "Excerpt", "Gripp2Item", "GroupCount", "NoteInfo", "Participant", "ParticipantRow",
        "Quotation", "ThemeFinding", "ThemeStance", "check_code", "check_date",
        "check_stance", "check_summary", "check_theme", "consultation_report",
        "locate_span", "read_note",
    }
