"""The chart command's reading and reconciling options, on both backends."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from charting_project import charting_project
from cli_runner import run
from scopewise.review import Review


class Result:
    def __init__(self, code: int, out: str, err: str) -> None:
        self.exit_code, self.output, self.err = code, out, err


@pytest.fixture
def chart(capsys: pytest.CaptureFixture[str], tmp_path: Path, db_url: str):
    folder = charting_project(tmp_path / "p", db_url)

    def call(*args: str) -> Result:
        return Result(*run(["chart", str(folder), *args, "--db", db_url], capsys))

    call.folder = folder  # type: ignore[attr-defined]
    call.db_url = db_url  # type: ignore[attr-defined]
    return call


def test_set_show_conflicts_json_resolve_and_agreement(chart) -> None:
    assert (
        chart(
            "--set",
            "1",
            "study_design",
            "RCT",
            "--set",
            "1",
            "category",
            "Training",
            "--reviewer",
            "Ann",
        ).exit_code
        == 0
    )
    incomplete = chart("--set", "1", "study_design", "review", "--reviewer", "Ben", "--complete")
    assert incomplete.exit_code == 2 and "required field empty: category; fill it in" in incomplete.err
    result = chart("--set", "1", "study_design", "review", "--reviewer", "Ben")
    assert result.exit_code == 0, result.err
    blind = chart("--conflicts")
    assert blind.exit_code == 2 and "--reviewer" in blind.err
    listed = chart("--conflicts", "--json", "--reviewer", "Lead")
    assert json.loads(listed.output) == [
        {"record_id": 1, "field": "study_design", "values": {"Ann": "RCT", "Ben": "review"}}
    ]
    assert (
        json.loads(chart("--conflicts", "--json", "--reviewer", "Ben").output)[0]["record_id"] == 1
    )
    not_lead = chart("--resolve", "1", "study_design", "RCT", "--reviewer", "Ann")
    assert not_lead.exit_code == 2 and "only a lead" in not_lead.err
    assert chart("--resolve", "1", "study_design", "RCT", "--reviewer", "Lead").exit_code == 0
    assert json.loads(chart("--conflicts", "--json", "--reviewer", "Lead").output) == []
    shown = json.loads(chart("--show", "3", "--reviewer", "Ann").output)
    assert shown["values"] == {}
    assert shown["suggestions"]["category"][0]["value"] == "Training"
    agreement = chart("--agreement")
    assert agreement.exit_code == 0 and "study_design" in agreement.output
    summary = chart("--summary")
    assert summary.exit_code == 0 and "RCT" in summary.output


def test_suggestion_accuracy_counts_confirmed_suggestions(chart) -> None:
    # record 3 "Training peer specialists ..." suggests category Training
    assert chart("--set", "3", "category", "Training", "--reviewer", "Ann").exit_code == 0
    assert chart("--set", "3", "category", "Recruitment", "--reviewer", "Ben").exit_code == 0
    with Review.open(chart.folder, db_url=chart.db_url) as review:
        by_field = {a.field: a for a in review.suggestion_accuracy()}
    assert by_field["category"].suggested == 2
    assert by_field["category"].confirmed == 1
    assert by_field["category"].rate == 0.5
    result = chart("--suggestion-accuracy")
    assert result.exit_code == 0 and "Training" in result.output


def test_form_changes_and_order_from_the_command_line(chart) -> None:
    assert chart("--set", "1", "study_design", "RCT", "--reviewer", "Ann").exit_code == 0
    changed = chart(
        "--rename-choice",
        "study_design",
        "RCT",
        "randomised trial",
        "--reviewer",
        "Lead",
        "--note",
        "clearer name",
    )
    assert changed.exit_code == 0 and "protocol version 2" in changed.output
    with Review.open(chart.folder, db_url=chart.db_url) as review:
        assert review.chart_values(1, "Ann") == {"study_design": "randomised trial"}
        assert review.deviations()[-1].note == "clearer name"
    refused = chart("--retire-field", "country", "--reviewer", "Ann")
    assert refused.exit_code == 2 and "only a lead" in refused.err
    assert (
        chart("--add-choice", "category", "Peer support in prisons", "--reviewer", "Lead").exit_code
        == 0
    )
    assert chart("--retire-choice", "category", "Recruitment", "--reviewer", "Lead").exit_code == 0
    assert chart("--retire-field", "participants", "--reviewer", "Lead").exit_code == 0
    order = chart("--order")
    assert order.exit_code == 0 and order.output.splitlines()[0].startswith("1\t")
    themes = chart("--themes")
    assert themes.exit_code == 0 and "No candidate themes" in themes.output
