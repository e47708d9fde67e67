"""Link rules: notices and their articles, letters and replies, one article in two
issues, one abstract in two supplements, fields read one off, republished articles.

Each rule is tried on a fixture where it must merge and on the nearest look-alike
where it must not.
"""

from __future__ import annotations

from typing import Any

from scopewise.dedup import Outcome, Verdict, classify, find_duplicates, match_keys
from scopewise.records import Author, Record


def rec(title: str = "", authors: str = "", **fields: Any) -> Record:
    """A record from a title, ``"Family, Given; Family, Given"`` authors and fields."""
    people = tuple(Author.parse(a) for a in authors.split(";") if a.strip())
    return Record(title=title, authors=people, **fields)


def judge(a: Record, b: Record) -> Verdict:
    return classify(match_keys(1, a), match_keys(2, b))


TITLE = "Complement factor H variants in children with kidney failure after transplantation"
PEOPLE = "Moreau, Anna; Dubois, Paul; Laurent, Claire; Petit, Marc"
ARTICLE = dict(title=TITLE, authors=PEOPLE, year=2012, journal="Kidney International",
               volume="81", issue="4", pages="401-409")  # fmt: skip


def article(**changes: Any) -> Record:
    fields: dict[str, Any] = dict(ARTICLE)
    fields.update(changes)
    return rec(**fields)


# ----------------------------------------------------------------- errata and retractions


def test_erratum_printed_right_after_its_article_is_merged_and_named() -> None:
    notice = article(title="Erratum to - " + TITLE, pages="410", doi="10.1000/ki.2012.99")
    verdict = judge(article(doi="10.1000/ki.2012.7"), notice)
    assert verdict.outcome is Outcome.SURE  # despite its own DOI
    assert "erratum" in verdict.rule and "same issue, next page" in verdict.rule
    assert verdict.detail["notice"] == "erratum" and verdict.detail["notice_record"] == 2


def test_retraction_stays_visible_in_the_reason() -> None:
    notice = article(title="Retraction: " + TITLE, pages="410-410")
    verdict = judge(article(), notice)
    assert verdict.outcome is Outcome.SURE
    assert "RETRACTION" in verdict.rule and verdict.detail["notice"] == "retraction"


def test_erratum_citing_its_article_from_another_issue_is_queued() -> None:
    for title in (f"{TITLE} (vol 81, pg 401, 2012)",
                  f"{TITLE} (Kidney International (2012) 81 (401-409))"):  # fmt: skip
        notice = rec(title=title, authors="Moreau, Anna", year=2012,
                     journal="Kidney Int", volume="81", issue="9", pages="933")  # fmt: skip
        verdict = judge(article(), notice)
        assert verdict.outcome is Outcome.POSSIBLE, title
        assert "vol 81, pg 401" in verdict.rule


def test_erratum_in_another_journal_or_volume_is_not_linked() -> None:
    other_journal = article(title="Erratum: " + TITLE, journal="Transplantation",
                            issue="5", pages="700")  # fmt: skip
    assert judge(article(), other_journal).outcome is Outcome.DISTINCT
    other_volume = article(title="Erratum: " + TITLE, volume="85", year=2014, pages="12")
    assert judge(article(), other_volume).outcome is Outcome.DISTINCT


def test_notice_by_other_people_is_not_attached() -> None:
    notice = article(title="Erratum to - " + TITLE, pages="410", authors="Weber, Jonas; Roth, Eva")
    assert judge(article(), notice).outcome is not Outcome.SURE


def test_comment_on_an_article_is_never_attached() -> None:
    comment = article(title="Comment on: " + TITLE, authors="Weber, Jonas", pages="410-411")
    assert judge(article(), comment).outcome is not Outcome.SURE


# ----------------------------------------------------------------- letters and replies

LETTER = "Atypical haemolytic uraemic syndrome after streptococcal infection in an infant"


