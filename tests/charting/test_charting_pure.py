"""The pure parts: value checks, the log's state, agreement, suggestions, themes, maps."""

from __future__ import annotations

import pytest

from scopewise.analysis.charting import ChartedSource, crosstab, synthesis_order
from scopewise.analysis.evidence_map import evidence_map
from scopewise.charting import (
    ChartEntry,
    candidate_themes,
    charting_state,
    check_value,
    cohen_kappa,
    display_value,
    jaccard,
    suggest,
)
from scopewise.errors import ChartingError
from scopewise.protocol import ChartingField, ChartingForm, parse_protocol

DESIGN = ChartingField(
    name="study_design",
    type="single_choice",
    choices=(
        "qualitative",
        "mixed methods",
        "service evaluation",
        "non-randomised comparison",
        "RCT",
        "review",
        "guidance or policy",
    ),
)
CATEGORY = ChartingField(name="category", type="multiple_choice", choices=("A", "B", "C"))
COUNTRY = ChartingField(name="country", type="country")
FORM = ChartingForm(fields=(CATEGORY, DESIGN, COUNTRY), reviewers_per_record=2)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("GB", "GBR"),
        ("gbr", "GBR"),
        ("United Kingdom", "GBR"),
        ("Scotland", "GBR"),
        ("Germany", "DEU"),
        ("NZ", "NZL"),
        ("Viet Nam", "VNM"),
        # names authors write that ISO 3166 does not carry
        ("UK", "GBR"),
        ("U.K.", "GBR"),
        ("the Netherlands", "NLD"),
        ("Russia", "RUS"),
        ("Turkey", "TUR"),
        ("Swaziland", "SWZ"),
        ("St. Lucia", "LCA"),
        # constituent countries, in either of ISO 3166-2's languages
        ("Wales", "GBR"),
        ("Cymru", "GBR"),
        ("Northern Ireland", "GBR"),
        ("Kosovo", "XKX"),
    ],
)
def test_country_names_and_codes_store_the_iso_code(text: str, code: str) -> None:
    assert check_value(COUNTRY, text) == code
    assert display_value(COUNTRY, code)


def test_kosovo_is_shown_by_name_and_ambiguous_names_are_refused() -> None:
    assert display_value(COUNTRY, "XKX") == "Kosovo"
    # Punjab is a region of India and of Pakistan: no guess
    for text in ("Punjab", "Atlantis"):
        with pytest.raises(ChartingError, match="is not a country"):
            check_value(COUNTRY, text)


def test_a_choice_typed_with_other_case_spacing_quotes_or_dashes_is_the_choice() -> None:
    """Sheets are typed by hand or pasted from Word: "Mixed  Methods", an en dash for
    a hyphen, a straight apostrophe for a curly one (before: "not one of its
    choices"). Other words are still refused."""
    field = ChartingField(name="design", type="single_choice", choices=(
        "mixed methods", "non-randomised comparison", "people\u2019s views"))
    assert check_value(field, " Mixed  Methods ") == "mixed methods"
    assert check_value(field, "Non\u2013randomised comparison") == "non-randomised comparison"
    assert check_value(field, "people's views") == "people\u2019s views"
    assert check_value(CATEGORY, "a;  b") == ["A", "B"]
    for text in ("mixed-methods", "peoples views"):
        with pytest.raises(ChartingError, match="is not one of its choices"):
            check_value(field, text)


def test_renamed_choice_is_read_under_its_new_name() -> None:
    field = ChartingField(
        name="category",
        type="multiple_choice",
        choices=("A", "Bee", "C"),
        renamed_choices={"B": "Bee"},
    )
    form = ChartingForm(fields=(field,))
    entries = [ChartEntry(1, 7, "category", "Ann", ["A", "B"])]
    assert charting_state(entries, form, 1).final[7] == {"category": ["A", "Bee"]}
    assert check_value(field, "b") == ["Bee"]  # the old name still reads


def test_a_blank_from_a_second_charter_who_completed_is_a_conflict() -> None:
    entries = [
        ChartEntry(1, 7, "study_design", "Ann", "RCT"),
        ChartEntry(2, 7, "category", "Ben", ["A"]),
        ChartEntry(3, 7, "", "Ben", True, kind="complete"),
    ]
    state = charting_state(entries, FORM)
    assert [(c.field, c.values) for c in state.conflicts] == [
        ("study_design", {"Ann": "RCT", "Ben": None})
    ]
    assert state.status[7]["category"] == "awaiting_second"


def test_kappa_and_jaccard() -> None:
    assert cohen_kappa([("a", "a"), ("b", "b")]) == 1.0
    assert cohen_kappa([("a", "b"), ("b", "a")]) == -1.0
    assert cohen_kappa([]) is None
    assert jaccard(["A", "B"], ["B", "C"]) == pytest.approx(1 / 3)
    assert jaccard([], []) == 1.0


