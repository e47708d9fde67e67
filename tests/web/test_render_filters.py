"""Template filters: counts print as the report prints them."""

from __future__ import annotations

from scopewise.web.render import make_environment


def test_counts_get_thousands_separators_and_other_values_pass_through() -> None:
    count = make_environment().filters["count"]
    assert count(6189) == "6,189" and count(100000) == "100,000" and count(12) == "12"
    assert count(True) is True and count(None) is None and count("n/a") == "n/a"
    page = make_environment().from_string("<td>{{ n | count }}</td>").render(n=5793)
    assert page == "<td>5,793</td>"


def test_counts_with_their_word_in_number() -> None:
    plural = make_environment().filters["plural"]
    assert plural(1, "field") == "1 field" and plural(2, "field") == "2 fields"
    assert plural(0, "excerpt") == "0 excerpts" and plural(1254, "record") == "1,254 records"
    assert plural(3, "analysis", "analyses") == "3 analyses"
