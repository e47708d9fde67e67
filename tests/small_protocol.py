"""A small peer-support protocol for tests that need a project with a screening team."""

from __future__ import annotations

from collections.abc import Sequence


def small_protocol(title: str, screening: str = "reviewers_per_record = 1",
                   reviewers: Sequence[str] = ("Ann",)) -> str:
    """Protocol TOML: a lead, ``reviewers``, the PCC, one inclusion and one exclusion
    criterion, and ``screening`` as the body of the ``[screening]`` table."""
    team = "".join(f'[[team]]\nname = "{name}"\nrole = "reviewer"\n' for name in reviewers)
    return f"""
questions = ["What is known about peer support work in mental health services?"]
[review]
title = "{title}"
[[team]]
name = "Lead"
role = "lead"
{team}[pcc]
population = "Peer support workers"
concept = "Peer support work"
context = "Mental health services"
[[criteria.inclusion]]
code = "POP"
text = "Concerns peer support workers in mental health services."
[[criteria.exclusion]]
code = "NOTPEER"
text = "Peer support is not the focus."
[screening]
{screening}
"""
