"""Export damage that must not split a duplicate, and look-alikes it must not join.

Each kind of damage (page fields, title notes, journal names) has pairs that must be
merged as sure duplicates, and the look-alikes next to them (other pages of the same
issue, an erratum, another volume, two article numbers) that must stay apart.
"""

from __future__ import annotations

import pytest

from scopewise.dedup import Outcome, Verdict, classify, match_keys, normalise_journal
from scopewise.dedup.journals import iso4_words, main_title
from scopewise.dedup.notices import strip_database_notes
from scopewise.dedup.pages import read_pages, same_pages_damaged
from scopewise.records import Author, Record

TITLE = (
    "Complement factor H mutations in atypical haemolytic uraemic syndrome after transplantation"
)
PEOPLE = ("Noris, Marina", "Caprioli, Jessica", "Bresin, Elena")


def rec(**changes: object) -> Record:
    fields: dict[str, object] = dict(
        title=TITLE,
        authors=tuple(Author.parse(a) for a in PEOPLE),
        year=2010,
        journal="Clinical Journal of the American Society of Nephrology",
        volume="5",
        issue="10",
        pages="1844-1859",
    )
    fields.update(changes)
    return Record(**fields)  # type: ignore[arg-type]


def judge(a: Record, b: Record) -> Verdict:
    return classify(match_keys(1, a), match_keys(2, b))


# --------------------------------------------------------------------------- pages

DAMAGED_PAGES = [
    ("1844-59", "abbreviated end page"),
    ("1844-9", "end page cut to its last digit"),
    ("1844-1", "end page cut to a suffix that cannot follow the first page"),
    ("S1844-S1859", "supplement letters"),
    ("Suppl-59", "supplement marker in place of the first page"),
    ("Suppl.", "supplement marker alone"),
    ("1-16", "page count of the PDF"),
    ("e12724", "an e-locator"),
    ("ARTN e12724", "a Web of Science article number"),
    ("", "empty"),
    ("No-Specified", "Ovid's 'No pagination specified'"),
    ("1844-+", "Web of Science's open end page"),
    ("1844-nan", "an end page written as nan"),
]


@pytest.mark.parametrize(("pages", "why"), DAMAGED_PAGES)
def test_damaged_pages_do_not_veto_a_match(pages: str, why: str) -> None:
    verdict = judge(rec(), rec(pages=pages))
    assert verdict.outcome is Outcome.SURE, (why, verdict.rule)
    assert "first_page" not in verdict.differs


def test_elocator_against_a_page_count_is_the_same_article() -> None:
    a = rec(pages="e12724", issue="")
    b = rec(pages="1-6")
    assert judge(a, b).outcome is Outcome.SURE


def test_subtitle_added_and_pages_written_differently() -> None:
    # title close but not equal, one more author: journal and volume carry the match
    more = (*PEOPLE, "Remuzzi, Giuseppe")
    a = rec(title=TITLE + ": a cohort study of 273 patients", pages="e12724")
    b = rec(authors=tuple(Author.parse(x) for x in more), pages="1-16")
    verdict = judge(a, b)
    assert verdict.outcome is Outcome.SURE and "page fields" in verdict.rule
    assert judge(a, rec(authors=b.authors, pages="1-16", volume="6")).outcome is not Outcome.SURE


def test_article_number_without_its_e_against_a_page_count() -> None:
    assert judge(rec(pages="123"), rec(pages="1-9")).outcome is Outcome.SURE


def test_page_reading() -> None:
    assert read_pages("2539-2")[:3] == ("2539", "", False)  # cut: the end page is unknown
    assert read_pages("2297-2108")[:3] == ("2297", "2108", False)  # a typo, kept as written
    assert read_pages("Suppl-29").first == ""
    assert read_pages("12345").article_number and not read_pages("1234").article_number
    assert read_pages("iii-iv").first == "iii"
    assert read_pages("100364-nan")[:3] == ("100364", "", True)
    assert read_pages("UNSP 1234567").article_number


def test_which_page_fields_may_be_the_same_pages() -> None:
    same = same_pages_damaged
    assert same(read_pages("e12724"), read_pages("417-429"))
    assert same(read_pages("1-13"), read_pages("417-429"))
    assert not same(read_pages("1-6"), read_pages("417-429"))  # 13 pages are not 6
    assert not same(read_pages("e12724"), read_pages("e12725"))  # two articles
    assert not same(read_pages("417-429"), read_pages("431-440"))
    assert not same(read_pages("1-6"), read_pages("1-7"))


