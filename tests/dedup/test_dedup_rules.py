"""Each trap rule on its own small fixture, and the ordinary sure cases."""

from __future__ import annotations

from typing import Any

from scopewise.dedup import Outcome, Verdict, classify, match_keys
from scopewise.records import Author, Record


def rec(title: str = "", authors: str = "", **fields: Any) -> Record:
    """A record from a title, ``"Family, Given; Family, Given"`` authors and fields."""
    people = tuple(Author.parse(a) for a in authors.split(";") if a.strip())
    return Record(title=title, authors=people, **fields)


def judge(a: Record, b: Record) -> Verdict:
    return classify(match_keys(1, a), match_keys(2, b))


TITLE = "Eculizumab for atypical haemolytic uraemic syndrome in children"
PEOPLE = "Smith, Anna; Jones, Bob; Lee, Carla"
JOURNAL = dict(journal="Pediatric Nephrology", volume="26", issue="8", pages="1325-1329")


def base(**changes: object) -> dict[str, object]:
    fields: dict[str, object] = dict(title=TITLE, authors=PEOPLE, year=2011, **JOURNAL)
    fields.update(changes)
    return fields


def test_same_article_in_two_databases_is_sure() -> None:
    a = rec(**base())  # type: ignore[arg-type]
    b = rec(
        title="ECULIZUMAB FOR ATYPICAL HEMOLYTIC-UREMIC SYNDROME IN CHILDREN.",
        authors="Smith A; Jones B; Lee C",
        year=2011,
        journal="Pediatr Nephrol",
        volume="26",
        issue="8",
        pages="1325-9",
    )
    verdict = judge(a, b)
    assert verdict.outcome is Outcome.SURE
    assert {"journal", "volume", "first_page", "year"} <= set(verdict.matched)


def test_same_doi_with_sparse_record_is_sure() -> None:
    a = rec(**base(doi="10.1000/xyz.1"))  # type: ignore[arg-type]
    b = rec(title=TITLE, year=2011, doi="https://doi.org/10.1000/XYZ.1")
    assert judge(a, b).outcome is Outcome.SURE


def test_erratum_printed_elsewhere_is_queued_not_merged() -> None:
    # an erratum in a later issue: whether it is the same record is a person's call
    a = rec(**base())  # type: ignore[arg-type]
    b = rec(**base(title="Erratum: " + TITLE, issue="11", pages="911"))  # type: ignore[arg-type]
    verdict = judge(a, b)
    assert verdict.outcome is Outcome.POSSIBLE
    assert "erratum" in verdict.rule and verdict.detail["notice_record"] == 2


def test_comment_and_reply_vs_original_are_not_merged() -> None:
    a = rec(**base())  # type: ignore[arg-type]
    for title in (f"Comment on: {TITLE}", f"{TITLE} - Reply"):
        b = rec(**base(title=title, issue="12", pages="2001"))  # type: ignore[arg-type]
        assert judge(a, b).outcome is Outcome.DISTINCT, title
    cited = rec(**base(title=f"{TITLE} (vol 26, pg 1325, 2011)", issue="12", pages="2001"))  # type: ignore[arg-type]
    verdict = judge(a, cited)
    assert verdict.outcome is Outcome.POSSIBLE and "vol 26, pg 1325" in verdict.rule


def test_one_erratum_indexed_twice_is_sure() -> None:
    # one database keeps the "Erratum:" prefix, the other drops it; same page
    a = rec(**base(title="Erratum: " + TITLE, issue="11", pages="911-911"))  # type: ignore[arg-type]
    b = rec(**base(issue="11", pages="911"))  # type: ignore[arg-type]
    assert judge(a, b).outcome is Outcome.SURE


def test_conference_abstract_vs_full_paper_is_not_merged() -> None:
    full = rec(**base())  # type: ignore[arg-type]
    abstract = rec(
        title=TITLE,
        authors=PEOPLE,
        year=2011,
        journal="Americas Conference on Nephrology",
        publication_type="inproceedings",
    )
    assert judge(full, abstract).outcome is not Outcome.SURE
    in_supplement = rec(**base(issue="9", pages="1875"))  # type: ignore[arg-type]
    assert judge(full, in_supplement).outcome is not Outcome.SURE


def test_preprint_vs_published_is_distinct() -> None:
    published = rec(**base(doi="10.1007/s00467-011-1234-5"))  # type: ignore[arg-type]
    preprint = rec(title=TITLE, authors=PEOPLE, year=2011, doi="10.1101/2011.01.02.123456")
    verdict = judge(published, preprint)
    assert verdict.outcome is Outcome.DISTINCT
    assert "preprint" in verdict.rule


def test_part_one_vs_part_two_is_distinct() -> None:
    one = rec(**base(title="Trauma systems in Europe, part 1: organisation"))  # type: ignore[arg-type]
    two = rec(**base(title="Trauma systems in Europe, part 2: organisation", pages="1330-1335"))  # type: ignore[arg-type]
    verdict = judge(one, two)
    assert verdict.outcome is Outcome.DISTINCT
    assert "part" in verdict.rule.lower()


def test_same_title_in_different_years_is_distinct() -> None:
    review = dict(title="Interventions for preventing falls in older people", authors=PEOPLE)
    old = rec(**review, year=2009, journal="Cochrane Database Syst Rev")
    update = rec(**review, year=2012, journal="Cochrane Database Syst Rev")
    assert judge(old, update).outcome is Outcome.DISTINCT


