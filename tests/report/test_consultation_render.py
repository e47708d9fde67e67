"""The consultation in the report: themes, stance and counts per group; quotes only
when the protocol allows them, in every format.

The consultation report is read by attribute (the facade's ``ConsultationReport``);
here it is a plain stand-in with the same attributes, so the policy of the report
writers is tested on its own: even a report object that carries quotations must not
leak them when ``quotes = "never"``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pytest

from scopewise.analysis.prisma import Flow
from scopewise.protocol import parse_protocol
from scopewise.report import ReportData, write_report

QUOTE = "The supervisor never once asked how I was coping."
NAME = "Participant Mary Jones"


@dataclass
class Group:
    group: str
    participants: int
    sessions: int


@dataclass
class Theme:
    theme: str
    stance: str | None
    summary: str
    participants_per_group: dict[str, int] = field(default_factory=dict)


@dataclass
class Quote:
    theme: str
    participant: str
    group: str
    text: str


@dataclass
class Consultation:
    groups: tuple[Group, ...]
    themes: tuple[Theme, ...]
    quotations: tuple[Quote, ...]
    sessions: int = 3


def protocol(quotes: str) -> str:
    return f"""
questions = ["Q?"]
[review]
title = "Consulted review"
[pcc]
population = "P"
concept = "C"
context = "X"
[[criteria.inclusion]]
code = "IN"
text = "In"
[consultation]
enabled = true
quotes = "{quotes}"
description = "Two workshops with peer workers and managers."
"""


def flow() -> Flow:
    return Flow(sources={"PubMed": 3}, identified=3, duplicates_removed=0, screened=3,
                excluded_title_abstract=1, passed_title_abstract=2, open_title_abstract=0,
                sought=2, not_retrieved=0, awaiting_retrieval=0, assessed=2,
                excluded_full_text={"IN": 1}, open_full_text=0, included=1)


def outputs(out: Path) -> dict[str, str]:
    import docx
    from pypdf import PdfReader

    word = docx.Document(str(out / "report.docx"))
    text = [p.text for p in word.paragraphs]
    text += [c.text for t in word.tables for r in t.rows for c in r.cells]
    return {
        "html": (out / "report.html").read_text(encoding="utf-8"),
        "md": (out / "report.md").read_text(encoding="utf-8"),
        "json": (out / "report.json").read_text(encoding="utf-8"),
        "docx": "\n".join(text),
        "pdf": " ".join(" ".join(p.extract_text() for p in PdfReader(str(out / "report.pdf"))
                                 .pages).split()),
    }


@pytest.mark.parametrize("quotes", ["never", "allowed"])
def test_quote_policy_holds_in_every_format(tmp_path: Path, quotes: str) -> None:
    consultation = Consultation(
        groups=(Group("peer workers", 5, 2), Group("managers", 3, 1)),
        themes=(Theme("Supervision", "supports", "Supervision mattered most.",
                      {"peer workers": 4, "managers": 1}),),
        quotations=(Quote("Supervision", NAME, "peer workers", QUOTE),)
        if quotes == "allowed" else (),
    )
    leaky = Consultation(consultation.groups, consultation.themes,
                         (Quote("Supervision", NAME, "peer workers", QUOTE),))
    data = ReportData(protocol=parse_protocol(protocol(quotes), "t"), flow=flow(),
                      consultation=leaky if quotes == "never" else consultation)
    written = write_report(data, tmp_path / "out", ["json", "html", "docx", "pdf", "md"])
    assert not written.skipped
    for fmt, text in outputs(tmp_path / "out").items():
        flat = " ".join(text.split())
        if fmt != "json":
            assert "Supervision mattered most." in flat, fmt
            assert "supports" in flat and "peer workers" in flat, fmt
        if quotes == "never":
            assert QUOTE not in flat and "Mary Jones" not in flat, fmt
        elif quotes == "allowed" and fmt != "json":
            assert QUOTE in flat, fmt


def test_no_quote_leaks_from_a_real_consultation(tmp_path: Path, db_url: str) -> None:
    """Notes with a sentence and a name, coded and summarised through the facade: the
    report in every format shows the theme, its stance and counts, never the note."""
    from consultation_project import make_project
    from scopewise.review import Review

    sentence = "the lighthouse keeper painted every stair a different shade of violet"
    folder = make_project(tmp_path, db_url)
    notes = tmp_path / "notes.txt"
    notes.write_text(f"Ottoline Ferncastle joined late. On training, {sentence}.", "utf-8")
    with Review.open(folder, db_url=db_url) as review:
        note = review.import_note(notes, "P01", group="peer worker", held_on="2023-09-01")
        review.code_excerpt(note.note_id, "Training", text=sentence)
        review.record_theme("Training", "added to", "Peer workers asked for earlier training.",
                            "Lead")
        written = review.report(tmp_path / "out", "json,html,docx,pdf,md")
    assert not written.skipped
    seen = outputs(tmp_path / "out")
    seen["csv"] = (tmp_path / "out" / "checklist.csv").read_text(encoding="utf-8")
    for fmt, text in seen.items():
        folded = " ".join(text.split()).casefold()
        for needle in ("lighthouse", "violet", "ottoline", "ferncastle"):
            assert needle not in folded, (fmt, needle)
        if fmt not in ("csv",):
            assert "earlier training" in folded, fmt
    assert "added to" in seen["html"] and "peer worker" in seen["html"]