# ---------------------------------------------------------------- pages: look-alikes


def test_other_pages_of_the_same_issue_stay_apart() -> None:
    # same title, people, journal, volume and issue: two articles (a series) at other pages
    verdict = judge(rec(), rec(pages="1861-1870"))
    assert verdict.outcome is not Outcome.SURE
    assert "first_page" in verdict.differs


def test_two_elocators_of_one_volume_stay_apart() -> None:
    verdict = judge(rec(pages="e12724", issue=""), rec(pages="e13001", issue=""))
    assert verdict.outcome is not Outcome.SURE


def test_page_count_of_another_length_stays_apart() -> None:
    assert judge(rec(), rec(pages="1-6")).outcome is not Outcome.SURE


def test_damaged_pages_do_not_override_another_volume() -> None:
    verdict = judge(rec(), rec(volume="6", pages="e12724"))
    assert verdict.outcome is not Outcome.SURE


def test_erratum_with_an_elocator_stays_apart() -> None:
    erratum = rec(title="Erratum: " + TITLE, issue="12", pages="e1")
    assert judge(rec(), erratum).outcome is not Outcome.SURE


def test_one_page_after_the_article_is_not_a_damaged_page() -> None:
    # a one-page record right after the article (an erratum without its marker) is
    # never "the same pages written another way"
    verdict = judge(rec(), rec(pages="1860"))
    assert verdict.outcome is not Outcome.SURE
    assert "first_page" in verdict.differs


# --------------------------------------------------------------------------- titles

TITLE_NOTES = [
    TITLE + " [Review] [33 refs]",
    TITLE + ". [Review] [33 refs]",
    TITLE + " [Erratum in: Clin J Am Soc Nephrol. 2011;6:1234]",
    TITLE + " [",
    TITLE + ". [",
    TITLE + ". [Erratum in: Clin J Am",
    TITLE + " [Comment in: Nephrol Dial Transplant. 2011]",
    f"[{TITLE}]",
    f"[{TITLE}]. [Review] [16 refs] [German]",
    TITLE + " [in Chinese]",
]


@pytest.mark.parametrize("title", TITLE_NOTES)
def test_database_title_notes_are_stripped(title: str) -> None:
    assert match_keys(1, rec(title=title)).title == match_keys(2, rec()).title
    # and the damaged copy still matches when its pages are damaged too
    assert judge(rec(), rec(title=title, pages="e12724")).outcome is Outcome.SURE


def test_note_stripping_keeps_what_names_the_article() -> None:
    assert strip_database_notes("Outcome after surgery [Part two]")[0].endswith("[Part two]")
    assert strip_database_notes("[18F]FDG PET in lymphoma") == ("[18F]FDG PET in lymphoma", False)
    assert strip_database_notes("[Clinical aspects of HUS]. [Japanese]") == (
        "Clinical aspects of HUS",
        True,
    )


def test_part_numbers_in_brackets_still_keep_parts_apart() -> None:
    a = rec(title=TITLE + " [Part 1]", pages="")
    b = rec(title=TITLE + " [Part 2]", pages="")
    assert judge(a, b).outcome is Outcome.DISTINCT


def test_erratum_note_does_not_hide_an_erratum() -> None:
    # the original carries a note pointing to its erratum; the erratum itself stays apart
    original = rec(title=TITLE + " [Erratum in: Clin J Am Soc Nephrol. 2011;6:1234]")
    erratum = rec(title="Erratum: " + TITLE, volume="6", issue="5", pages="1234", year=2011)
    assert judge(original, erratum).outcome is not Outcome.SURE


# --------------------------------------------------------------------------- journals

JOURNAL_VARIANTS = [
    "Clinical Journal of the American Society of Nephrology [Electronic Resource]",
    "Clinical Journal of the American Society of Nephrology : CJASN",
    "Clin J Am Soc Nephrol",
    "Clinical journal of the American Society of Nephrology: official journal",
]


@pytest.mark.parametrize("journal", JOURNAL_VARIANTS)
def test_journal_name_variants_are_one_journal(journal: str) -> None:
    verdict = judge(rec(), rec(journal=journal, pages="e12724"))
    assert verdict.outcome is Outcome.SURE
    assert "journal" in verdict.matched


