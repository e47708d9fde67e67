"""References: the lookups kept while formatting change no reference's text."""

from __future__ import annotations

from typing import Any

import pytest

from scopewise.report.data import IncludedRecord
from scopewise.report.references import (
    _item,
    _static_lookups,
    _style_path,
    format_chunk,
    format_references,
)

RECORDS = (
    IncludedRecord(1, "Peer support in forensic settings: a review?", ("Smith, Jane A.", "O'Neil, B."),
                   2019, "Journal of Mental Health", "10.1000/xyz.1", "MEDLINE", "28", "3",
                   "201-219"),
    IncludedRecord(2, "Lived experience roles", ("Mind",), 2021, "", "", "Website",
                   url="https://example.org/report"),
    IncludedRecord(3, "No authors, no year", (), None, "Psychiatric Services", "", "CINAHL"),
    IncludedRecord(4, "Twenty-two authors", tuple(f"Author{i}, A.-B." for i in range(22)),
                   2003, "BMJ", "10.1136/bmj.4", "MEDLINE", "327", "", "e12"),
    IncludedRecord(5, "Van der Berg and the particle", ("van der Berg, Anna", "García Márquez, G."),
                   1999, "Revista de Salud", "", "LILACS", "", "2", "5-9"),
    IncludedRecord(6, "Same author, same year", ("Smith, Jane A.",), 2019,
                   "Journal of Mental Health", "", "MEDLINE"),
)


def _plain_citeproc(style: str, items: list[dict[str, Any]]) -> list[str]:
    """citeproc-py exactly as it ships: one bibliography per item, no kept lookups."""
    import warnings

    from citeproc import (
        Citation,
        CitationItem,
        CitationStylesBibliography,
        CitationStylesStyle,
        formatter,
    )
    from citeproc.source.json import CiteProcJSON

    out = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        csl = CitationStylesStyle(_style_path(style), validate=False)
        for item in items:
            bib = CitationStylesBibliography(csl, CiteProcJSON([item]), formatter.plain)
            bib.register(Citation([CitationItem(item["id"])]))
            out.append(str(bib.bibliography()[0]))
    return out


@pytest.mark.parametrize("style", ["apa", "vancouver", "harvard-cite-them-right"])
def test_kept_lookups_give_citeprocs_own_text(style: str) -> None:
    items = [_item(r) for r in RECORDS]
    expected = _plain_citeproc(style, items)
    assert format_chunk(_style_path(style), items) == expected
    assert all(text.strip() for text in expected)
    if style == "apa":  # the data reached the text: names, year, DOI, particles
        assert expected[0].startswith("Smith, J. A., & O’Neil, B. (2019)") or \
            expected[0].startswith("Smith, J. A., & O'Neil, B. (2019)")
        assert "https://doi.org/10.1000/xyz.1" in expected[0]
        assert "(n.d.)" in expected[2]
        assert "…" in expected[3] or "..." in expected[3]  # APA's 20-author ellipsis


def test_lookups_are_put_back_after_formatting() -> None:
    from citeproc import model
    from citeproc.source import CitationItem

    before = (model.CitationStylesElement.__dict__["xpath_search"],
              model.Parent.__dict__["calls_variable"], CitationItem.__dict__["reference"])
    with _static_lookups():
        assert model.CitationStylesElement.__dict__["xpath_search"] is not before[0]
    after = (model.CitationStylesElement.__dict__["xpath_search"],
             model.Parent.__dict__["calls_variable"], CitationItem.__dict__["reference"])
    assert after == before


def test_each_reference_stands_alone() -> None:
    """Two works by one author in one year get no "2019a/2019b" suffix: each text is
    formatted alone, so it can be cached and listed in any order."""
    refs = format_references(RECORDS, "apa")
    texts = dict(refs.entries)
    assert "(2019)." in texts[1] and "(2019)." in texts[6]
    assert refs.cites[1] == "(Smith & O'Neil, 2019)"
    assert [rid for rid, _ in refs.entries] == sorted(
        texts, key=lambda rid: (texts[rid].casefold(), rid))


def test_shared_between_processes_in_order(monkeypatch: pytest.MonkeyPatch) -> None:
    """A long list is split between this process and spawned workers; the texts come
    back in the items' order."""
    from scopewise.report import references

    monkeypatch.setattr(references, "PARALLEL_FROM", 2)
    monkeypatch.setattr("os.cpu_count", lambda: 3)
    items = [_item(r) for r in RECORDS]
    path = _style_path("apa")
    assert references._format_items(path, items) == format_chunk(path, items)


def test_threads_take_turns_and_leave_citeproc_as_it_was() -> None:
    from concurrent.futures import ThreadPoolExecutor

    from citeproc import model

    original = model.CitationStylesElement.__dict__["xpath_search"]
    items = [_item(r) for r in RECORDS]
    path = _style_path("apa")
    with ThreadPoolExecutor(3) as pool:
        results = list(pool.map(lambda _: format_chunk(path, items), range(3)))
    assert results[0] == results[1] == results[2] == _plain_citeproc("apa", items)
    assert model.CitationStylesElement.__dict__["xpath_search"] is original


def test_two_slips_of_citeproc_are_mended() -> None:
    from scopewise.report.data import IncludedRecord
    from scopewise.report.references import format_references

    records = [
        IncludedRecord(1, "Does peer support work?", ("Smith, J",), 2020, "Journal of Peer Work",
                       "", "s", "3", "2", "1-9"),
        IncludedRecord(2, "Guidance on peer roles: a toolkit", (), 2021, "Mental Health Review",
                       "", "s", "4", "1", "10-20"),
        IncludedRecord(3, "Is it?", (), 2017, "", "", "s"),
    ]
    apa = dict(format_references(records, "apa").entries)
    # no "?." after a question, in either style
    assert apa[1] == "Smith, J. (2020). Does peer support work? Journal of Peer Work, 3(2), 1–9."
    # a source without authors: its title leads, once
    assert apa[2] == "Guidance on peer roles: a toolkit. (2021). Mental Health Review, 4(1), 10–20."
    assert apa[3] == "Is it? (2017)."
    vancouver = dict(format_references(records, "vancouver").entries)
    assert vancouver[1].startswith("Smith J. Does peer support work? Journal of Peer Work.")
    assert vancouver[3] == "Is it? 2017."