def test_reply_right_after_a_short_letter_is_merged() -> None:
    letter = rec(title=LETTER, authors="Kaya, Ali; Demir, Ayse", year=2004,
                 journal="Pediatric Nephrology", volume="19", issue="8", pages="943-944")  # fmt: skip
    reply = rec(title=LETTER + " - Reply", authors="Shaw, Amy; Baker, Ravi", year=2004,
                journal="Pediatr Nephrol", volume="19", issue="8", pages="945")  # fmt: skip
    verdict = judge(letter, reply)
    assert verdict.outcome is Outcome.SURE
    assert "reply" in verdict.rule and verdict.detail["notice_record"] == 2
    # "(multiple letters) [1]": the letter and its reply indexed as one record
    both = rec(title=LETTER + " (multiple letters) [1]", authors="Kaya, Ali; Shaw, Amy",
               year=2004, journal="Pediatric Nephrology.", volume="19", issue="8",
               pages="943-945")  # fmt: skip
    assert judge(both, reply).outcome is Outcome.SURE
    assert judge(both, letter).outcome is Outcome.SURE


def test_reply_in_another_issue_or_to_a_full_article_stays_apart() -> None:
    letter = rec(title=LETTER, authors="Kaya, Ali", year=2004, journal="Pediatric Nephrology",
                 volume="19", issue="8", pages="943-944")  # fmt: skip
    later = rec(title=LETTER + " - Reply", authors="Shaw, Amy", year=2004,
                journal="Pediatric Nephrology", volume="19", issue="10", pages="1201")  # fmt: skip
    assert judge(letter, later).outcome is Outcome.DISTINCT
    # a response printed after a 12-page article is a separate article (a debate)
    full = article(pages="401-412")
    response = article(title=TITLE + " - A Reply", authors="Weber, Jonas", pages="413-416")
    assert judge(full, response).outcome is Outcome.DISTINCT


# ----------------------------------------------------------------- one article, two issues


def test_abstract_in_an_earlier_issue_of_the_same_volume_is_merged() -> None:
    abstract = article(issue="2", pages="188")
    verdict = judge(abstract, article())
    assert verdict.outcome is Outcome.SURE and "earlier issue" in verdict.rule


def test_same_titled_one_page_record_after_the_article_is_not_merged() -> None:
    # an erratum printed under the article's own title: the labelled sets disagree,
    # so it is never merged automatically
    later = article(issue="9", pages="1107")
    assert judge(article(), later).outcome is not Outcome.SURE


def test_one_page_record_needs_the_same_first_author_and_volume() -> None:
    other_people = article(issue="2", pages="188", authors="Weber, Jonas; Roth, Eva")
    assert judge(other_people, article()).outcome is not Outcome.SURE
    other_volume = article(volume="80", issue="12", pages="1288", year=2011)
    assert judge(other_volume, article()).outcome is not Outcome.SURE


def test_two_one_page_records_in_one_volume_are_merged() -> None:
    a = article(issue="9", pages="2205-2205")
    b = article(issue="11", pages="2647")
    assert judge(a, b).outcome is Outcome.SURE


def test_two_one_page_records_with_different_dois_stay_apart() -> None:
    a = article(issue="9", pages="2205", doi="10.1000/a1")
    b = article(issue="11", pages="2647", doi="10.1000/a2")
    assert judge(a, b).outcome is Outcome.DISTINCT


# ----------------------------------------------------------------- fields read one off


def test_volume_issue_and_page_read_one_field_off_are_merged() -> None:
    talk: dict[str, Any] = dict(title="The treatment of atypical HUS in 2011", authors="Loiseau, Chantal",
                year=2011, journal="Pediatric Nephrology. Conference: 44th Annual Meeting")  # fmt: skip
    shifted = rec(**talk, volume="", issue="26", pages="9")
    right = rec(**talk, volume="26", issue="9", pages="1746-1746")
    verdict = judge(shifted, right)
    assert verdict.outcome is Outcome.SURE and "one field off" in verdict.rule
    unrelated = rec(**talk, volume="", issue="27", pages="9")
    assert judge(unrelated, right).outcome is not Outcome.SURE


# ----------------------------------------------------------------- two supplements

ABSTRACT = ("Modified eculizumab dosing to manage breakthrough intravascular haemolysis "
            "in patients with paroxysmal nocturnal haemoglobinuria")  # fmt: skip
AUTHORS = "Kerr, Rose; Arnott, Rob; Richter, Stefan; Hale, Anita; Meyer, Petra"


