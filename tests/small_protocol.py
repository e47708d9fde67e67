"""A small peer-support protocol for tests that need a project with a screening team."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

TITLES = (
    "Peer support workers in community mental health teams",
    "Statins after myocardial infarction",
    "Training peer specialists for forensic mental health services",
    "Hip fracture surgery outcomes in older adults",
    "Family peer support in child and adolescent mental health services",
    "Antibiotic prophylaxis in dental surgery",
    "Lived experience workforce in acute psychiatric wards",
    "Cataract surgery waiting times",
)
"""Titles of made-up records: odd positions on peer support, even ones not."""


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


def project_with_titles(folder: Path, protocol_text: str, titles: Sequence[str],
                        db_url: str | None = None) -> Path:
    """A project in ``folder`` (its protocol written beside it) holding one search with a
    record per title, each with a short abstract; returns the folder."""
    from scopewise.review import Review
    from scopewise.store import now
    from scopewise.store import schema as t

    protocol = folder.parent / f"{folder.name}-protocol.toml"
    protocol.write_text(protocol_text, encoding="utf-8")
    review = Review.create(folder, protocol_path=protocol, db_url=db_url)
    with review, review.store.transaction() as conn:
        key = conn.execute(
            t.searches.insert().values(source="PubMed", imported_at=now(),
                                       record_count=len(titles))
        ).inserted_primary_key
        assert key is not None
        search = key[0]
        conn.execute(t.records.insert(), [
            {"search_id": search, "position": i, "title": title,
             "abstract": f"Abstract of {title}."}
            for i, title in enumerate(titles, 1)
        ])
    return folder
