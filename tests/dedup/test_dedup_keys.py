"""Match keys: normalisation of titles, names, journals and pages."""

from __future__ import annotations

from typing import Any

from scopewise.dedup import MatchKeys, match_keys, normalise_journal, normalise_title
from scopewise.dedup.score import journals_compatible
from scopewise.records import Author, Record


def rec(title: str = "", authors: str = "", **fields: Any) -> Record:
    """A record from a title, ``"Family, Given; Family, Given"`` authors and fields."""
    people = tuple(Author.parse(a) for a in authors.split(";") if a.strip())
    return Record(title=title, authors=people, **fields)


def keys(record: Record, record_id: int = 1) -> MatchKeys:
    return match_keys(record_id, record)


def test_title_ignores_case_punctuation_and_markup() -> None:
    assert normalise_title("<i>Eculizumab</i> in aHUS: A Review.") == normalise_title(
        "ECULIZUMAB IN AHUS - a review"
    )


def test_title_folds_diacritics_and_spells_out_greek_letters() -> None:
    assert normalise_title("Médecine & TNF-α") == "medecine and tnf alpha"
    assert normalise_title("β-blockers") == normalise_title("beta blockers")


def test_title_meets_and_written_as_an_ampersand() -> None:
    """Scopus and Web of Science write "&" (some exports "&amp;") where PubMed spells
    "and": a short title differing only there stayed in the review queue."""
    spelled = normalise_title("Anxiety and depression in carers")
    assert normalise_title("Anxiety & depression in carers") == spelled
    assert normalise_title("Anxiety &amp; depression in carers") == spelled
    assert normalise_title("R&amp;D &lt;b&gt; &#946;") == normalise_title("R and D <b> β")


def test_title_meets_british_and_american_spelling() -> None:
    british = "Haemolytic uraemic syndrome: paediatric behaviour, randomised tumour centre"
    american = "Hemolytic uremic syndrome: pediatric behavior, randomized tumor center"
    assert normalise_title(british) == normalise_title(american)


def test_placeholder_title_counts_as_missing() -> None:
    assert normalise_title("UNKNOWN") == ""


def test_journal_abbreviations_are_compatible() -> None:
    assert journals_compatible(
        normalise_journal("N Engl J Med"), normalise_journal("New England Journal of Medicine")
    )
    assert journals_compatible(
        normalise_journal("Thrombosis & Haemostasis"), normalise_journal("Thromb Hemost")
    )
    assert journals_compatible(
        normalise_journal("AMCIS 2017 Proceedings"),
        normalise_journal("Americas Conference on Information Systems"),
    )


def test_different_journals_are_not_compatible() -> None:
    assert not journals_compatible(
        normalise_journal("Journal of Digital Studies"),
        normalise_journal("Workshop of Digital Studies"),
    )
    assert not journals_compatible(
        normalise_journal("Journal of Global Information Technology Management"),
        normalise_journal("Americas Conference on Information Systems"),
    )


def test_pages_keep_first_and_expanded_last_page() -> None:
    k = keys(rec("A title of some length", pages="1325-9"))
    assert (k.first_page, k.last_page) == ("1325", "1329")
    assert keys(rec("A title of some length", pages="c37-c42")).first_page == "37"


def test_doi_is_normalised_and_volume_number_extracted() -> None:
    k = keys(rec("T", doi="https://doi.org/10.1000/ABC.1", volume="Vol. 12", issue="(3)"))
    assert (k.doi, k.volume, k.issue) == ("10.1000/abc.1", "12", "3")


def test_notices_parts_and_preprints_are_flagged() -> None:
    assert keys(rec("Erratum: Gene therapy for anaemia")).notice
    assert keys(rec("Gene therapy for anaemia (vol 12, pg 34, 2009)")).notice
    assert keys(rec("Gene therapy for anaemia - Reply")).notice
    # MEDLINE's note on an original is not a notice
    assert not keys(rec("Gene therapy for anaemia.[Erratum appears in Blood 2009;1:2]")).notice
    assert keys(rec("Trauma care, part II: the hospital")).part == "2"
    assert keys(rec("Trauma care", doi="10.1101/2020.01.01.123")).preprint
    assert keys(rec("Trauma care", journal="medRxiv")).preprint


def test_glued_author_list_is_split() -> None:
    k = keys(rec("T", authors="Tan A.Schulze A.O'Donnell C. P.Davis P. G."))
    assert [a[0] for a in k.authors] == ["tan", "schulze", "odonnell", "davis"]


SUBJECT = "Gene therapy for severe anaemia in children with thalassaemia"


def test_notice_kind_subject_title_and_citation() -> None:
    plain = keys(rec(SUBJECT))
    cases = {
        f"Erratum to - {SUBJECT}": ("erratum", ""),
        f"Corrigendum: {SUBJECT}": ("erratum", ""),
        f"{SUBJECT} (vol 12, pg 34, 2009)": ("erratum", "12:34"),
        f"{SUBJECT} (Blood Reviews (2009) 12 (34-39))": ("erratum", "12:34"),
        f"Notice of retraction: {SUBJECT}": ("retraction", ""),
        f"Expression of concern: {SUBJECT}": ("concern", ""),
        f"{SUBJECT} - Authors' reply": ("reply", ""),
        f"Comment on: {SUBJECT}": ("comment", ""),
        f"{SUBJECT}: Corrigendum": ("erratum", ""),  # the marker after the title
        f'"{SUBJECT}": Correction': ("erratum", ""),  # PsycINFO's quoted form
    }
    for title, (kind, cited) in cases.items():
        k = keys(rec(title))
        assert (k.notice, k.cited) == (kind, cited), title
        assert k.title == plain.title, title  # compared by the subject title
    assert keys(rec(SUBJECT, publication_type="Erratum")).notice == "erratum"
    # a title that merely ends in "correction" is an article
    assert keys(rec("Aberration correction in electron microscopy")).notice == ""


def test_multiple_letters_marker_is_not_part_of_the_title() -> None:
    k = keys(rec(SUBJECT + " (multiple letters) [1]"))
    assert (k.title, k.notice) == (keys(rec(SUBJECT)).title, "")


def test_supplement_is_flagged_from_issue_or_venue() -> None:
    assert keys(rec(SUBJECT, journal="Blood", volume="114", issue="Suppl. 1")).supplement
    assert keys(rec(SUBJECT, journal="Blood. Conference: 51st ASH Annual Meeting")).supplement
    assert not keys(rec(SUBJECT, journal="Blood", volume="114", issue="22")).supplement


def test_abbreviated_journal_with_as_many_words_is_compatible() -> None:
    full, short = (
        normalise_journal("New England Journal of Medicine"),
        normalise_journal("New Engl J Med"),
    )
    assert journals_compatible(full, short) and journals_compatible(short, full)
    assert not journals_compatible(full, normalise_journal("New Zealand Medical Journal"))


def test_re_letter_is_a_notice_but_a_re_word_is_not() -> None:
    assert keys(rec("Re: " + SUBJECT)).notice == "comment"
    assert keys(rec("Re-evaluation of " + SUBJECT)).notice == ""