def test_one_abstract_in_two_journals_supplements_is_merged() -> None:
    a = rec(title=ABSTRACT, authors=AUTHORS, year=2009, journal="British Journal of Haematology",
            volume="145", issue="Suppl. 1", pages="23")  # fmt: skip
    b = rec(title=ABSTRACT.title(), authors=AUTHORS, year=2009, journal="Haematologica",
            volume="94", issue="Suppl. 2", pages="239-240")  # fmt: skip
    verdict = judge(a, b)
    assert verdict.outcome is Outcome.SURE and "two supplements" in verdict.rule


def test_two_supplements_need_the_whole_author_list_and_year() -> None:
    a = rec(title=ABSTRACT, authors=AUTHORS, year=2009, journal="British Journal of Haematology",
            volume="145", issue="Suppl. 1", pages="23")  # fmt: skip
    others = "Kerr, Rose; Arnott, Rob; Lamb, Tom; Hill, Ann; Ross, Ian"
    fewer = rec(title=ABSTRACT, authors=others, year=2009,
                journal="Haematologica", volume="94", issue="Suppl. 2", pages="239")  # fmt: skip
    assert judge(a, fewer).outcome is not Outcome.SURE
    next_year = rec(title=ABSTRACT, authors=AUTHORS, year=2010, journal="Haematologica",
                    volume="95", issue="Suppl. 2", pages="239")  # fmt: skip
    assert judge(a, next_year).outcome is not Outcome.SURE
    # a journal article and a supplement abstract are not two supplements
    journal = rec(title=ABSTRACT, authors=AUTHORS, year=2009, journal="Haematologica",
                  volume="94", issue="6", pages="801-808")  # fmt: skip
    assert judge(a, journal).outcome is not Outcome.SURE


# ----------------------------------------------------------------- republished articles

SUMMARY = ("This study examines how executive sponsorship shapes the way client firms manage "
           "their IT vendors across the life of outsourced projects, using survey data.")  # fmt: skip


def test_article_republished_a_year_later_is_merged() -> None:
    first = rec(title="Sponsorship and IT vendor management of projects",
                authors="Lin, Lee; Yates, Phil", year=2009, journal="Journal of IT",
                volume="24", issue="1", pages="46-54", doi="10.1000/jit.2008.23",
                abstract=SUMMARY)  # fmt: skip
    again = rec(title="Sponsorship and IT vendor management of projects",
                authors="Lin, Lee; Yates, Phil", year=2010, journal="Journal of IT",
                volume="25", issue="1", pages="56-64", doi="10.1000/jit.2009.2",
                abstract=SUMMARY)  # fmt: skip
    verdict = judge(first, again)
    assert verdict.outcome is Outcome.SURE and "republished" in verdict.rule
    # without the shared abstract, different DOIs keep them apart
    assert judge(first.with_changes(abstract=""), again).outcome is Outcome.DISTINCT


def test_annual_conference_introductions_are_not_republications() -> None:
    intro: dict[str, Any] = dict(title="Introduction to the minitrack on crowdsourcing and the gig economy",
                 authors="Deng, Xu; Taylor, Joe", abstract=SUMMARY,
                 journal="Hawaii International Conference on System Sciences")  # fmt: skip
    a = rec(**intro, year=2021, doi="10.24251/HICSS.2021.510", volume="54", pages="1-2")
    b = rec(**intro, year=2022, doi="10.24251/HICSS.2022.544", volume="55", pages="1-2")
    assert judge(a, b).outcome is Outcome.DISTINCT


# ----------------------------------------------------------------- groups


def test_group_primary_is_the_article_not_its_notice() -> None:
    records = [
        (1, article(title="Erratum: " + TITLE, pages="410", abstract="", doi="10.1/e")),
        (2, article(doi="10.1/a")),
        (3, article(title=TITLE.upper(), doi="")),
    ]
    result = find_duplicates(records)
    assert [g.record_ids for g in result.groups] == [(1, 2, 3)]
    group = result.groups[0]
    assert group.primary_id == 2
    notices = [link for link in group.reason["links"] if link.get("notice")]
    assert notices and all(link["notice_record"] == 1 for link in notices)