def test_contractions_come_from_the_iso4_list() -> None:
    # "natl", "jpn", "dtsch": not word prefixes, only the LTWA knows them
    pnas = rec(journal="Proceedings of the National Academy of Sciences of the United States")
    assert "journal" in judge(pnas, rec(journal="Proc Natl Acad Sci U S A")).matched
    jpn = rec(journal="Japanese Journal of Clinical Pathology")
    assert "journal" in judge(jpn, rec(journal="Jpn J Clin Pathol")).matched
    assert iso4_words(("deutsche", "medizinische", "wochenschrift")) == (
        "dtsch",
        "med",
        "wochenschr",
    )


def test_ampersand_and_and_are_one_journal() -> None:
    a = rec(journal="Seminars in Thrombosis & Hemostasis")
    b = rec(journal="Seminars in Thrombosis and Hemostasis")
    assert normalise_journal(a.journal) == normalise_journal(b.journal)
    assert main_title("Journal of Thrombosis and Haemostasis.Conference: XXIII Congress") == (
        "Journal of Thrombosis and Haemostasis"
    )


def test_one_text_in_two_journals_stays_apart() -> None:
    # a statement co-published in two journals: other journal, volume and pages
    a = rec(journal="Kidney International", volume="77", issue="4", pages="e12724")
    b = rec(journal="Pediatric Nephrology", pages="1-16")
    verdict = judge(a, b)
    assert "journal" in verdict.differs
    assert verdict.outcome is not Outcome.SURE


# ------------------------------------------------------------------ translated titles

SPANISH = dict(
    authors=(Author.parse("Andres, Amado"), Author.parse("Morales, Jose")),
    year=2010,
    journal="Nefrologia",
    volume="30",
    issue="2",
    pages="30-38",
)


def test_two_translations_of_one_title_at_the_same_place_match() -> None:
    a = Record(title="Indications and contraindications for living kidney donations", **SPANISH)  # type: ignore[arg-type]
    b = Record(
        title="[Indications and contraindications of living-donor kidney transplantation]. [Spanish]",
        **{**SPANISH, "pages": "30-8", "journal": "Nefrologia [Electronic Resource]"},  # type: ignore[arg-type]
    )
    verdict = judge(a, b)
    assert verdict.outcome is Outcome.SURE and "translated" in verdict.rule


def test_original_title_and_translation_with_a_cut_end_page() -> None:
    german = Record(
        title="Plattformokonomie und Crowdworking als Herausforderungen fur das deutsche Modell",
        **{**SPANISH, "journal": "Industrielle Beziehungen", "pages": "205-226"},  # type: ignore[arg-type]
    )
    english = Record(
        title="Platform economy and crowdworking as challenges for the German model",
        **{**SPANISH, "journal": "Industrielle Beziehungen", "pages": "205-6"},  # type: ignore[arg-type]
    )
    assert judge(german, english).outcome is Outcome.SURE
    elsewhere = Record(
        title="Platform economy and crowdworking as challenges for the German model",
        **{**SPANISH, "journal": "Industrielle Beziehungen", "pages": "205-7"},  # type: ignore[arg-type]
    )
    assert judge(german, elsewhere).outcome is not Outcome.SURE  # 207 is no cut of 226


def test_translations_elsewhere_in_the_volume_stay_apart() -> None:
    a = Record(title="Indications and contraindications for living kidney donations", **SPANISH)  # type: ignore[arg-type]
    b = Record(
        title="[Indications and contraindications of living-donor kidney transplantation]",
        **{**SPANISH, "pages": "40-48"},  # type: ignore[arg-type]
    )
    assert judge(a, b).outcome is not Outcome.SURE


# ------------------------------------------------------------------------ abstracts

ABSTRACT = (
    "A seven-month-old male Shetland Sheepdog was presented for assessment of thoracic limb "
    "lameness of three weeks duration. Orthopaedic examination revealed severe discomfort."
)
SUMMARY = (
    "Simple Summary Humeral intracondylar fissure is a common orthopaedic disease affecting "
    "Spaniel breed dogs. Surgical treatment traditionally involved a large transcondylar screw."
)


def test_a_summary_before_the_abstract_is_not_another_abstract() -> None:
    # Web of Science keeps MDPI's "Simple Summary" before the abstract, PubMed does not
    a = rec(pages="", abstract=ABSTRACT, journal="ANIMALS")
    b = rec(pages="", abstract=SUMMARY + " " + ABSTRACT, journal="Animals : an open access journal")
    assert judge(a, b).outcome is Outcome.SURE
    other = rec(pages="", abstract="Dogs with diabetes were studied in primary care. " * 4)
    assert judge(a, other).outcome is Outcome.POSSIBLE  # two different abstracts still differ