@pytest.mark.parametrize(
    ("text", "design"),
    [
        ("A scoping review of peer support in mental health services.", "review"),
        ("We ran a randomised controlled trial of peer support.", "RCT"),
        ("A quasi-experimental study with a matched control group.", "non-randomised comparison"),
        ("Semi-structured interviews were analysed thematically.", "qualitative"),
        ("A mixed methods evaluation with interviews and surveys.", "mixed methods"),
        ("This toolkit gives guidance to employers of peer workers.", "guidance or policy"),
        ("A service evaluation of a peer worker pilot in two wards.", "service evaluation"),
    ],
)
def test_design_suggestions_come_with_their_evidence(text: str, design: str) -> None:
    found = suggest(FORM, ["Peer support", text])["study_design"]
    assert found[0].value == design
    assert found[0].evidence == text


def test_a_review_of_trials_is_a_review_and_hostile_text_is_only_text() -> None:
    found = suggest(
        FORM, ["<script>alert(1)</script> A systematic review of randomised controlled trials."]
    )
    assert found["study_design"][0].value == "review"
    assert "RCT" in [s.value for s in found["study_design"]]
    assert suggest(FORM, ["Nothing to see."]) == {}


def test_candidate_themes_group_sources_by_their_words() -> None:
    texts = [(i, "peer worker training course curriculum training skills") for i in range(1, 7)]
    texts += [
        (i, "supervision support supervisor reflective supervision sessions") for i in range(7, 13)
    ]
    themes = candidate_themes(texts, n_themes=2)
    assert len(themes) == 2
    groups = sorted(theme.record_ids for theme in themes)
    assert groups == [tuple(range(1, 7)), tuple(range(7, 13))]
    assert any("training" in " ".join(theme.terms) for theme in themes)
    assert candidate_themes(texts[:4]) == []


def _rows() -> list[ChartedSource]:
    return [
        ChartedSource(
            1, "t1", ("Zed, A",), 2020, values={"category": ["A", "B"], "study_design": "RCT"}
        ),
        ChartedSource(
            2, "t2", ("Abe, B",), 2021, values={"category": ["A"], "study_design": "review"}
        ),
        ChartedSource(
            3, "t3", ("Kim, C",), 2019, values={"category": ["C"], "study_design": "qualitative"}
        ),
    ]


def test_crosstab_and_map_count_a_multiple_choice_source_under_each_value() -> None:
    table = crosstab(_rows(), FORM, "category", "study_design")
    assert table.count("A", "RCT") == 1 and table.count("B", "RCT") == 1
    emap = evidence_map(_rows(), FORM, "category", "country")
    assert emap.rows == ("A", "B", "C") and emap.columns == ()
    emap = evidence_map(_rows(), FORM, "category", "study_design", filters={"study_design": "rct"})
    assert emap.n_sources == 1


def test_no_review_gaps_when_design_is_not_an_axis() -> None:
    rows = [
        ChartedSource(1, "t", values={"category": ["A"], "study_design": "RCT", "country": "GBR"}),
        ChartedSource(
            2, "t", values={"category": ["B"], "study_design": "review", "country": "GBR"}
        ),
    ]
    emap = evidence_map(rows, FORM, "category", "country", segment="study_design")
    assert emap.cell("A", "United Kingdom").gap == "no_review"
    assert emap.cell("B", "United Kingdom").gap == "none"
    assert emap.cell("C", "United Kingdom").gap == "no_sources"
    assert emap.cell("A", "United Kingdom").segments == {"RCT": 1}


def test_synthesis_order_puts_reviews_first_then_categories() -> None:
    protocol = parse_protocol("""
questions = ["q"]
[review]
title = "t"
[pcc]
population = "p"
concept = "c"
context = "x"
[[criteria.inclusion]]
code = "I"
text = "i"
[[charting.fields]]
name = "category"
type = "multiple_choice"
choices = ["A", "B", "C"]
[[charting.fields]]
name = "study_design"
type = "single_choice"
choices = ["RCT", "review", "qualitative"]
[report]
order = ["study_design=review", "category"]
""")
    assert [r.record_id for r in synthesis_order(_rows(), protocol)] == [2, 1, 3]


def test_wrong_types_name_the_value() -> None:
    with pytest.raises(ChartingError, match="record 4: field 'study_design': value 'x'"):
        check_value(DESIGN, "x", 4)
    with pytest.raises(ChartingError, match="takes one choice"):
        check_value(DESIGN, ["RCT", "review"], 4)
