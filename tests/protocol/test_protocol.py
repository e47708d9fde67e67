"""Protocol TOML: the skeleton and the example validate; bad files name line and field."""

from __future__ import annotations

from pathlib import Path

import pytest

from scopewise.errors import ProtocolError
from scopewise.protocol import SKELETON, dump_protocol, load_protocol, parse_protocol

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "peer-support" / "protocol.toml"


def line_of(text: str, needle: str) -> int:
    return next(
        i
        for i, line in enumerate(text.splitlines(), 1)
        if needle in line and not line.lstrip().startswith("#")
    )


def test_skeleton_is_a_valid_protocol() -> None:
    protocol = parse_protocol(SKELETON)
    assert protocol.review.title.startswith("TODO")
    assert [c.code for c in protocol.all_criteria] == ["POP", "E1"]


def test_example_protocol_describes_the_peer_support_review() -> None:
    p = load_protocol(EXAMPLE)
    assert len(p.questions) == 2
    assert "CAMHS" in p.questions[1] and "forensic" in p.questions[1]
    category = next(f for f in p.charting.fields if f.name == "category")
    assert category.type == "multiple_choice"
    assert len(category.choices) == 11
    names = {f.name for f in p.charting.fields}
    assert {"study_design", "setting", "country", "peer_role"} <= names
    setting = next(f for f in p.charting.fields if f.name == "setting")
    assert "CAMHS" in setting.choices and "forensic" in setting.choices
    api = {s.connector for s in p.sources if s.method == "api"}
    assert api == {"pubmed", "europepmc", "openalex"}
    files = {s.name for s in p.sources if s.method == "file"}
    assert files == {"CINAHL", "PsycINFO"}
    assert all(s.query for s in p.sources)
    assert p.consultation.enabled and p.consultation.quotes == "never"
    assert p.screening.reviewers_per_record == 2 and p.screening.blinding


def test_wrong_value_type_names_line_and_field(tmp_path: Path) -> None:
    text = SKELETON.replace('title = "TODO: title of the scoping review"', "title = 12345")
    path = tmp_path / "p.toml"
    path.write_text(text)
    with pytest.raises(ProtocolError) as caught:
        load_protocol(path)
    error = caught.value
    assert error.line == line_of(text, "title = 12345")
    assert error.field == "review.title"
    assert str(error).startswith(f"{path}:{error.line}: review.title:")
    assert "12345" in str(error)
    assert "\n" not in str(error)


@pytest.mark.parametrize(
    ("old", "new", "field", "needle"),
    [
        ('code = "E1"', 'code = "E 1"', "criteria.exclusion[0].code", 'code = "E 1"'),
        ("blinding = true", "blinding = 3", "screening.blinding", "blinding = 3"),
        ('role = "lead"', 'role = "boss"', "team[0].role", 'role = "boss"'),
        (
            "reviewers_per_record = 2",
            "reviewers_per_record = 3",
            "screening.reviewers_per_record",
            "reviewers_per_record = 3",
        ),
        ("[pcc]", "[pcc]\ncolour = 1", "pcc.colour", "colour = 1"),
    ],
)
def test_invalid_values_are_located(old: str, new: str, field: str, needle: str) -> None:
    text = SKELETON.replace(old, new)
    with pytest.raises(ProtocolError) as caught:
        parse_protocol(text, "p.toml")
    assert caught.value.field == field
    assert caught.value.line == line_of(text, needle)


def test_missing_field_points_at_its_table() -> None:
    text = SKELETON.replace('concept = "TODO: what"\n', "")
    with pytest.raises(ProtocolError) as caught:
        parse_protocol(text, "p.toml")
    assert caught.value.field == "pcc.concept"
    assert "required" in str(caught.value)
    assert caught.value.line == line_of(text, "[pcc]")


def test_toml_syntax_error_has_a_line() -> None:
    text = SKELETON.replace("[pcc]", "[pcc")
    with pytest.raises(ProtocolError) as caught:
        parse_protocol(text, "p.toml")
    assert caught.value.line == line_of(text, "[pcc")
    assert "not valid TOML" in str(caught.value)


def test_duplicate_criterion_codes_are_refused() -> None:
    text = SKELETON.replace('code = "E1"', 'code = "POP"')
    with pytest.raises(ProtocolError, match="used twice"):
        parse_protocol(text)


def test_api_source_needs_a_connector_and_query() -> None:
    text = SKELETON + '\n[[sources]]\nname = "PubMed"\nmethod = "api"\nquery = "x"\n'
    with pytest.raises(ProtocolError, match="no connector") as caught:
        parse_protocol(text, "p.toml")
    assert caught.value.field == "sources[0]"
    assert caught.value.line == line_of(text, "[[sources]]")


def test_choice_fields_need_choices() -> None:
    text = SKELETON + '\n[[charting.fields]]\nname = "design"\ntype = "single_choice"\n'
    with pytest.raises(ProtocolError, match="needs choices"):
        parse_protocol(text)


def test_unreadable_files_get_one_line(tmp_path: Path) -> None:
    with pytest.raises(ProtocolError, match="file not found"):
        load_protocol(tmp_path / "missing.toml")
    latin = tmp_path / "latin.toml"
    latin.write_bytes(SKELETON.replace("TODO: who", "Sj\xf6gren").encode("latin-1"))
    with pytest.raises(ProtocolError, match="not UTF-8") as caught:
        load_protocol(latin)
    assert caught.value.line == line_of(SKELETON, "TODO: who")
    with pytest.raises(ProtocolError, match="folder"):
        load_protocol(tmp_path)


def test_utf8_bom_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "bom.toml"
    path.write_bytes(b"\xef\xbb\xbf" + SKELETON.encode())
    assert load_protocol(path).pcc.population == "TODO: who"


def test_dump_round_trips() -> None:
    p = load_protocol(EXAMPLE)
    assert parse_protocol(dump_protocol(p)) == p


def test_scope_text_carries_questions_pcc_and_inclusion_criteria() -> None:
    p = load_protocol(EXAMPLE)
    text = p.scope_text()
    for part in (*p.questions, p.pcc.population, p.criteria.inclusion[0].text):
        assert part in text
