"""A project with themes and a consultation plan, shared by the consultation tests."""

from __future__ import annotations

from pathlib import Path

THEMES = ("Training", "Supervision and support", "Recruitment of peer support workers")
GROUPS = ("peer worker", "family peer worker", "manager")


def consultation_protocol(quotes: str = "never", enabled: bool = True) -> str:
    """Protocol TOML with a lead (Lead), a 'category' field whose choices are the
    themes, and a consultation plan with three stakeholder groups."""
    choices = ", ".join(f'"{t}"' for t in THEMES)
    groups = ", ".join(f'"{g}"' for g in GROUPS)
    return f"""
questions = ["What is known about peer support work in mental health services?"]
[review]
title = "Consultation test review"
[[team]]
name = "Lead"
role = "lead"
[[team]]
name = "Ann"
role = "reviewer"
[pcc]
population = "Peer support workers"
concept = "Peer support work"
context = "Mental health services"
[[criteria.inclusion]]
code = "POP"
text = "Concerns peer support workers in mental health services."
[[charting.fields]]
name = "category"
type = "multiple_choice"
choices = [{choices}]
[consultation]
enabled = {'true' if enabled else 'false'}
quotes = "{quotes}"
groups = [{groups}]
recruitment = "Through a national network"
mode = "one-off"
approach = "Individual interviews"
stages = ["analysis", "interpretation"]
influence = "consulted"
aim = "To check the themes against experience."
"""


def make_project(tmp: Path, db_url: str | None, quotes: str = "never",
                 enabled: bool = True) -> Path:
    """A new project in ``tmp / 'review'`` with :func:`consultation_protocol`."""
    from scopewise.review import Review

    protocol = tmp / "protocol.toml"
    protocol.write_text(consultation_protocol(quotes, enabled), encoding="utf-8")
    folder = tmp / "review"
    Review.create(folder, protocol_path=protocol, db_url=db_url).close()
    return folder


def write_docx(path: Path, paragraphs: list[str], table: list[list[str]] | None = None) -> Path:
    """A Word document at ``path`` with these paragraphs (and a table of these rows)."""
    import docx

    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    if table:
        grid = document.add_table(rows=len(table), cols=len(table[0]))
        for r, row in enumerate(table):
            for c, value in enumerate(row):
                grid.cell(r, c).text = value
    document.save(str(path))
    return path