def test_annual_introductions_with_different_dois_are_distinct() -> None:
    a = rec(title="Introduction to the minitrack on gig work", authors=PEOPLE, year=2021,
            doi="10.24251/HICSS.2021.510")  # fmt: skip
    b = rec(title="Introduction to the minitrack on gig work", authors=PEOPLE, year=2022,
            doi="10.24251/HICSS.2022.544")  # fmt: skip
    assert judge(a, b).outcome is Outcome.DISTINCT


def test_same_doi_but_different_work_is_distinct() -> None:
    a = rec(title="Understanding privacy assimilation in IT organisations", authors="Attili, V",
            year=2018, doi="10.17705/1CAIS.04204")  # fmt: skip
    b = rec(title="MISunderstood: a longitudinal analysis of major misperceptions",
            authors="Annabi, H", year=2019, doi="10.17705/1CAIS.04204")  # fmt: skip
    assert judge(a, b).outcome is Outcome.DISTINCT


def test_missing_title_is_never_merged_on_other_fields_alone() -> None:
    a = rec(**base())  # type: ignore[arg-type]
    b = rec(**base(title=""))  # type: ignore[arg-type]
    assert judge(a, b).outcome is not Outcome.SURE
    unknown = rec(title="UNKNOWN", authors="Hall, Dianne", year=2020, journal="AMCIS")
    other = rec(title="Negotiation in database schema integration", authors="Hall, Gillian",
                year=1995, journal="AMCIS")  # fmt: skip
    assert judge(unknown, other).outcome is Outcome.DISTINCT


def test_generic_titles_need_more_than_a_title() -> None:
    a = rec(title="Editor's comments", authors="Weber, Ron", year=2003, journal="MIS Quarterly",
            volume="27", issue="2", pages="iii-xi")  # fmt: skip
    b = rec(title="Editor's comments", authors="Weber, Ron", year=2003, journal="MIS Quarterly",
            volume="27", issue="3", pages="iii-xii")  # fmt: skip
    assert judge(a, b).outcome is not Outcome.SURE


def test_same_journal_different_journal_name_word_is_not_sure() -> None:
    a = rec(title="Learning-based scheduling for digital work platforms", authors="Smith, John",
            year=2020, journal="Journal of Digital Studies")  # fmt: skip
    b = rec(title="Learning-based scheduling for digital work platforms", authors="Smith, John",
            year=2020, journal="Workshop of Digital Studies")  # fmt: skip
    assert judge(a, b).outcome is not Outcome.SURE


def test_updated_cochrane_review_versions_share_the_review_number() -> None:
    a = rec(title="Air versus oxygen for resuscitation of infants at birth", authors="Tan, A",
            year=2004, doi="10.1002/14651858.CD002273.pub2")  # fmt: skip
    b = rec(title="AIR VERSUS OXYGEN FOR RESUSCITATION OF INFANTS AT BIRTH", authors="Tan, A",
            year=2005, doi="10.1002/14651858.CD002273.pub3")  # fmt: skip
    verdict = judge(a, b)
    assert verdict.outcome is Outcome.SURE
    assert "cochrane_review" in verdict.matched


def test_reason_is_plain_json() -> None:
    import json

    reason = judge(rec(**base()), rec(**base())).reason()  # type: ignore[arg-type]
    assert json.loads(json.dumps(reason))["outcome"] == "sure"
    assert reason["rule"] and 0 < reason["score"] <= 1


ABSTRACT = ("Data from two population-based studies in four counties were used to calculate "
            "the crude incidence of mammary tumours, and the age- and breed-specific incidence "
            "of mammary tumours in female dogs of three different breeds.")
MOE = dict(title="Population-based incidence of mammary tumours in some dog breeds",
           authors="Moe, L", year=2001, pages="439-443", abstract=ABSTRACT)


def test_a_ris_conference_record_and_its_supplement_are_one_record() -> None:
    # one Zotero item: RIS "TY  - CONF" with its series as T2, and the same paper as a
    # journal supplement; before, RIS's "conference proceedings" type was not read as a
    # conference, so "conference vs journal" queued the pair
    supplement = rec(**MOE, journal="Journal of reproduction and fertility. Supplement",
                     volume="57", publication_type="journal article")
    proceedings = rec(**MOE, journal="Advances in reproduction in dogs, cats and exotic "
                      "carnivores", publication_type="conference proceedings")
    assert judge(supplement, proceedings).outcome is Outcome.SURE
    assert match_keys(1, rec(**MOE, publication_type="Article; Meeting paper")).conference
    assert not match_keys(1, rec(**MOE, publication_type="journal article")).conference


def test_a_page_list_in_another_order_is_the_same_pages() -> None:
    # Mendeley wrote "351,366-368" where Zotero wrote "366-368, 351" and Web of Science
    # "366-+"; before, the first page read 351 against 366 and the pair was queued
    common = dict(title="Massive Dracunculus insignis infection in a dog", year=1999,
                  authors="Beyer, T A; Pinckney, R D; Cooley, A J",
                  journal="Journal of the American Veterinary Medical Association",
                  volume="214", issue="3")
    mendeley = rec(**common, pages="351,366-368")  # type: ignore[arg-type]
    for pages in ("366-368, 351", "366-+"):
        verdict = judge(mendeley, rec(**common, pages=pages))  # type: ignore[arg-type]
        assert verdict.outcome is Outcome.SURE, pages
        assert "first_page" in verdict.matched
    # a page of the list is not any page: another article of the issue stays apart
    other = judge(mendeley, rec(**common, pages="367-370"))  # type: ignore[arg-type]
    assert other.outcome is not Outcome.SURE and "first_page" in other.differs
