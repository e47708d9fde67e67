"""The self-contained HTML report: one small function and one template per section.

To add a section, write a function ``(ReportData) -> Section | None`` and a template
``templates/section_<name>.html``, and add the function to :data:`SECTIONS` (or pass
your own list to :func:`render_html`). Jinja2 autoescaping is on for every template,
so titles, queries and notes are always shown as text; only the flow diagram, which
the project writes itself with every string escaped, is inserted as markup.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from scopewise.report.data import ReportData
from scopewise.report.diagram import layout, to_svg

__all__ = ["SECTIONS", "Section", "render_html"]

TEMPLATES = Path(__file__).parent / "templates"
STAGE_LABELS = {"title_abstract": "Title and abstract", "full_text": "Full text"}


@dataclass(frozen=True, slots=True)
class Section:
    """One section of the report: its anchor, heading, template and the values it shows."""

    id: str
    title: str
    template: str
    context: dict[str, Any] = field(default_factory=dict)


SectionBuilder = Callable[[ReportData], "Section | None"]


def protocol_section(data: ReportData) -> Section:
    """Questions, PCC and eligibility criteria."""
    return Section("protocol", "Protocol", "section_protocol.html", {"p": data.protocol})


def searches_section(data: ReportData) -> Section:
    """Every search: source, full query, date and count."""
    return Section("searches", "Searches", "section_searches.html", {"searches": data.searches})


def dedup_section(data: ReportData) -> Section:
    """Duplicates removed and the overlap between sources."""
    pairs = []
    if data.overlap is not None:
        pairs = [
            {"a": a, "b": b, "n": n}
            for (a, b), n in sorted(data.overlap.pairs.items(), key=lambda kv: -kv[1])
        ]
    return Section(
        "deduplication",
        "Deduplication",
        "section_dedup.html",
        {"flow": data.flow, "overlap": data.overlap, "pairs": pairs},
    )


def screening_section(data: ReportData) -> Section | None:
    """Stages, reviewers, agreement, stopping estimate and records left unscreened."""
    if data.screening is None:
        return None
    return Section(
        "screening",
        "Screening",
        "section_screening.html",
        {"s": data.screening, "flow": data.flow, "stage_labels": STAGE_LABELS},
    )


def flow_section(data: ReportData) -> Section:
    """The PRISMA flow diagram and its numbers."""
    svg = Markup(to_svg(layout(data.flow)))  # built by the project, every string escaped
    criteria = {c.code: c.text for c in data.protocol.all_criteria}
    return Section(
        "flow",
        "PRISMA flow",
        "section_flow.html",
        {"flow": data.flow, "svg": svg, "criteria": criteria},
    )


def included_section(data: ReportData) -> Section:
    """The list of included sources of evidence."""
    return Section(
        "included",
        "Included sources of evidence",
        "section_included.html",
        {"records": data.included},
    )


SECTIONS: tuple[SectionBuilder, ...] = (
    protocol_section,
    searches_section,
    dedup_section,
    screening_section,
    flow_section,
    included_section,
)


def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["stage"] = lambda v: STAGE_LABELS.get(str(v), str(v)).lower()
    env.filters["n"] = lambda v: f"{v:,}" if isinstance(v, int) else v
    env.filters["pct"] = lambda v: "–" if v is None else f"{100 * v:.1f}%"
    env.filters["num"] = lambda v, d=2: "–" if v is None else f"{v:.{d}f}"
    return env


def render_html(data: ReportData, sections: Sequence[SectionBuilder] = SECTIONS) -> str:
    """The report as one HTML document: inline CSS and SVG, no external resources."""
    built = [s for s in (build(data) for build in sections) if s is not None]
    return _environment().get_template("report.html").render(data=data, sections=built)
