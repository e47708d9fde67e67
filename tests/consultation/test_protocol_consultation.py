"""The protocol's [consultation]: stakeholder groups and the ACTIVE items."""

from __future__ import annotations

from pathlib import Path

import pytest

from consultation_project import consultation_protocol
from scopewise.errors import ProtocolError
from scopewise.protocol import load_protocol, parse_protocol

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "peer-support" / "protocol.toml"


def test_the_example_plans_its_consultation() -> None:
    plan = load_protocol(EXAMPLE).consultation
    assert plan.groups == ("peer worker", "family peer worker", "manager", "clinician",
                           "researcher", "policy maker")
    assert plan.quotes == "never" and plan.mode == "one-off" and plan.influence == "consulted"
    assert plan.stages == ("analysis", "interpretation")
    assert plan.aim and plan.recruitment and plan.approach and plan.impact


def test_group_lookup_ignores_case_and_spacing() -> None:
    plan = parse_protocol(consultation_protocol()).consultation
    assert plan.group("  Family   PEER worker ") == "family peer worker"
    assert plan.group("astronaut") is None


@pytest.mark.parametrize(
    ("old", "new", "field", "needle"),
    [
        ('groups = ["peer worker"', 'groups = ["Manager"', "consultation.groups",
         "listed twice"),
        ('groups = ["peer worker"', 'groups = [" "', "consultation.groups", "must not be empty"),
        ('mode = "one-off"', 'mode = "sometimes"', "consultation.mode", "one-off"),
        ('stages = ["analysis"', 'stages = ["lunch"', "consultation.stages", "analysis"),
        ('stages = ["analysis", "interpretation"]', 'stages = ["analysis", "analysis"]',
         "consultation.stages", "twice"),
        ('influence = "consulted"', 'influence = "total"', "consultation.influence", "led"),
    ],
)
def test_bad_plans_name_the_field(old: str, new: str, field: str, needle: str) -> None:
    text = consultation_protocol()
    assert old in text
    with pytest.raises(ProtocolError) as caught:
        parse_protocol(text.replace(old, new), "p.toml")
    assert caught.value.field is not None and caught.value.field.startswith(field)
    assert needle in str(caught.value) and "\n" not in str(caught.value)
