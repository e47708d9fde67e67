"""The PRISMA-ScR checklist (Tricco et al. 2018): 22 items, each tied to the report.

Each item says, in this project's own words, what it asks for; where the report
answers it (a section of the report); what fills it (derived from the store and
the protocol where that is possible); and its status: ``reported``, ``missing``
(the team still has to write or declare something, shown in plain sight) or
``not applicable`` (the optional critical-appraisal items when none was planned).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from scopewise.report.data import ReportData
from scopewise.text import plural

__all__ = ["ITEMS", "ChecklistItem", "checklist", "checklist_csv"]

REPORTED, MISSING, NOT_APPLICABLE = "reported", "missing", "not applicable"

#: (number, section of the report, topic, what the item asks for, in our words)
ITEMS: tuple[tuple[int, str, str, str], ...] = (
    (1, "Title", "Title", "The title calls the work a scoping review."),
    (2, "Abstract", "Structured summary",
     "A summary covering background, aims, eligibility, sources, charting, results and conclusions."),
    (3, "Introduction", "Rationale",
     "Why the review is needed given what is already known, and why a scoping approach fits."),
    (4, "Introduction", "Objectives",
     "The questions and aims, with their population, concept and context."),
    (5, "Methods", "Protocol and registration",
     "Whether a protocol exists, where it can be read, and any registration number."),
    (6, "Methods", "Eligibility criteria",
     "The characteristics that made a source eligible or not, and why."),
    (7, "Methods", "Information sources",
     "Every database and other source searched, the dates covered, and when each search ran."),
    (8, "Methods", "Search",
     "The complete search string of at least one database, so it can be run again."),
    (9, "Methods", "Selection of sources of evidence",
     "How records were screened and eligibility was decided, by whom."),
    (10, "Methods", "Data charting process",
     "How data were charted: the form, who charted, single or in duplicate, how checked."),
    (11, "Methods", "Data items", "The variables charted, and any assumptions made."),
    (12, "Methods", "Critical appraisal of individual sources",
     "If sources were appraised: how, and how that was used (optional for scoping reviews)."),
    (13, "Methods", "Synthesis of results",
     "How the charted data were grouped and summarised."),
    (14, "Results", "Selection of sources of evidence",
     "How many records were screened, assessed and included, and why others were excluded, "
     "best with a flow diagram."),
    (15, "Results", "Characteristics of sources of evidence",
     "For each included source, the characteristics that were charted."),
    (16, "Results", "Critical appraisal within sources",
     "The appraisal results, if an appraisal was done (optional)."),
    (17, "Results", "Results of individual sources",
     "For each source, the charted data that bear on the questions."),
    (18, "Results", "Synthesis of results",
     "The charted results brought together and related to the questions."),
    (19, "Discussion", "Summary of evidence",
     "The main findings: concepts, themes and kinds of evidence, tied back to the aims."),
    (20, "Discussion", "Limitations", "What limits the review's process and findings."),
    (21, "Discussion", "Conclusions",
     "What the findings mean for the questions, with implications and next steps."),
    (22, "Funding", "Funding",
     "Who funded the review and the included sources, and what role the funders had."),
)


@dataclass(frozen=True, slots=True)
class ChecklistItem:
    """One checklist item as the report answers it."""

    number: int
    part: str
    topic: str
    asks: str
    where: str
    filled_by: str
    status: str

    @property
    def label(self) -> str:
        """``Item N``."""
        return f"Item {self.number}"


def _text(data: ReportData, name: str) -> bool:
    return bool(data.texts.get(name, "").strip())


def _fill(data: ReportData) -> dict[int, tuple[str, str, str]]:
    """Per item: (where in the report, what fills it, status)."""
    p, flow = data.protocol, data.flow
    charting = data.charting
    form_fields = list(p.charting.active_fields)
    n_searches = len(data.searches)
    with_query = sum(1 for s in data.searches if s.query.strip())
    dates = sorted(s.searched_on for s in data.searches if s.searched_on)
    stages = data.screening.stages if data.screening else p.screening.stages
    is_scoping = "scoping" in (p.review.title + p.report.title).casefold()

    def text_item(name: str, where: str, what: str) -> tuple[str, str, str]:
        if _text(data, name):
            return where, f"{what} written by the team", REPORTED
        return where, f"MISSING: no {name} text yet (scopewise report DIR --section {name})", MISSING

    out: dict[int, tuple[str, str, str]] = {
        1: ("Title page", f"Title: {p.report.title or p.review.title}",
            REPORTED if is_scoping else MISSING),
        2: text_item("summary", "Summary", "Structured summary"),
        3: text_item("context", "Introduction: Context", "Rationale and context"),
        4: ("Introduction: Objectives and questions",
            f"{plural(len(p.objectives), 'objective')}, "
            f"{plural(len(p.questions), 'question')} and the PCC from the protocol", REPORTED),
        5: ("Methods: Protocol",
            f"Framework: {p.review.framework}; registration: {p.review.registration}"
            if p.review.registration else
            f"Framework: {p.review.framework}; MISSING: no registration in the protocol "
            "([review] registration)",
            REPORTED if p.review.registration else MISSING),
        6: ("Methods: Eligibility criteria",
            f"{len(p.criteria.inclusion)} inclusion and {len(p.criteria.exclusion)} exclusion "
            "criteria from the protocol", REPORTED),
        7: ("Methods: Information sources",
            f"{plural(n_searches, 'search', 'searches')} from the store, run {dates[0]} to "
            f"{dates[-1]}" if dates else
            f"{plural(n_searches, 'search', 'searches')}; MISSING: no search date recorded",
            REPORTED if n_searches and dates else MISSING),
        8: ("Appendix A: Search strategies",
            f"Full search strings of {with_query} of "
            f"{plural(n_searches, 'search', 'searches')}",
            REPORTED if with_query else MISSING),
        9: ("Methods: Selection of sources of evidence",
            f"Stages {', '.join(stages)}; {plural(p.screening.reviewers_per_record, 'reviewer')}"
            " per record; agreement and the stopping rule from the decision log", REPORTED),
        10: ("Methods: Charting process",
             f"Charting form of {plural(len(form_fields), 'field')}, "
             f"{plural(p.charting.reviewers_per_record, 'charter')} per source"
             + ("" if form_fields else "; MISSING: no charting form in the protocol"),
             REPORTED if form_fields else MISSING),
        11: ("Appendix C: Charting form",
             f"{plural(len(form_fields), 'data item')} with their types and choices",
             REPORTED if form_fields else MISSING),
        12: ("Methods", "No critical appraisal planned (optional in a scoping review)",
             NOT_APPLICABLE),
        13: ("Methods: Synthesis",
             "Counts per charted field, evidence map and findings per charting category"
             + (f" in the order {', '.join(p.report.order)}" if p.report.order else ""),
             REPORTED if form_fields else MISSING),
        14: ("Results: Selection of sources of evidence",
             f"Flow diagram: {flow.identified:,} identified, "
             + (f"{flow.removed_other_total:,} removed before screening for other reasons, "
                if flow.removed_other_total else "")
             + f"{flow.screened:,} screened, "
             f"{flow.included:,} included; exclusion reasons with their labels", REPORTED),
        15: ("Results: Characteristics of sources of evidence",
             "Characteristics table of every included source" if charting is not None
             else "MISSING: no charted data yet (only the list of included sources)",
             REPORTED if charting is not None else MISSING),
        16: ("Results", "No critical appraisal planned (optional in a scoping review)",
             NOT_APPLICABLE),
        17: ("Results: Characteristics of sources of evidence",
             "Charted values per source" if charting is not None
             else "MISSING: no charted data yet", REPORTED if charting is not None else MISSING),
        18: ("Results: Findings",
             "Counts per field, evidence map, findings per category with sources cited"
             if charting is not None else "MISSING: no charted data yet",
             REPORTED if charting is not None else MISSING),
        19: text_item("discussion", "Discussion", "Summary of the evidence"),
        20: text_item("limitations", "Discussion: Limitations", "Limitations"),
        21: text_item("conclusion", "Conclusion", "Conclusions"),
        22: ("Funding",
             f"From the protocol: {p.report.funding}" if p.report.funding.strip()
             else "MISSING: no funding statement in the protocol ([report] funding)",
             REPORTED if p.report.funding.strip() else MISSING),
    }
    return out


def checklist(data: ReportData) -> list[ChecklistItem]:
    """The 22 items of the PRISMA-ScR checklist as this report answers them."""
    filled = _fill(data)
    return [
        ChecklistItem(number, part, topic, asks, *filled[number])
        for number, part, topic, asks in ITEMS
    ]


def checklist_csv(items: list[ChecklistItem]) -> str:
    """``checklist.csv``: item, part, topic, asks, where, filled_by, status."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["item", "part", "topic", "asks", "where", "filled_by", "status"])
    for i in items:
        writer.writerow([i.label, i.part, i.topic, i.asks, i.where, i.filled_by, i.status])
    return buffer.getvalue()
