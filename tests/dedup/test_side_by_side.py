"""A queued pair as a person reads it: both records field by field, the reason in words."""

from __future__ import annotations

from scopewise.dedup.side_by_side import reason_words, side_by_side
from scopewise.records import Author, Record


def test_fields_either_record_has_in_reading_order_with_differences_marked() -> None:
    a = Record(title="Peer support", authors=tuple(Author(family=f"A{i}") for i in range(8)),
               year=2020, journal="J Ment Health", abstract="x" * 500)
    b = Record(title="Peer support.", authors=(Author(family="A0"),), year=2020,
               journal="J Ment Health", doi="10.1/x")
    rows = side_by_side(a, b)
    assert [r.name for r in rows] == ["title", "authors", "year", "journal", "doi", "abstract"]
    by_name = {r.name: r for r in rows}
    assert by_name["title"].differs and not by_name["year"].differs
    assert by_name["authors"].left.endswith("; ... (8 authors)")
    assert len(by_name["abstract"].left) == 300 and by_name["abstract"].right == ""
    whole = {r.name: r for r in side_by_side(a, b, None)}  # the web page shows all of it
    assert whole["abstract"].left == "x" * 500


def test_a_stored_reason_reads_as_one_sentence() -> None:
    reason = {"rule": "same DOI", "outcome": "sure", "score": 1.0, "matched": ["doi", "year"],
              "differs": ["first_page", "publication_type"], "author_overlap": 0.5}
    assert reason_words(reason) == ("Same DOI; the same: DOI, year; different: first page, "
                                    "type; author overlap 0.50.")
    assert reason_words({}) == "" and reason_words({"rule": "x"}) == "X."
