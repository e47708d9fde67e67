"""The merged view: best value per field and the provenance of every member."""

from __future__ import annotations

from typing import Any

import pytest

from scopewise.dedup import merge_records
from scopewise.errors import UsageError
from scopewise.records import Author, Record


def rec(title: str = "", authors: str = "", **fields: Any) -> Record:
    """A record from a title, ``"Family, Given; Family, Given"`` authors and fields."""
    people = tuple(Author.parse(a) for a in authors.split(";") if a.strip())
    return Record(title=title, authors=people, **fields)


def test_best_value_per_field_with_provenance() -> None:
    sparse = rec("DEPRESSION IN NURSES", "Kim J", year=2019, source_record_id="pubmed:1",
                 keywords=("nurses",))  # fmt: skip
    full = rec("Depression in nurses", "Kim, Jae-Won; Park, Soo", year=2019,
               journal="J Adv Nurs", volume="75", pages="100-110", doi="10.1111/jan.1",
               abstract="Background ...", keywords=("depression",))  # fmt: skip
    third = rec("Depression in nurses.", "Kim, J.", year=2019, pages="100",
                doi="https://doi.org/10.1111/JAN.1")  # fmt: skip
    merged = merge_records([(1, sparse), (2, full), (3, third)], primary_id=1)
    record = merged.record
    assert record.title == "Depression in nurses"
    assert len(record.authors) == 2 and record.authors[0].given == "Jae-Won"
    assert (record.doi, record.pages, record.journal) == ("10.1111/jan.1", "100-110", "J Adv Nurs")
    assert record.source_record_id == "pubmed:1"  # the primary's identity is kept
    assert set(record.keywords) == {"nurses", "depression"}
    assert merged.provenance["authors"] == 2 and merged.provenance["abstract"] == 2
    assert merged.members == (1, 2, 3)


def test_primary_must_be_a_member() -> None:
    with pytest.raises(UsageError):
        merge_records([(1, rec("A"))], primary_id=9)


def test_notices_are_listed_and_the_article_supplies_the_fields() -> None:
    article = rec("Gene therapy for anaemia in children", "Kim, Jae-Won; Park, Soo",
                  year=2019, journal="Blood", volume="133", issue="4", pages="300-309")  # fmt: skip
    erratum = rec("Erratum: Gene therapy for anaemia in children (a longer title)", "Kim, J",
                  year=2019, journal="Blood", volume="133", issue="9", pages="1001")  # fmt: skip
    retraction = rec("Retraction: Gene therapy for anaemia in children", year=2020)
    merged = merge_records([(1, erratum), (2, article), (3, retraction)], primary_id=2)
    assert merged.notices == ((1, "erratum"), (3, "retraction"))
    assert merged.retracted
    assert merged.record.title == article.title and merged.record.pages == "300-309"
    assert merged.record.year == 2019 and merged.members == (1, 2, 3)
    assert set(merged.provenance.values()) == {2}


def test_group_of_notices_only_is_still_merged_from_its_members() -> None:
    a = rec("Erratum: Gene therapy for anaemia in children", year=2019, pages="1001")
    b = rec("Erratum: Gene therapy for anaemia in children.", year=2019, pages="1001-1001")
    merged = merge_records([(1, a), (2, b)])
    assert merged.notices == ((1, "erratum"), (2, "erratum")) and not merged.retracted
    assert merged.record.pages == "1001-1001"
