"""The shared Record vocabulary."""

from __future__ import annotations

import pytest

from scopewise.records import Author, Record, normalise_doi, normalise_pmid


@pytest.mark.parametrize(
    ("text", "doi"),
    [
        ("https://doi.org/10.1000/ABC.123.", "10.1000/abc.123"),
        ("doi: 10.1186/s12888-020-02923-3", "10.1186/s12888-020-02923-3"),
        ("DOI 10.1002/(SICI)1097-4571", "10.1002/(sici)1097-4571"),
        ("https://doi.org/10.1016%2FS0140-6736%2820%2930183-5", "10.1016/s0140-6736(20)30183-5"),
        ("https://doi.org/10.1000/abc%20", "10.1000/abc"),
        ("http://sfx.example.org/x?sid=EMBASE&id=doi:10.1002%2Fcncr.20369&atitle=Cysts%3A+a",
         "10.1002/cncr.20369"),
        ("https://resolver.example.org/?id=doi:10.1002/cncr.20369&issn=0008543X",
         "10.1002/cncr.20369"),
        ("https://onlinelibrary.wiley.com/doi/10.1002/jclp.20000/abstract", "10.1002/jclp.20000"),
        ("http://onlinelibrary.wiley.com/doi/10.1111/j.1365-2648.2010.05390.x/full/html",
         "10.1111/j.1365-2648.2010.05390.x"),
        ("https://doi.org/10.1016/j.jad.2020.01.001?via%3Dihub", "10.1016/j.jad.2020.01.001"),
        ("www.example.org/doi/10.1000/abc#references", "10.1000/abc"),
        ("10.1000/fulltext/full", "10.1000/fulltext/full"),  # not a link: kept as written
        ("10.1002/(SICI)1097-0258(19980430)17:8<857::AID-SIM777>3.0.CO;2-E",
         "10.1002/(sici)1097-0258(19980430)17:8<857::aid-sim777>3.0.co;2-e"),
        ("no doi here", ""),
        (None, ""),
    ],
)
def test_normalise_doi(text: str | None, doi: str) -> None:
    assert normalise_doi(text) == doi


def test_normalise_pmid() -> None:
    assert normalise_pmid("PMID: 00123") == "123"
    assert normalise_pmid("") == ""


@pytest.mark.parametrize(
    ("text", "family", "given"),
    [
        ("Smith, John A.", "Smith", "John A."),
        ("Smith JA", "Smith", "JA"),
        ("John Smith", "Smith", "John"),
        ("van der Berg, Anna", "van der Berg", "Anna"),
        ("Plato", "Plato", ""),
        ("Adler D.G.", "Adler", "D.G."),  # Scopus and Embase: dotted initials last
        ("Eloubeidi M.A.", "Eloubeidi", "M.A."),
        ("Dupont J.-P.", "Dupont", "J.-P."),
        ("Anna Li", "Li", "Anna"),
        ("R. De La Garza", "De La Garza", "R."),  # initials first: the rest is the family
        ("J. W. Quintino-dos-Santos", "Quintino-dos-Santos", "J. W."),
    ],
)
def test_author_parse(text: str, family: str, given: str) -> None:
    author = Author.parse(text)
    assert (author.family, author.given) == (family, given)


def test_record_round_trips_through_dict() -> None:
    record = Record(
        title="T",
        authors=(Author("Smith", "J"), Author("", literal="WHO")),
        year=2020,
        keywords=("a", "b"),
        raw={"TI": ["T"]},
    )
    assert Record.from_dict(record.to_dict()) == record
    assert record.first_author == "Smith"
    assert record.authors[1].display() == "WHO"
