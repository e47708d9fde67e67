"""Decisions: what the protocol allows at each stage, which decision counts, CSV input."""

from __future__ import annotations

import pytest

from scopewise.errors import ScreeningError
from scopewise.protocol import parse_protocol
from scopewise.screening import (
    Decision,
    latest_decisions,
    parse_decisions_csv,
    valid_reasons,
    validate_decision,
)

PROTOCOL = parse_protocol(
    """
questions = ["What is known?"]
[review]
title = "T"
[pcc]
population = "P"
concept = "C"
context = "X"
[[criteria.inclusion]]
code = "POP"
text = "Population."
[[criteria.exclusion]]
code = "NOTPEER"
text = "Not about peers."
[[criteria.exclusion]]
code = "NOFT"
text = "No full text."
stages = ["full_text"]
""",
    "test protocol",
)


def test_title_abstract_allows_include_exclude_maybe() -> None:
    for decision in ("include", "exclude", "maybe"):
        assert validate_decision(PROTOCOL, "title_abstract", decision) == ()


def test_maybe_is_not_a_full_text_decision() -> None:
    with pytest.raises(ScreeningError, match="not a decision at full text; use include or exclude"):
        validate_decision(PROTOCOL, "full_text", "maybe")


def test_full_text_exclusion_needs_a_reason() -> None:
    with pytest.raises(ScreeningError, match="needs one or more reasons"):
        validate_decision(PROTOCOL, "full_text", "exclude")
    assert validate_decision(PROTOCOL, "full_text", "exclude", ["NOFT", " POP ", "NOFT"]) == (
        "NOFT",
        "POP",
    )


def test_unknown_reason_names_the_valid_codes() -> None:
    with pytest.raises(ScreeningError) as info:
        validate_decision(PROTOCOL, "full_text", "exclude", ["E9"])
    message = str(info.value)
    assert "'E9'" in message and "POP, NOTPEER, NOFT" in message
    assert "\n" not in message


def test_a_reason_code_in_other_case_is_the_protocols_code() -> None:
    """ "notpeer" typed or exported by another tool is NOTPEER (before: unknown code);
    the stored code is the protocol's spelling, once."""
    assert validate_decision(PROTOCOL, "full_text", "exclude", ["noft", "NOFT", "Pop"]) == (
        "NOFT", "POP")
    with pytest.raises(ScreeningError, match="unknown reason code 'notpeers'"):
        validate_decision(PROTOCOL, "full_text", "exclude", ["notpeers"])


def test_reason_codes_follow_the_criteria_stages() -> None:
    # NOFT applies at full text only, so it is no reason at title/abstract.
    assert valid_reasons(PROTOCOL, "title_abstract") == ("POP", "NOTPEER")
    with pytest.raises(ScreeningError, match="valid codes: POP, NOTPEER"):
        validate_decision(PROTOCOL, "title_abstract", "exclude", ["NOFT"])


def test_stage_outside_the_protocol_is_refused() -> None:
    only_ta = PROTOCOL.model_copy(
        update={"screening": PROTOCOL.screening.model_copy(update={"stages": ("title_abstract",)})}
    )
    with pytest.raises(ScreeningError, match="screens at: title_abstract"):
        validate_decision(only_ta, "full_text", "include")


def _d(i: int, record: int, reviewer: str, decision: str, kind: str = "screen") -> Decision:
    return Decision(i, record, "title_abstract", reviewer, decision, kind=kind)


def test_latest_decision_per_reviewer_counts_by_id_not_by_position() -> None:
    rows = [_d(5, 1, "Ann", "exclude"), _d(2, 1, "Ann", "include"), _d(3, 1, "Ben", "maybe")]
    latest = latest_decisions(rows)
    assert latest[(1, "title_abstract", "Ann")].decision == "exclude"
    assert latest[(1, "title_abstract", "Ben")].decision == "maybe"


def test_latest_decisions_ignore_other_kinds() -> None:
    rows = [_d(1, 1, "Ann", "include"), _d(2, 1, "Ann", "exclude", kind="pilot")]
    assert latest_decisions(rows)[(1, "title_abstract", "Ann")].decision == "include"
    pilot = latest_decisions(rows, kinds=("pilot",))
    assert pilot[(1, "title_abstract", "Ann")].decision == "exclude"


def test_csv_reads_rows_with_line_numbers_and_split_reasons() -> None:
    text = (
        "\ufeffRecord_ID,reviewer,decision,stage,reasons,note\n"
        "1,Ann,Include,,,\n"
        "\n"
        '2,Ben,exclude,full_text,NOFT; POP,"a, note"\n'
    )
    rows = parse_decisions_csv(text, "d.csv", "title_abstract")
    assert [(r.record_id, r.reviewer, r.decision, r.stage) for r in rows] == [
        (1, "Ann", "include", "title_abstract"),
        (2, "Ben", "exclude", "full_text"),
    ]
    assert rows[1].reasons == ("NOFT", "POP")
    assert rows[1].note == "a, note"
    assert rows[1].line == 4


def test_csv_missing_column_is_named() -> None:
    with pytest.raises(ScreeningError, match=r"d.csv:1: missing column reviewer;"):
        parse_decisions_csv("record_id,decision\n1,include\n", "d.csv", "title_abstract")


def test_csv_bad_record_id_names_the_line() -> None:
    with pytest.raises(ScreeningError, match=r"d.csv:3: record_id 'x7'"):
        parse_decisions_csv(
            "record_id,reviewer,decision\n1,Ann,include\nx7,Ann,include\n",
            "d.csv",
            "title_abstract",
        )


@pytest.mark.parametrize("raw", ["\u00b2", "99999999999999999999", "2147483648", "-3", "1_0"])
def test_csv_record_id_that_is_no_record_number(raw: str) -> None:
    # "²" passes str.isdigit but not int; a number past the database's integer would
    # fail the query: both are the file's error, on its line
    with pytest.raises(ScreeningError, match=rf"d.csv:2: record_id '{raw}' is not a record"):
        parse_decisions_csv(f"record_id,reviewer,decision\n{raw},Ann,include\n", "d.csv",
                            "title_abstract")


def test_csv_without_rows_is_refused() -> None:
    with pytest.raises(ScreeningError, match="no decisions"):
        parse_decisions_csv("record_id,reviewer,decision\n", "d.csv", "title_abstract")


def test_reasons_go_with_exclude_and_maybe_only() -> None:
    # a reason says why a record is left out: an inclusion criterion not met (POP) or an
    # exclusion criterion that applies (NOTPEER)
    assert validate_decision(PROTOCOL, "title_abstract", "exclude", ["POP"]) == ("POP",)
    assert validate_decision(PROTOCOL, "title_abstract", "maybe", ["NOTPEER"]) == ("NOTPEER",)
    for stage in ("title_abstract", "full_text"):
        with pytest.raises(ScreeningError) as info:
            validate_decision(PROTOCOL, stage, "include", ["NOTPEER"])
        message = str(info.value)
        assert message.startswith("include takes no reasons (you gave NOTPEER)")
        assert "exclude or maybe" in message and "\n" not in message
    # decisions read back from a file keep the reasons they were stored with
    assert validate_decision(PROTOCOL, "full_text", "include", ["POP"], history=True) == ("POP",)
