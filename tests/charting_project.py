"""A small project whose included sources are ready to chart, on any backend."""

from __future__ import annotations

from pathlib import Path

from small_protocol import TITLES, project_with_titles, small_protocol

FORM = """
[charting]
reviewers_per_record = 2
pilot_sample = 3

[[charting.fields]]
name = "category"
type = "multiple_choice"
required = true
choices = ["Training", "Supervision and support", "Recruitment"]

[[charting.fields]]
name = "study_design"
type = "single_choice"
required = true
choices = ["qualitative", "mixed methods", "service evaluation", "RCT", "review"]

[[charting.fields]]
name = "country"
type = "country"

[[charting.fields]]
name = "year"
type = "year"

[[charting.fields]]
name = "participants"
type = "number"

[[charting.fields]]
name = "controlled"
type = "yes_no"

[[charting.fields]]
name = "key_findings"
type = "long_text"

[report]
order = ["study_design=review", "category"]
"""


def charting_protocol(title: str = "Charting test", blinding: bool = True) -> str:
    """Protocol TOML: a lead, two reviewers and a stakeholder, one screening stage
    with one reviewer, and a charting form with a field of every kind."""
    screening = (
        'stages = ["title_abstract"]\nreviewers_per_record = 1\n'
        f"blinding = {'true' if blinding else 'false'}"
    )
    stakeholder = '[[team]]\nname = "Stake"\nrole = "stakeholder"\n'
    return small_protocol(title, screening, ("Ann", "Ben")) + stakeholder + FORM


def charting_project(folder: Path, db_url: str | None = None, blinding: bool = True) -> Path:
    """A project with the eight made-up records; the peer-support ones (1, 3, 5, 7)
    are included, the others excluded."""
    from scopewise.review import Review

    project_with_titles(folder, charting_protocol(blinding=blinding), TITLES, db_url)
    with Review.open(folder, db_url=db_url) as review:
        for rid in range(1, len(TITLES) + 1):
            review.decide(
                rid,
                "include" if rid % 2 else "exclude",
                "Ann",
                reasons=() if rid % 2 else ("NOTPEER",),
            )
    return folder
